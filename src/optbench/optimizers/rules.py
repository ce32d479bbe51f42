"""The six optimizers of Table 1 as ``torch.optim.Optimizer`` classes.

Each class checks its hyperparameters, keeps its state in ``self.state[p]`` and calls its rule in
``optbench.optimizers.functional`` (the math is in those docstrings), or the fused kernel that
computes the same rule (``optbench.optimizers.fused``). Learning rates may be changed between
steps through ``param_group["lr"]``; schedules do exactly that.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from torch import Tensor

from optbench.optimizers import functional, fused
from optbench.optimizers.base import DECAY, EPSILON, LEARNING_RATE, Bounds, TableOneOptimizer


class SGD(TableOneOptimizer):
    """SGD(eta): theta <- theta - eta_t g. See ``functional.sgd``."""

    bounds = {"lr": LEARNING_RATE}
    has_fused_kernel = True

    def __init__(self, params: Iterable, lr: float, *, fused: bool | None = None) -> None:
        super().__init__(params, {"lr": lr}, fused)

    def _update(self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor]) -> None:
        rule = fused.sgd if group["fused"] else functional.sgd
        rule(params, grads, lr=group["lr"])


class Momentum(TableOneOptimizer):
    """MOMENTUM(eta, gamma): v <- gamma v + g; theta <- theta - eta_t v. See
    ``functional.momentum``. ``momentum`` (gamma) is required, as in TensorFlow 1."""

    bounds = {"lr": LEARNING_RATE, "momentum": DECAY}
    has_fused_kernel = True
    nesterov = False

    def __init__(
        self, params: Iterable, lr: float, momentum: float, *, fused: bool | None = None
    ) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum}, fused)

    def _update(self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor]) -> None:
        velocities = self._buffers(params, "velocity")
        hyper = {"lr": group["lr"], "momentum": group["momentum"]}
        if group["fused"] and group["momentum"] > 0:  # torch's kernel wants no buffer at 0
            fused.heavy_ball(params, grads, velocities, nesterov=self.nesterov, **hyper)
        else:
            rule = functional.nesterov if self.nesterov else functional.momentum
            rule(params, grads, velocities, **hyper)


class Nesterov(Momentum):
    """NESTEROV(eta, gamma): v <- gamma v + g; theta <- theta - eta_t (gamma v + g). See
    ``functional.nesterov``. ``momentum`` (gamma) is required, as in TensorFlow 1."""

    nesterov = True


class RMSProp(TableOneOptimizer):
    """RMSPROP(eta, gamma, rho, epsilon) with v_0 = 1, epsilon inside the root and eta inside the
    accumulator. See ``functional.rmsprop``. Defaults are TensorFlow 1's: rho = 0.9,
    momentum = 0, eps = 1e-10. ``rho = 1`` is allowed (v stays 1: the map from MOMENTUM)."""

    bounds = {"lr": LEARNING_RATE, "momentum": DECAY, "rho": Bounds(0.0, 1.0), "eps": EPSILON}

    def __init__(
        self,
        params: Iterable,
        lr: float,
        momentum: float = 0.0,
        rho: float = 0.9,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "rho": rho, "eps": eps}, False)

    def _update(self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor]) -> None:
        functional.rmsprop(
            params,
            grads,
            self._buffers(params, "mean_square", initial=1.0),
            self._buffers(params, "moment"),
            lr=group["lr"],
            momentum=group["momentum"],
            rho=group["rho"],
            eps=group["eps"],
        )


class Adam(TableOneOptimizer):
    """ADAM(alpha, beta1, beta2, epsilon) with epsilon on the uncorrected root. See
    ``functional.adam``. Defaults: beta1 = 0.9, beta2 = 0.999, eps = 1e-8."""

    bounds = {"lr": LEARNING_RATE, "beta1": DECAY, "beta2": DECAY, "eps": EPSILON}
    has_fused_kernel = True
    nesterov = False

    def __init__(
        self,
        params: Iterable,
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        *,
        fused: bool | None = None,
    ) -> None:
        super().__init__(params, {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps}, fused)

    def _update(self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor]) -> None:
        first, second = self._buffers(params, "m"), self._buffers(params, "v")
        steps = self._advance_steps(params)
        hyper = {key: group[key] for key in ("lr", "beta1", "beta2", "eps")}
        if group["fused"]:
            fused.adam(params, grads, first, second, steps, **hyper)
        else:
            rule = functional.nadam if self.nesterov else functional.adam
            rule(params, grads, first, second, steps, **hyper)


class NAdam(Adam):
    """NADAM(alpha, beta1, beta2, epsilon): ADAM with the numerator beta1 m + (1 - beta1) g and
    no momentum-decay schedule. See ``functional.nadam``. No fused kernel computes it."""

    has_fused_kernel = False
    nesterov = True
