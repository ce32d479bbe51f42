"""The six optimizers of Table 1 as ``torch.optim.Optimizer`` classes.

Each class checks its hyperparameters, keeps its state in ``self.state[p]`` and calls its rule in
``optbench.optimizers.functional`` (the math is in those docstrings), or its fused path: torch's
fused kernel driven to compute the same rule (``optbench.optimizers.fused``) for SGD, Momentum,
Nesterov and Adam, a kernel compiled by TorchInductor (``optbench.optimizers.compiled``) for
RMSProp and NAdam. Learning rates may be changed between steps through ``param_group["lr"]``;
schedules do exactly that.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from torch import Tensor

from optbench.optimizers import compiled, functional, fused
from optbench.optimizers.base import DECAY, EPSILON, LEARNING_RATE, Bounds, TableOneOptimizer


class SGD(TableOneOptimizer):
    """SGD(eta): theta <- theta - eta_t g. See ``functional.sgd``."""

    bounds = {"lr": LEARNING_RATE}

    def __init__(self, params: Iterable, lr: float, *, fused: bool | None = None) -> None:
        super().__init__(params, {"lr": lr}, fused)

    def _update(self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor]) -> None:
        rule = fused.sgd if group["fused"] else functional.sgd
        rule(params, grads, lr=group["lr"])


class Momentum(TableOneOptimizer):
    """MOMENTUM(eta, gamma): v <- gamma v + g; theta <- theta - eta_t v. See
    ``functional.momentum``. ``momentum`` (gamma) is required, as in TensorFlow 1."""

    bounds = {"lr": LEARNING_RATE, "momentum": DECAY}
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


class CompiledFusedPath:
    """The fused path of RMSProp and NAdam: a kernel compiled by ``compiled``, chosen by
    ``fused=None`` where ``compiled.chosen_by_default`` says it is faster (large CPU groups)."""

    fused_rule: ClassVar[Callable[..., None]]

    def _fused_by_default(self, params: list[Tensor]) -> bool:
        return compiled.chosen_by_default(params)

    def _fused_unavailable(self, params: list[Tensor]) -> str | None:
        return compiled.unavailable_reason(self.fused_rule, params)


class RMSProp(CompiledFusedPath, TableOneOptimizer):
    """RMSPROP(eta, gamma, rho, epsilon) with v_0 = 1, epsilon inside the root and eta inside the
    accumulator. See ``functional.rmsprop``. Defaults are TensorFlow 1's: rho = 0.9,
    momentum = 0, eps = 1e-10. ``rho = 1`` is allowed (v stays 1: the map from MOMENTUM)."""

    bounds = {"lr": LEARNING_RATE, "momentum": DECAY, "rho": Bounds(0.0, 1.0), "eps": EPSILON}
    fused_rule = staticmethod(compiled.rmsprop)

    def __init__(
        self,
        params: Iterable,
        lr: float,
        momentum: float = 0.0,
        rho: float = 0.9,
        eps: float = 1e-10,
        *,
        fused: bool | None = None,
    ) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "rho": rho, "eps": eps}, fused)

    def _update(self, group: dict[str, Any], params: list[Tensor], grads: list[Tensor]) -> None:
        rule = self.fused_rule if group["fused"] else functional.rmsprop
        rule(
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
    foreach_rule = staticmethod(functional.adam)
    fused_rule = staticmethod(fused.adam)

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
        rule = self.fused_rule if group["fused"] else self.foreach_rule
        rule(params, grads, first, second, steps, **hyper)


class NAdam(CompiledFusedPath, Adam):
    """NADAM(alpha, beta1, beta2, epsilon): ADAM with the numerator beta1 m + (1 - beta1) g and
    no momentum-decay schedule. See ``functional.nadam``."""

    foreach_rule = staticmethod(functional.nadam)
    fused_rule = staticmethod(compiled.nadam)
