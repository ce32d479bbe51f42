"""Image classification on an IDX dataset: fixed splits, shuffled mini-batches, error rate."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from optbench.data import holdout, load_images
from optbench.errors import InvalidParameterError


@dataclass(frozen=True)
class ImageClassification:
    """Classify the images of IDX dataset ``dataset``; the first ``validation`` training
    examples are held out for validation, the official test set tests.

    Pixels are scaled to [0, 1] and standardised by the training split's mean and standard
    deviation (one scalar each). Metrics: cross entropy and error rate (1 - accuracy)."""

    dataset: str = "fashion_mnist"
    validation: int = 5000
    eval_batch_size: int = 256

    def problem(
        self, batch_size: int, seed: int, device: torch.device, data_path: str | None = None
    ) -> ClassificationProblem:
        """This task's data on ``device``, with a data order drawn from ``seed``."""
        splits = _prepare(self, data_path, str(device))
        return ClassificationProblem(splits, batch_size, seed, self.eval_batch_size)


@functools.lru_cache(maxsize=2)
def _prepare(task: ImageClassification, data_path: str | None, device: str) -> dict:
    """The three splits as standardised float tensors on ``device``, cached per process
    (trials only read them)."""
    images = load_images(task.dataset, data_path)
    train_x, train_y, val_x, val_y = holdout(
        images.train_images, images.train_labels, task.validation
    )
    pixels = torch.from_numpy(train_x.copy()).float().div_(255)
    mean, std = pixels.mean().item(), pixels.std().item()

    def tensors(x: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.from_numpy(x.copy()).to(device).float().div_(255)
        x = x.sub_(mean).div_(std).unsqueeze(1)  # (N, 1, H, W)
        return x, torch.from_numpy(y.astype(np.int64)).to(device)

    return {
        "train": tensors(train_x, train_y),
        "validation": tensors(val_x, val_y),
        "test": tensors(images.test_images, images.test_labels),
    }


class ClassificationProblem:
    """One trial's view of the data: mini-batches without replacement, reshuffled each epoch
    (the last incomplete batch of an epoch is dropped), and evaluation on a split."""

    def __init__(self, splits: dict, batch_size: int, seed: int, eval_batch_size: int) -> None:
        self.splits = splits
        train_x, train_y = splits["train"]
        if batch_size > len(train_y):
            raise InvalidParameterError(
                "batch_size", batch_size, f"at most the {len(train_y)} training examples"
            )
        self.batch_size = batch_size
        self.eval_batch_size = eval_batch_size
        self.info = {"input_shape": tuple(train_x.shape[1:]), "num_classes": int(train_y.max()) + 1}
        self._generator = torch.Generator().manual_seed(seed)
        self._order = torch.empty(0, dtype=torch.long)
        self._position = 0

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next training mini-batch ``(images, labels)``."""
        train_x, train_y = self.splits["train"]
        if self._position + self.batch_size > len(self._order):
            order = torch.randperm(len(train_y), generator=self._generator)
            self._order, self._position = order.to(train_y.device), 0
        index = self._order[self._position : self._position + self.batch_size]
        self._position += self.batch_size
        return train_x.index_select(0, index), train_y.index_select(0, index)

    def train_loss(self, model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]):
        """Mean cross entropy of ``model`` on ``batch``."""
        inputs, labels = batch
        return F.cross_entropy(model(inputs), labels)

    @torch.inference_mode()
    def evaluate(self, model: nn.Module, split: str) -> tuple[float, float]:
        """``(mean cross entropy, error rate)`` of ``model`` on the whole of ``split``."""
        inputs, labels = self.splits[split]
        was_training = model.training
        model.eval()
        loss_sum = torch.zeros((), device=labels.device)
        wrong = torch.zeros((), device=labels.device, dtype=torch.long)
        for start in range(0, len(labels), self.eval_batch_size):
            logits = model(inputs[start : start + self.eval_batch_size])
            target = labels[start : start + self.eval_batch_size]
            loss_sum += F.cross_entropy(logits.float(), target, reduction="sum")
            wrong += (logits.argmax(dim=1) != target).sum()
        model.train(was_training)
        return loss_sum.item() / len(labels), wrong.item() / len(labels)
