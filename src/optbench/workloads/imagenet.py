"""ImageNet classification from the class-per-folder JPEG layout, decoded with Pillow in
DataLoader worker processes (:mod:`optbench.data.imagefolder`).

Splits: the official validation images (``val/``, 50 000) test; the last
``validation_per_class`` (10) images of each class in ``train/`` (by file name; 10 000 in
all) validate; the rest train. Training batches: random-resized crop to ``image_size`` (224)
and horizontal flip, in a fresh order each epoch (last incomplete batch dropped);
evaluation: resize to ``resize_size`` (256), central crop. Batches travel as uint8 through
pinned memory with non-blocking copies and are standardised on the device by the usual
ImageNet channel means (0.485, 0.456, 0.406) and standard deviations (0.229, 0.224, 0.225).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from optbench.data import locate
from optbench.data.augment import normalize
from optbench.data.imagefolder import (
    ImageFolderDataset,
    ImageList,
    SeededOrder,
    collate,
    raise_failed,
    scan_image_folder,
)
from optbench.errors import InvalidParameterError
from optbench.workloads.losses import check_regularization, classification_loss, evaluate_classifier

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ImageNetClassification:
    """Classify ImageNet (or any class-per-folder image set with ``train/`` and ``val/``);
    see the module. ``workers`` DataLoader processes decode images (0: in the trial's own
    process); ``eval_limit`` evaluates at most that many images of a split, evenly spaced
    through it (None: all); ``l2`` and ``label_smoothing`` regularise the training loss."""

    dataset: str = "imagenet"
    validation_per_class: int = 10
    image_size: int = 224
    resize_size: int = 256
    workers: int = 8
    eval_batch_size: int = 250
    eval_limit: int | None = None
    l2: float = 0.0
    label_smoothing: float = 0.0

    def __post_init__(self) -> None:
        check_regularization(self.l2, self.label_smoothing)
        if self.eval_limit is not None and self.eval_limit < 1:
            raise InvalidParameterError("eval_limit", self.eval_limit, "a positive count or None")
        if not 0 < self.image_size <= self.resize_size:
            raise InvalidParameterError(
                "image_size", self.image_size, f"a size in (0, resize_size={self.resize_size}]"
            )

    def problem(
        self, batch_size: int, seed: int, device: torch.device, data_path: str | None = None
    ) -> ImageNetProblem:
        """This task's loaders for ``device``, with order and crops drawn from ``seed``."""
        splits = _splits(self.dataset, self.validation_per_class, data_path)
        return ImageNetProblem(self, splits, batch_size, seed, torch.device(device))


def _subset(images: ImageList, keep: np.ndarray) -> ImageList:
    paths = tuple(p for p, k in zip(images.paths, keep, strict=True) if k)
    return ImageList(paths, images.labels[keep], images.classes)


@functools.lru_cache(maxsize=2)
def _splits(dataset: str, per_class: int, data_path: str | None) -> dict[str, ImageList]:
    """The file lists of the three splits, scanned once per process."""
    folders = locate(dataset, data_path)
    train = scan_image_folder(folders["train"])
    test = scan_image_folder(folders["val"], classes=train.classes)
    # rank of each file within its class, counted from the end (files are sorted by class)
    counts = np.bincount(train.labels, minlength=len(train.classes))
    ends = np.cumsum(counts)[train.labels]
    from_end = ends - np.arange(len(train.labels))  # 1 for the last file of a class
    if per_class >= counts.min():
        raise InvalidParameterError(
            "validation_per_class", per_class, f"fewer than the {counts.min()} images of a class"
        )
    held = from_end <= per_class
    return {"train": _subset(train, ~held), "validation": _subset(train, held), "test": test}


class ImageNetProblem:
    """One trial's view of ImageNet: a training DataLoader with persistent workers, and
    evaluation loaders built when needed."""

    def __init__(
        self,
        task: ImageNetClassification,
        splits: dict[str, ImageList],
        batch_size: int,
        seed: int,
        device: torch.device,
    ) -> None:
        train = splits["train"]
        if not 0 < batch_size <= len(train.paths):
            raise InvalidParameterError(
                "batch_size", batch_size, f"at most the {len(train.paths)} training images"
            )
        self.task, self.splits, self.device = task, splits, device
        self.info = {
            "input_shape": (3, task.image_size, task.image_size),
            "num_classes": len(train.classes),
        }
        self._mean = torch.tensor(MEAN, device=device)
        self._std = torch.tensor(STD, device=device)
        order = SeededOrder(len(train.paths), torch.Generator().manual_seed(seed), shuffle=True)
        dataset = ImageFolderDataset(train, True, task.image_size, task.resize_size)
        self._loader = self._make_loader(dataset, order, batch_size, drop_last=True)
        self._batches = iter(())

    def _make_loader(self, dataset, order, batch_size: int, drop_last: bool) -> DataLoader:
        workers = self.task.workers
        return DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=order,
            collate_fn=collate,
            num_workers=workers,
            pin_memory=self.device.type == "cuda",
            drop_last=drop_last,
            persistent_workers=workers > 0 and drop_last,
            prefetch_factor=4 if workers > 0 else None,
        )

    def _to_device(self, batch) -> tuple[torch.Tensor, torch.Tensor]:
        images, labels = raise_failed(batch)
        images = images.to(self.device, non_blocking=True)
        labels = labels.to(self.device, non_blocking=True)
        return normalize(images, self._mean, self._std), labels

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next training batch, standardised, on the device; a new epoch when one ends."""
        batch = next(self._batches, None)
        if batch is None:
            self._batches = iter(self._loader)
            batch = next(self._batches)
        return self._to_device(batch)

    def train_loss(self, model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]):
        """Smoothed cross entropy plus the L2 penalty."""
        inputs, labels = batch
        return classification_loss(model, inputs, labels, self.task.l2, self.task.label_smoothing)

    def evaluate(self, model: nn.Module, split: str) -> tuple[float, float]:
        """``(mean cross entropy, top-1 error)`` on the whole of ``split``, in eval mode."""
        images = self.splits[split]
        task = self.task
        if task.eval_limit is not None and task.eval_limit < len(images.paths):
            spread = np.linspace(0, len(images.paths) - 1, task.eval_limit).round().astype(int)
            keep = np.zeros(len(images.paths), bool)
            keep[spread] = True
            images = _subset(images, keep)
        dataset = ImageFolderDataset(images, False, task.image_size, task.resize_size)
        order = SeededOrder(len(images.paths), None, shuffle=False)
        loader = self._make_loader(dataset, order, task.eval_batch_size, drop_last=False)
        return evaluate_classifier(model, map(self._to_device, loader))
