"""ImageNet's class-per-folder layout: scanning, the two transforms on real JPEG files,
seeded per-example randomness, and the message that says where to put ImageNet."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from optbench.data import DataFormatError, DataNotFoundError, DownloadError, fetch, locate
from optbench.data.imagefolder import (
    ImageFolderDataset,
    SeededOrder,
    collate,
    eval_transform,
    raise_failed,
    random_resized_box,
    scan_image_folder,
    train_transform,
)
from optbench.data.synthetic import write_image_folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_image_folder(tmp_path_factory.mktemp("imagenet"), classes=3, per_class=4)


def test_scan_lists_images_by_class_then_name_and_ignores_other_files(folder):
    (folder / "train" / "n00000001" / "README.txt").write_text("not an image")
    (folder / "train" / "n00000002" / "upper.JPG").write_bytes(b"")
    images = scan_image_folder(folder / "train")
    assert images.classes == ("n00000000", "n00000001", "n00000002")
    assert images.labels.tolist() == [0] * 4 + [1] * 4 + [2] * 5
    assert images.paths[-1].endswith("n00000002/upper.JPG")
    assert images.paths == tuple(sorted(images.paths))
    (folder / "train" / "n00000002" / "upper.JPG").unlink()


def test_validation_classes_take_the_training_labels(folder, tmp_path):
    val = scan_image_folder(folder / "val", classes=("n00000000", "n00000001", "n00000002"))
    assert val.labels.tolist() == [0, 0, 1, 1, 2, 2]
    (tmp_path / "n99999999").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "n99999999" / "a.JPEG")
    with pytest.raises(DataFormatError, match="n99999999: is a class the training split"):
        scan_image_folder(tmp_path, classes=("n00000000",))


def test_empty_layouts_are_format_errors(tmp_path):
    with pytest.raises(DataFormatError, match="holds no class folders"):
        scan_image_folder(tmp_path)
    (tmp_path / "n1").mkdir()
    with pytest.raises(DataFormatError, match="n1: holds no image files"):
        scan_image_folder(tmp_path)


def test_random_resized_boxes_lie_in_the_image_with_the_allowed_area_and_ratio():
    rng = np.random.default_rng(0)
    for _ in range(300):
        left, top, right, bottom = random_resized_box(500, 375, rng)
        w, h = right - left, bottom - top
        assert 0 <= left < right <= 500 and 0 <= top < bottom <= 375
        assert 0.08 * 500 * 375 * 0.95 <= w * h <= 500 * 375
        assert 3 / 4 - 0.02 <= w / h <= 4 / 3 + 0.02
    # a 1000×10 strip has no 3/4..4/3 crop of 8 % area: the central crop of ratio 4/3
    assert random_resized_box(1000, 10, rng) == (493, 0, 506, 10)


def test_eval_transform_resizes_the_shorter_side_then_takes_the_centre():
    pixels = np.zeros((300, 400, 3), np.uint8)
    pixels[140:160, 190:210] = 255  # a white square at the centre
    out = eval_transform(Image.fromarray(pixels), size=224, resize=256)
    assert out.size == (224, 224)
    array = np.asarray(out)
    assert array[112, 112].min() > 200 and array[0, 0].max() == 0
    scale = 256 / 300
    assert math.isclose((array[:, 112, 0] > 127).sum(), 20 * scale, abs_tol=2)


def test_train_transform_flips_for_half_the_seeds_and_is_fixed_by_the_seed(folder):
    image = Image.fromarray(np.tile(np.arange(64, dtype=np.uint8), (48, 1))[..., None].repeat(3, 2))
    outs = [np.asarray(train_transform(image, 32, np.random.default_rng(s))) for s in range(40)]
    increasing = sum(o[16, -1, 0] > o[16, 0, 0] for o in outs)
    assert 10 < increasing < 30  # left-to-right ramp kept or mirrored
    again = np.asarray(train_transform(image, 32, np.random.default_rng(7)))
    assert np.array_equal(again, outs[7])


@pytest.mark.parametrize("workers", [0, 1])
def test_a_broken_jpeg_decoded_in_a_worker_is_raised_naming_the_file(tmp_path, workers):
    write_image_folder(tmp_path, classes=1, per_class=3, val_per_class=1)
    broken = tmp_path / "train" / "n00000000" / "image_00001.JPEG"
    broken.write_bytes(broken.read_bytes()[:50])
    dataset = ImageFolderDataset(scan_image_folder(tmp_path / "train"), train=False, size=16)
    assert isinstance(dataset[(1, 0)], DataFormatError)
    order = SeededOrder(3, None, shuffle=False)
    loader = DataLoader(dataset, 3, sampler=order, num_workers=workers, collate_fn=collate)
    (batch,) = list(loader)  # the batch with the broken image
    with pytest.raises(DataFormatError) as caught:
        raise_failed(batch)
    assert str(caught.value).startswith(f"{broken}: is not a readable image (")
    assert len(str(caught.value).splitlines()) == 1
    good = DataLoader(dataset, 2, sampler=[(0, 0), (2, 0)], collate_fn=collate)
    images, labels = raise_failed(next(iter(good)))
    assert images.shape == (2, 3, 16, 16) and labels.tolist() == [0, 0]


def test_batches_are_the_same_whatever_the_number_of_workers(folder):
    images = scan_image_folder(folder / "train")
    dataset = ImageFolderDataset(images, train=True, size=24, resize=28)

    def first_epoch(workers: int) -> list[torch.Tensor]:
        order = SeededOrder(len(images.paths), torch.Generator().manual_seed(5), shuffle=True)
        loader = DataLoader(dataset, batch_size=4, sampler=order, num_workers=workers)
        return [x for x, _ in loader]

    inline, parallel = first_epoch(0), first_epoch(2)
    assert len(inline) == 3 and inline[0].shape == (4, 3, 24, 24) and inline[0].dtype == torch.uint8
    assert all(torch.equal(a, b) for a, b in zip(inline, parallel, strict=True))


def test_seeded_order_shuffles_every_index_once_per_pass():
    order = SeededOrder(10, torch.Generator().manual_seed(1), shuffle=True)
    first, second = list(order), list(order)
    assert sorted(i for i, _ in first) == list(range(10))
    assert first != second and len({s for _, s in first}) == 10
    assert list(SeededOrder(3, None, shuffle=False)) == [(0, 0), (1, 0), (2, 0)]


def test_imagenet_is_never_downloaded_and_the_message_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("OPTBENCH_DATA", raising=False)
    with pytest.raises(DownloadError, match="sign-in at https://image-net.org"):
        fetch("imagenet", tmp_path, progress=False)
    (tmp_path / "given" / "train").mkdir(parents=True)
    with pytest.raises(DataNotFoundError) as caught:
        locate("imagenet", tmp_path / "given")
    message = str(caught.value)
    assert "(the path given: missing val/)" in message
    assert "train/<wnid>/*.JPEG and val/<wnid>/*.JPEG" in message
    assert "optbench data fetch" not in message


def test_locate_finds_the_two_folders(folder):
    assert locate("imagenet", folder) == {"train": folder / "train", "val": folder / "val"}
