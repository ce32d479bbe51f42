"""Checking a dataset's files before anything trains on them (``optbench data where``).

Each format has a check that reads what it can cheaply and raises
:class:`~optbench.data.formats.DataFormatError` naming the file and the fault:

- ``idx``: every file read and parsed (gzip stream, magic, type code, sizes against the file's
  length), uint8 images of the source's shape, as many integer labels in [0, classes);
- ``text``: UTF-8, and not empty once a Project Gutenberg header and footer are removed;
- ``cifar``: every batch present and unpickled (keys, shapes, labels in range), the archive
  read to its end;
- ``imagefolder``: ``train/`` and ``val/`` scanned (class folders with images, the validation
  classes among the training ones); the images are not decoded here, and one that cannot be is
  reported by name when a batch reads it;
- ``lm1b``: every shard present and not empty, training shards numbered without a gap.

The loads are the ones a workload makes (cached per process), so a study that checks its data
first reads it once. A format without a check is only located.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from optbench.data.cifar import LAYOUTS, load_cifar, read_cifar_file
from optbench.data.corpus import Lm1bShards
from optbench.data.discovery import locate
from optbench.data.imagefolder import scan_image_folder
from optbench.data.loaders import load_images, load_text
from optbench.data.sources import DatasetSource, get_source

Check = Callable[[DatasetSource, dict[str, Path], Path | str | None], None]


def _cifar(source: DatasetSource, files: dict[str, Path], path: Path | str | None) -> None:
    if source.name in LAYOUTS:
        load_cifar(source.name, path)
    else:
        read_cifar_file(next(iter(files.values())))


def _image_folders(source: DatasetSource, files: dict[str, Path], path: Path | str | None) -> None:
    train = scan_image_folder(files["train"])
    scan_image_folder(files["val"], classes=train.classes)


CHECKS: dict[str, Check] = {
    "idx": lambda source, files, path: load_images(source.name, path),
    "text": lambda source, files, path: load_text(source.name, path),
    "cifar": _cifar,
    "imagefolder": _image_folders,
    "lm1b": lambda source, files, path: Lm1bShards(next(iter(files.values()))).check(),
}


def register_check(format_name: str, check: Check) -> None:
    """Make ``check(source, files, path)`` the check of datasets of ``format_name``."""
    CHECKS[format_name] = check


def check_dataset(name: str | DatasetSource, path: Path | str | None = None) -> dict[str, Path]:
    """The files of dataset ``name`` as :func:`~optbench.data.discovery.locate` finds them
    (``path`` alone when given), checked by their format's check (see the module)."""
    source = get_source(name) if isinstance(name, str) else name
    files = locate(source, path)
    check = CHECKS.get(source.format)
    if check is not None:
        check(source, files, path)
    return files
