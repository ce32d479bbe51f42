"""Batch augmentation for CIFAR in plain torch, on whatever device the batch lives on.

The standard CIFAR augmentation of He et al. (2016, §4.2): pad each 32×32 image by 4 pixels
with zeros on every side, take a random 32×32 crop of the 40×40 result and flip it
horizontally with probability 1/2. The random choices are drawn on the CPU from the trial's
``torch.Generator`` (three small integer tensors per batch), so the same seed gives the same
augmentations on any device; the crop and the flip are then one gather on the batch's device.

For image b with offsets (dy_b, dx_b) ∈ {0, …, 2·pad}² and flip f_b ∈ {0, 1}:

    out[b, c, i, j] = padded[b, c, dy_b + i, dx_b + (W - 1 - j if f_b else j)]

so the image moves by (pad - dy_b, pad - dx_b) pixels, at most ``pad`` in each direction.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F


@dataclass(frozen=True)
class CropFlip:
    """The random choices for one batch: crop offsets into the padded image and flips."""

    dy: torch.Tensor  # (B,) int64 in [0, 2·pad]
    dx: torch.Tensor  # (B,) int64 in [0, 2·pad]
    flip: torch.Tensor  # (B,) bool


def draw_crop_flip(batch: int, pad: int, generator: torch.Generator) -> CropFlip:
    """Uniform offsets in {0, …, 2·pad} and fair coin flips for ``batch`` images, drawn on
    the CPU from ``generator``."""
    offsets = torch.randint(0, 2 * pad + 1, (2, batch), generator=generator)
    flip = torch.randint(0, 2, (batch,), generator=generator).bool()
    return CropFlip(offsets[0], offsets[1], flip)


def crop_flip(images: torch.Tensor, choice: CropFlip, pad: int) -> torch.Tensor:
    """Apply ``choice`` to ``images`` (B, C, H, W), zero-padded by ``pad``: same shape out."""
    batch, _, height, width = images.shape
    device = images.device
    padded = F.pad(images, (pad, pad, pad, pad))
    rows = choice.dy.to(device, non_blocking=True)[:, None] + torch.arange(height, device=device)
    columns = torch.arange(width, device=device).expand(batch, width)
    flip = choice.flip.to(device, non_blocking=True)[:, None]
    columns = torch.where(flip, width - 1 - columns, columns)
    columns = columns + choice.dx.to(device, non_blocking=True)[:, None]
    index = torch.arange(batch, device=device)[:, None, None]
    # advanced indexing on dims 0, 2, 3 puts them first: (B, H, W, C)
    out = padded.permute(0, 2, 3, 1)[index, rows[:, :, None], columns[:, None, :]]
    return out.permute(0, 3, 1, 2).contiguous()


def pad_crop_flip(images: torch.Tensor, generator: torch.Generator, pad: int = 4) -> torch.Tensor:
    """The standard CIFAR augmentation of a whole batch (B, C, H, W); see the module."""
    return crop_flip(images, draw_crop_flip(len(images), pad, generator), pad)


def normalize(images: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """``(images / 255 - mean) / std`` per channel, as float32; ``images`` (B, C, H, W) uint8,
    ``mean`` and ``std`` (C,)."""
    scaled = images.float().div_(255)
    return scaled.sub_(mean.view(1, -1, 1, 1)).div_(std.view(1, -1, 1, 1))
