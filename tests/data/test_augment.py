"""Pad-4 / crop-32 / flip on whole batches: what each choice does, their ranges, and
determinism per seed."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from optbench.data.augment import CropFlip, crop_flip, draw_crop_flip, normalize, pad_crop_flip


def images(batch: int = 3) -> torch.Tensor:
    """Distinct positive values everywhere, so zero means padding."""
    return torch.arange(1, batch * 3 * 32 * 32 + 1, dtype=torch.float32).view(batch, 3, 32, 32)


def test_each_image_is_its_own_crop_of_the_zero_padded_image():
    x = images()
    choice = CropFlip(torch.tensor([0, 4, 8]), torch.tensor([8, 4, 1]), torch.zeros(3).bool())
    out = crop_flip(x, choice, pad=4)
    padded = F.pad(x, (4, 4, 4, 4))
    for b, (dy, dx) in enumerate([(0, 8), (4, 4), (8, 1)]):
        assert torch.equal(out[b], padded[b, :, dy : dy + 32, dx : dx + 32])
    assert torch.equal(out[1], x[1])  # offset (4, 4) is the identity
    assert (out[0, :, :4, :] == 0).all() and (out[0, :, 4:, :28] > 0).all()  # moved down-left


def test_a_flip_mirrors_the_crop_left_to_right():
    x = images(2)
    offsets = torch.tensor([2, 7])
    plain = crop_flip(x, CropFlip(offsets, offsets.flip(0), torch.zeros(2).bool()), pad=4)
    flipped = crop_flip(x, CropFlip(offsets, offsets.flip(0), torch.ones(2).bool()), pad=4)
    assert torch.equal(flipped, plain.flip(-1))


def test_drawn_offsets_move_images_at_most_4_pixels_and_flip_half_the_time():
    choice = draw_crop_flip(4000, 4, torch.Generator().manual_seed(0))
    for offsets in (choice.dy, choice.dx):
        counts = torch.bincount(offsets, minlength=9)
        assert len(counts) == 9  # every offset in 0..8, i.e. a shift of -4..4 pixels
        assert ((counts - 4000 / 9).abs() < 0.2 * 4000 / 9).all()  # uniform
    assert abs(choice.flip.float().mean().item() - 0.5) < 0.03


def test_same_seed_same_batch_other_seed_other_batch():
    x = images(8)
    a = pad_crop_flip(x, torch.Generator().manual_seed(3))
    b = pad_crop_flip(x, torch.Generator().manual_seed(3))
    c = pad_crop_flip(x, torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert a.shape == x.shape and a.is_contiguous()


def test_uint8_batches_keep_their_dtype_and_normalize_per_channel():
    x = torch.full((2, 3, 32, 32), 51, dtype=torch.uint8)
    out = pad_crop_flip(x, torch.Generator().manual_seed(0))
    assert out.dtype == torch.uint8
    mean, std = torch.tensor([0.2, 0.1, 0.0]), torch.tensor([0.5, 0.1, 2.0])
    standard = normalize(x, mean, std)
    assert standard.dtype == torch.float32
    assert torch.allclose(standard[0, :, 0, 0], torch.tensor([0.0, 1.0, 0.1]))
