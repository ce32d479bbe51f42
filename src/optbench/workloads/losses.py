"""Losses, regularisation and evaluation shared by the classification tasks.

- Training loss: cross entropy with label smoothing ε (Szegedy et al. 2016): the target
  distribution is (1 - ε)·onehot(y) + ε/K over the K classes; ε = 0 is plain cross entropy.
- L2 regularisation, added to the training loss: (λ/2)·Σ_w ‖w‖² over every parameter of two
  or more dimensions (convolution kernels, linear weights, embeddings); biases and the scales
  and shifts of normalisation layers are not penalised. This is the penalty DeepOBS adds
  (``0.5 · l2_reg · Σ‖w‖²``); with plain SGD it equals weight decay λ, with adaptive rules it
  does not (Loshchilov & Hutter 2019), which is the point of tuning it per optimizer.
- Evaluation: mean cross entropy (no smoothing, no penalty) and error rate, in eval mode.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn
from torch.nn import functional as F

from optbench.errors import InvalidParameterError


def check_regularization(l2: float, label_smoothing: float) -> None:
    """Raise unless 0 <= l2 and 0 <= label_smoothing < 1."""
    if not 0 <= l2 < float("inf"):
        raise InvalidParameterError("l2", l2, "a non-negative coefficient")
    if not 0 <= label_smoothing < 1:
        raise InvalidParameterError("label_smoothing", label_smoothing, "a number in [0, 1)")


def l2_penalty(model: nn.Module, l2: float) -> torch.Tensor | float:
    """(l2 / 2)·Σ‖w‖² over the parameters of ``model`` with two or more dimensions."""
    if l2 == 0:
        return 0.0
    weights = [p for p in model.parameters() if p.ndim >= 2]
    return 0.5 * l2 * torch.stack([w.square().sum() for w in weights]).sum()


def classification_loss(
    model: nn.Module,
    inputs: torch.Tensor,
    labels: torch.Tensor,
    l2: float = 0.0,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """Mean smoothed cross entropy of ``model`` on the batch, plus the L2 penalty."""
    logits = model(inputs)
    loss = F.cross_entropy(logits.float(), labels, label_smoothing=label_smoothing)
    return loss + l2_penalty(model, l2)


@torch.inference_mode()
def evaluate_classifier(
    model: nn.Module, batches: Iterable[tuple[torch.Tensor, torch.Tensor]]
) -> tuple[float, float]:
    """``(mean cross entropy, error rate)`` of ``model`` over ``batches`` of (inputs, labels),
    per example, or per position for sequence models (logits (B, T, V), labels (B, T)), in
    eval mode (batch-norm running statistics, no dropout); the mode is restored after."""
    was_training = model.training
    model.eval()
    totals, count = torch.zeros(2, dtype=torch.float64), 0
    try:
        for inputs, labels in batches:
            logits, labels = model(inputs).float().flatten(0, -2), labels.flatten()
            loss = F.cross_entropy(logits, labels, reduction="sum")
            wrong = (logits.argmax(dim=-1) != labels).sum()
            totals = totals.to(labels.device) + torch.stack([loss.double(), wrong.double()])
            count += len(labels)
    finally:
        model.train(was_training)
    loss_sum, wrong_sum = totals.tolist()  # one device sync for the whole split
    return loss_sum / count, wrong_sum / count
