"""Loading a dataset into memory as numpy arrays or text, found by :mod:`discovery`.

Loads are cached per process (keyed by the files' paths, sizes and modification times), so a
worker that runs many trials on the same data reads and decompresses it once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optbench.data.discovery import locate
from optbench.data.formats import DataFormatError, check_labels, read_idx, read_text
from optbench.data.sources import get_source


@dataclass(frozen=True)
class LabelledImages:
    """An image classification dataset in its official train/test split, as stored."""

    train_images: np.ndarray  # (N, H, W) or (N, C, H, W) uint8
    train_labels: np.ndarray  # (N,) integers
    test_images: np.ndarray
    test_labels: np.ndarray


def stamp(paths: dict[str, Path]) -> tuple:
    """What identifies the content of ``paths`` for a per-process cache: each path with its
    size and modification time (for a folder, those of every file in it)."""

    def one(path: Path) -> tuple:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        return (str(path), *((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files))

    return tuple(one(p) for p in paths.values())


@functools.lru_cache(maxsize=4)
def _read_images(
    files_stamp: tuple, classes: int | None, image_shape: tuple[int, ...] | None
) -> LabelledImages:
    paths = [entry[0] for entry in files_stamp]
    arrays = [read_idx(path) for path in paths]
    for images_path, labels_path, images, labels in [
        (paths[0], paths[1], arrays[0], arrays[1]),
        (paths[2], paths[3], arrays[2], arrays[3]),
    ]:
        check_images(images, image_shape, images_path)
        check_labels(labels, classes, labels_path)
        if len(labels) != len(images):
            raise DataFormatError(
                labels_path,
                f"{len(labels)} labels for the {len(images)} images of {Path(images_path).name}",
            )
    if arrays[0].shape[1:] != arrays[2].shape[1:]:
        raise DataFormatError(
            paths[2], f"images of shape {arrays[2].shape[1:]}, the training images' are "
            f"{arrays[0].shape[1:]}"
        )
    return LabelledImages(*arrays)


def check_images(images: np.ndarray, image_shape: tuple[int, ...] | None, where: str) -> None:
    """Raise :class:`DataFormatError` naming ``where`` unless ``images`` is a non-empty uint8
    array (N, height, width), each image of ``image_shape`` when it is given."""
    if images.dtype != np.uint8:
        raise DataFormatError(where, f"images must be uint8 pixels, found {images.dtype}")
    if images.ndim != 3 or (image_shape is not None and images.shape[1:] != image_shape):
        expected = image_shape if image_shape is not None else "(height, width)"
        raise DataFormatError(
            where, f"images of shape {images.shape[1:]}, expected {expected} each"
        )
    if len(images) == 0:
        raise DataFormatError(where, "holds no images")


def load_images(name: str = "fashion_mnist", path: Path | str | None = None) -> LabelledImages:
    """The IDX image dataset ``name`` (MNIST layout: train/t10k images and labels), checked:
    uint8 images of the source's shape, as many integer labels in [0, classes), else
    :class:`DataFormatError` naming the file and the fault."""
    source = get_source(name)
    files = locate(source, path)
    ordered = {key: files[key] for key in sorted(files, key=_idx_order)}
    return _read_images(stamp(ordered), source.classes, source.image_shape)


def _idx_order(file_name: str) -> int:
    order = ["train-images", "train-labels", "t10k-images", "t10k-labels"]
    return next(i for i, prefix in enumerate(order) if file_name.startswith(prefix))


_GUTENBERG = re.compile(
    r"\*\*\* ?START OF (?:THE|THIS) PROJECT GUTENBERG EBOOK[^\n]*\n(.*?)"
    r"\*\*\* ?END OF (?:THE|THIS) PROJECT GUTENBERG EBOOK",
    re.DOTALL | re.IGNORECASE,
)


def strip_gutenberg(text: str) -> str:
    """The body of a Project Gutenberg ebook without its licence header and footer; any other
    text unchanged."""
    match = _GUTENBERG.search(text)
    return match.group(1).strip() + "\n" if match else text


@functools.lru_cache(maxsize=4)
def _read_text(files_stamp: tuple) -> str:
    text = strip_gutenberg(read_text(files_stamp[0][0]))
    if not text.strip():
        raise DataFormatError(files_stamp[0][0], "holds no text")
    return text


def load_text(name: str = "war_and_peace", path: Path | str | None = None) -> str:
    """The text of dataset ``name``, or of the UTF-8 file or directory at ``path``."""
    if path is not None and Path(path).is_file():
        files = {"text": Path(path)}
    else:
        files = locate(name, path)
    return _read_text(stamp(files))
