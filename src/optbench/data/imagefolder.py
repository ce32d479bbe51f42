"""Images in the class-per-folder layout (ImageNet's ``train/<wnid>/*.JPEG``), decoded with
Pillow, with the standard ImageNet transforms written against Pillow and numpy.

- Training (Szegedy et al. 2015, as torchvision's ``RandomResizedCrop``): a crop of area
  s·A (s uniform in [0.08, 1], A the image's area) and aspect ratio r (log r uniform in
  [log 3/4, log 4/3]), ten tries to fit one in the image, else the central crop of the closest
  ratio; resized to size × size (bilinear), then a horizontal flip with probability 1/2.
- Evaluation: the shorter side resized to ``resize`` (256), then the central size × size (224).

Each example's random choices come from its own seed, which the sampler draws from the
trial's generator in the main process: the batches are the same whatever the number of
DataLoader workers and whichever worker decodes which image.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler, default_collate

from optbench.data.formats import DataFormatError, register_reader

EXTENSIONS = (".jpeg", ".jpg", ".png")


@dataclass(frozen=True)
class ImageList:
    """Image files with integer labels; ``classes[label]`` is the folder name."""

    paths: tuple[str, ...]
    labels: np.ndarray  # (N,) int64
    classes: tuple[str, ...]


def scan_image_folder(root: Path | str, classes: tuple[str, ...] | None = None) -> ImageList:
    """Every image file (by extension, case-insensitive) in ``root/<class>/``, sorted by class
    then name. ``classes`` (e.g. the training split's) fixes the label of each folder name;
    by default the sorted folder names."""
    root = Path(root)
    folders = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if not folders:
        raise DataFormatError(root, "holds no class folders (expected <class>/<image> files)")
    classes = tuple(folders) if classes is None else classes
    index = {name: label for label, name in enumerate(classes)}
    paths, labels = [], []
    for folder in folders:
        if folder not in index:
            raise DataFormatError(root / folder, "is a class the training split does not have")
        files = sorted(f.name for f in (root / folder).iterdir() if f.suffix.lower() in EXTENSIONS)
        if not files:
            raise DataFormatError(root / folder, "holds no image files")
        paths += [str(root / folder / f) for f in files]
        labels += [index[folder]] * len(files)
    return ImageList(tuple(paths), np.asarray(labels, np.int64), classes)


def random_resized_box(
    width: int,
    height: int,
    rng: np.random.Generator,
    scale: tuple[float, float] = (0.08, 1.0),
    ratio: tuple[float, float] = (3 / 4, 4 / 3),
) -> tuple[int, int, int, int]:
    """``(left, top, right, bottom)`` of a random crop, as described in the module."""
    area = width * height
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target = area * rng.uniform(*scale)
        aspect = math.exp(rng.uniform(*log_ratio))
        w = round(math.sqrt(target * aspect))
        h = round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            left = int(rng.integers(0, width - w + 1))
            top = int(rng.integers(0, height - h + 1))
            return left, top, left + w, top + h
    aspect = width / height
    if aspect < ratio[0]:
        w, h = width, round(width / ratio[0])
    elif aspect > ratio[1]:
        w, h = round(height * ratio[1]), height
    else:
        w, h = width, height
    left, top = (width - w) // 2, (height - h) // 2
    return left, top, left + w, top + h


def train_transform(image, size: int, rng: np.random.Generator):
    """Random-resized crop to ``size`` and a random horizontal flip (a PIL image)."""
    from PIL import Image

    box = random_resized_box(*image.size, rng)
    image = image.resize((size, size), Image.Resampling.BILINEAR, box=box)
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return image


def eval_transform(image, size: int, resize: int):
    """Shorter side to ``resize``, then the central ``size`` × ``size`` (a PIL image)."""
    from PIL import Image

    width, height = image.size
    scale = resize / min(width, height)
    new = (max(size, round(width * scale)), max(size, round(height * scale)))
    image = image.resize(new, Image.Resampling.BILINEAR)
    left, top = (new[0] - size) // 2, (new[1] - size) // 2
    return image.crop((left, top, left + size, top + size))


def decode(path: str):
    """The RGB image in file ``path``; a file Pillow cannot read raises DataFormatError."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise DataFormatError(path, f"is not a readable image ({error})") from None


class ImageFolderDataset(Dataset):
    """``dataset[(i, seed)]`` is image i, transformed, as ``(uint8 (3, size, size), label)``;
    ``train`` selects the random transform (driven by ``seed``) or the evaluation one. An
    image that cannot be decoded is returned as its :class:`DataFormatError`, for
    :func:`collate` to carry to the process that reads the batches."""

    def __init__(self, images: ImageList, train: bool, size: int = 224, resize: int = 256):
        self.images, self.train, self.size, self.resize = images, train, size, resize

    def __len__(self) -> int:
        return len(self.images.paths)

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, int] | DataFormatError:
        index, seed = key
        try:
            image = decode(self.images.paths[index])
        except DataFormatError as error:
            return error
        if self.train:
            image = train_transform(image, self.size, np.random.default_rng(seed))
        else:
            image = eval_transform(image, self.size, self.resize)
        pixels = np.asarray(image, dtype=np.uint8).transpose(2, 0, 1).copy()
        return torch.from_numpy(pixels), int(self.images.labels[index])


def collate(samples: list) -> tuple[torch.Tensor, torch.Tensor] | DataFormatError:
    """The DataLoader's batch of :class:`ImageFolderDataset` samples, or the first sample's
    :class:`DataFormatError` when an image could not be decoded. The error travels back from a
    worker process whole, naming the file, for the reader to raise (raised in the worker, it
    would reach the reader as a RuntimeError whose first line names no file)."""
    for sample in samples:
        if isinstance(sample, DataFormatError):
            return sample
    return default_collate(samples)


def raise_failed(batch: tuple[torch.Tensor, torch.Tensor] | DataFormatError) -> tuple:
    """``batch`` from a DataLoader using :func:`collate`; its error raised if it is one."""
    if isinstance(batch, DataFormatError):
        raise batch
    return batch


class SeededOrder(Sampler):
    """Keys ``(index, seed)`` for :class:`ImageFolderDataset`: each pass a fresh permutation
    (``shuffle``) or the stored order, with per-example seeds, all from ``generator``."""

    def __init__(self, size: int, generator: torch.Generator | None, shuffle: bool) -> None:
        self.size, self.generator, self.shuffle = size, generator, shuffle

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[tuple[int, int]]:
        if not self.shuffle:
            return iter([(i, 0) for i in range(self.size)])
        order = torch.randperm(self.size, generator=self.generator).tolist()
        seeds = torch.randint(0, 1 << 62, (self.size,), generator=self.generator).tolist()
        return iter(list(zip(order, seeds, strict=True)))


register_reader("imagefolder", scan_image_folder)
