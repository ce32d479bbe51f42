"""Shared plumbing of the six Table-1 optimizers: hyperparameter checks, state, gradient checks.

Each optimizer is a thin ``torch.optim.Optimizer`` over one function of
``optbench.optimizers.functional``; this module holds what they have in common.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import Tensor

from optbench.errors import InvalidParameterError

FUSED_DEVICE_TYPES = ("cpu", "cuda")


@dataclass(frozen=True)
class Bounds:
    """The valid range of one hyperparameter: ``low <= x <= high``, with open ends as flagged."""

    low: float
    high: float = math.inf
    open_high: bool = False

    def check(self, name: str, value: Any) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidParameterError(name, value, f"a real number in {self}")
        too_high = value >= self.high if self.open_high else value > self.high
        if math.isnan(value) or value < self.low or too_high or math.isinf(value):
            raise InvalidParameterError(name, value, f"a finite number in {self}")

    def __str__(self) -> str:
        closing = ")" if self.open_high or math.isinf(self.high) else "]"
        return f"[{self.low:g}, {self.high:g}{closing}"


LEARNING_RATE = Bounds(0.0)
DECAY = Bounds(0.0, 1.0, open_high=True)  # momentum, beta1, beta2: 1 would stop the update
EPSILON = Bounds(0.0)


class TableOneOptimizer(torch.optim.Optimizer):
    """Base class: checks hyperparameters of every param group and hands the dense gradients of
    each group to ``_update``.

    Subclasses declare ``bounds`` (hyperparameter name -> valid range) and implement
    ``_update(group, params, grads)``. Every one of the six has a fused path; each param group's
    ``fused`` is resolved to True or False when the group is added (see ``_resolve_fused`` and
    docs/optimizers.md).
    """

    bounds: ClassVar[dict[str, Bounds]]

    def __init__(self, params: Iterable, defaults: dict[str, float], fused: bool | None) -> None:
        if fused is not None and not isinstance(fused, bool):
            raise InvalidParameterError("fused", fused, "True, False or None (automatic)")
        super().__init__(params, {**defaults, "fused": fused})

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for name, bounds in self.bounds.items():
            bounds.check(name, group[name])
        group["fused"] = self._resolve_fused(group["fused"], group["params"])

    def _resolve_fused(self, fused: bool | None, params: list[Tensor]) -> bool:
        """Whether the group of ``params`` takes the fused path: ``fused=None`` takes it where
        ``_fused_by_default`` says so and it is available; ``fused=True`` raises where it is not."""
        if fused is False:
            return False
        if fused is None and not self._fused_by_default(params):
            return False
        reason = self._fused_unavailable(params)
        if reason is None:
            return True
        if fused:
            raise InvalidParameterError("fused", fused, f"False or None: {reason}")
        return False

    def _fused_by_default(self, params: list[Tensor]) -> bool:
        """Whether ``fused=None`` takes the fused path for ``params`` where it is available."""
        return True

    def _fused_unavailable(self, params: list[Tensor]) -> str | None:
        """Why the fused path cannot update ``params``, or None when it can."""
        if all(p.device.type in FUSED_DEVICE_TYPES and torch.is_floating_point(p) for p in params):
            return None
        return "fused kernels need float tensors on CPU or CUDA"

    @torch.no_grad()
    def step(self, closure=None):  # noqa: ANN001, ANN201 (torch.optim's signature)
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for index, group in enumerate(self.param_groups):
            params = [p for p in group["params"] if p.grad is not None]
            for p in params:
                if p.grad.is_sparse:
                    raise RuntimeError(
                        f"{type(self).__name__} does not support sparse gradients: a parameter "
                        f"of shape {tuple(p.shape)} in param group {index} has one; use dense "
                        "gradients (e.g. torch.nn.Embedding(sparse=False))"
                    )
            if params:
                self._update(group, params, [p.grad for p in params])
        return loss

    def _buffers(self, params: list[Tensor], name: str, initial: float = 0.0) -> list[Tensor]:
        """The state buffer ``name`` of each parameter, created filled with ``initial``."""
        buffers = []
        for p in params:
            state = self.state[p]
            if name not in state:
                state[name] = torch.full_like(p, initial, memory_format=torch.preserve_format)
            buffers.append(state[name])
        return buffers

    def _advance_steps(self, params: list[Tensor]) -> list[int]:
        """Each parameter's 0-based step t for this update; counts the update in the state."""
        steps = []
        for p in params:
            state = self.state[p]
            steps.append(state.get("step", 0))
            state["step"] = steps[-1] + 1
        return steps
