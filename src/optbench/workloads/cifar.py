"""CIFAR-10 / CIFAR-100 classification: fixed splits, batch augmentation on the trial's
device, per-channel standardisation, label smoothing and L2 as task parameters.

Splits: the official 10 000 test images test; the *last* ``validation`` (5 000) images of
the official training set (the second half of CIFAR-10's ``data_batch_5``) validate; the
first 45 000 train. The images stay uint8 on the device; each training batch is drawn without
replacement (reshuffled each epoch, the last incomplete batch dropped), padded by 4, randomly
cropped to 32 and flipped (:mod:`optbench.data.augment`), then standardised per channel by the
training split's mean and standard deviation. Evaluation standardises without augmenting.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import nn

from optbench.data import holdout, load_cifar
from optbench.data.augment import crop_flip, draw_crop_flip, normalize
from optbench.data.cifar import LAYOUTS
from optbench.errors import InvalidParameterError
from optbench.workloads.losses import check_regularization, classification_loss, evaluate_classifier


@dataclass(frozen=True)
class CifarClassification:
    """Classify CIFAR-10 or CIFAR-100 (``dataset``); see the module for splits and batches.

    ``augment`` turns pad-4 / crop-32 / flip on for training batches; ``l2`` and
    ``label_smoothing`` regularise the training loss (:mod:`optbench.workloads.losses`)."""

    dataset: str = "cifar10"
    validation: int = 5000
    augment: bool = True
    eval_batch_size: int = 500
    l2: float = 0.0
    label_smoothing: float = 0.0

    def __post_init__(self) -> None:
        if self.dataset not in LAYOUTS:
            raise InvalidParameterError("dataset", self.dataset, f"one of {sorted(LAYOUTS)}")
        check_regularization(self.l2, self.label_smoothing)

    def problem(
        self, batch_size: int, seed: int, device: torch.device, data_path: str | None = None
    ) -> CifarProblem:
        """This task's data on ``device``, with data order and augmentation drawn from
        ``seed``."""
        splits = _prepare(self.dataset, self.validation, data_path, str(device))
        return CifarProblem(self, splits, batch_size, seed)


@functools.lru_cache(maxsize=2)
def _prepare(dataset: str, validation: int, data_path: str | None, device: str) -> dict:
    """The three splits as uint8 tensors on ``device`` and the training split's per-channel
    mean and standard deviation (of pixels scaled to [0, 1]), cached per process."""
    data = load_cifar(dataset, data_path)
    train_x, train_y, val_x, val_y = holdout(
        data.train_images, data.train_labels, validation, last=True
    )
    pixels = torch.from_numpy(train_x).double().div_(255)
    mean = pixels.mean(dim=(0, 2, 3)).float()
    std = pixels.std(dim=(0, 2, 3)).float()

    def tensors(x, y) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.from_numpy(x.copy()).to(device), torch.from_numpy(y.copy()).to(device)

    return {
        "train": tensors(train_x, train_y),
        "validation": tensors(val_x, val_y),
        "test": tensors(data.test_images, data.test_labels),
        "mean": mean.to(device),
        "std": std.to(device),
    }


class CifarProblem:
    """One trial's view of CIFAR: augmented, standardised training batches and evaluation."""

    def __init__(self, task: CifarClassification, splits: dict, batch_size: int, seed: int):
        self.task, self.splits = task, splits
        train_x, train_y = splits["train"]
        if not 0 < batch_size <= len(train_y):
            raise InvalidParameterError(
                "batch_size", batch_size, f"at most the {len(train_y)} training examples"
            )
        self.batch_size = batch_size
        self.info = {
            "input_shape": tuple(train_x.shape[1:]),
            "num_classes": LAYOUTS[task.dataset].classes,
        }
        self._generator = torch.Generator().manual_seed(seed)
        self._order = torch.empty(0, dtype=torch.long)
        self._position = 0

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next training batch: (float32 (B, 3, 32, 32) standardised, int64 labels)."""
        train_x, train_y = self.splits["train"]
        if self._position + self.batch_size > len(self._order):
            self._order = torch.randperm(len(train_y), generator=self._generator)
            self._position = 0
        index = self._order[self._position : self._position + self.batch_size]
        self._position += self.batch_size
        index = index.to(train_y.device, non_blocking=True)
        images = train_x.index_select(0, index)
        if self.task.augment:
            images = crop_flip(images, draw_crop_flip(len(index), 4, self._generator), pad=4)
        images = normalize(images, self.splits["mean"], self.splits["std"])
        return images, train_y.index_select(0, index)

    def train_loss(self, model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]):
        """Smoothed cross entropy plus the L2 penalty."""
        inputs, labels = batch
        return classification_loss(model, inputs, labels, self.task.l2, self.task.label_smoothing)

    def evaluate(self, model: nn.Module, split: str) -> tuple[float, float]:
        """``(mean cross entropy, error rate)`` on the whole of ``split``, in eval mode."""
        images, labels = self.splits[split]
        size = self.task.eval_batch_size
        batches = (
            (
                normalize(images[i : i + size], self.splits["mean"], self.splits["std"]),
                labels[i : i + size],
            )
            for i in range(0, len(labels), size)
        )
        return evaluate_classifier(model, batches)
