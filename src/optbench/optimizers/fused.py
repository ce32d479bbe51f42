"""Torch's fused CPU/CUDA kernels, driven so that they compute Table-1 rules exactly.

- ``torch._fused_sgd_`` with ``dampening=0`` is MOMENTUM (``nesterov=False``) and NESTEROV
  (``nesterov=True``), and SGD with ``momentum=0``: the same algebra as ``functional``.
- ``torch._fused_adam_`` puts epsilon on the bias-corrected root,
  ``alpha / (1 - beta1^(t+1)) * m / (sqrt(v) / sqrt(1 - beta2^(t+1)) + eps')``. With
  ``eps' = epsilon / sqrt(1 - beta2^(t+1))`` this is exactly
  ``alpha * b * m / (sqrt(v) + epsilon)``, Table 1's ADAM, so each call passes that eps'.

No such driving exists for RMSPROP or NADAM, so their fused path is a kernel that
``compiled`` builds:

- ``torch._fused_adam_`` keeps one average m and steps along the same m it stores. NADAM steps
  along beta1 m_t + (1 - beta1) g = beta1^2 m_(t-1) + (1 - beta1^2) g but must store
  m_t = beta1 m_(t-1) + (1 - beta1) g: two different mixtures of the same two terms, where the
  kernel forms one. A second call for the (1 - beta1) g / (sqrt(v) + epsilon) part would update
  v again, and leaving v alone takes beta2 = 1, which zeroes the kernel's 1 - beta2^(t+1).
- RMSPROP puts epsilon inside the root and accumulates eta_t g / sqrt(v + epsilon) into m, with
  v_0 = 1. ``_fused_adam_`` adds its epsilon outside the root and averages raw gradients;
  ``_fused_adagrad_`` sums squares without decay, epsilon outside the root. ``_fused_sgd_``
  computes the last two lines (m <- gamma m + u, theta <- theta - m, with grads u and lr 1),
  but u = eta_t g / sqrt(v + epsilon) and the new v would still take separate passes.

tests/optimizers/test_reference.py and test_torch_equivalence.py check the fused paths in
float64.
"""

from __future__ import annotations

import math
from collections import defaultdict

import torch
from torch import Tensor

group_by_device_and_dtype = torch.optim.Optimizer._group_tensors_by_device_and_dtype


def indices_by_step(steps: list[int]) -> dict[int, list[int]]:
    """The positions of the parameters at each step t (normally all share one)."""
    by_step: dict[int, list[int]] = defaultdict(list)
    for index, step in enumerate(steps):
        by_step[step].append(index)
    return by_step


def sgd(params: list[Tensor], grads: list[Tensor], *, lr: float) -> None:
    """SGD(eta) through ``torch._fused_sgd_`` with no momentum buffer."""
    for (group_params, group_grads), _ in group_by_device_and_dtype([params, grads]).values():
        torch._fused_sgd_(
            group_params,
            group_grads,
            [],
            weight_decay=0.0,
            momentum=0.0,
            lr=lr,
            dampening=0.0,
            nesterov=False,
            maximize=False,
            is_first_step=False,
        )


def heavy_ball(
    params: list[Tensor],
    grads: list[Tensor],
    velocities: list[Tensor],
    *,
    lr: float,
    momentum: float,
    nesterov: bool,
) -> None:
    """MOMENTUM or NESTEROV through ``torch._fused_sgd_``; ``velocities`` start at zero, so
    ``gamma * v + g`` is right on the first step too and ``is_first_step`` stays False."""
    grouped = group_by_device_and_dtype([params, grads, velocities])
    for (group_params, group_grads, group_velocities), _ in grouped.values():
        torch._fused_sgd_(
            group_params,
            group_grads,
            group_velocities,
            weight_decay=0.0,
            momentum=momentum,
            lr=lr,
            dampening=0.0,
            nesterov=nesterov,
            maximize=False,
            is_first_step=False,
        )


def adam(
    params: list[Tensor],
    grads: list[Tensor],
    first_moments: list[Tensor],
    second_moments: list[Tensor],
    steps: list[int],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """ADAM through ``torch._fused_adam_`` with the per-step epsilon of the module docstring.

    Parameters are grouped by their step t (normally all share one), since eps' depends on t.
    """
    for step, indices in indices_by_step(steps).items():
        corrected_eps = eps / math.sqrt(1.0 - beta2 ** (step + 1))
        lists = [
            [tensors[i] for i in indices]
            for tensors in (params, grads, first_moments, second_moments)
        ]
        for (group_params, group_grads, group_m, group_v), _ in group_by_device_and_dtype(
            lists
        ).values():
            count = torch.tensor(float(step + 1), device=group_params[0].device)
            torch._fused_adam_(
                group_params,
                group_grads,
                group_m,
                group_v,
                [],
                [count] * len(group_params),
                lr=lr,
                beta1=beta1,
                beta2=beta2,
                weight_decay=0.0,
                eps=corrected_eps,
                amsgrad=False,
                maximize=False,
            )
