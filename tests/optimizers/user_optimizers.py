"""Optimizers a user might write, loaded by the tests through their file path
(``.../user_optimizers.py:QHM``): QHM, which includes SGD and Momentum, and copies of it each
broken in one way the conformance check must name."""

from __future__ import annotations

import random

import torch


class QHM(torch.optim.Optimizer):
    """Quasi-hyperbolic momentum (Ma and Yarats, 2019): b = beta b + (1 - beta) g,
    w -= lr ((1 - nu) g + nu b). nu = 0 is SGD(lr); nu = 1 is Momentum(lr (1 - beta), beta)."""

    def __init__(self, params, lr=0.1, beta=0.9, nu=0.7):
        super().__init__(params, {"lr": lr, "beta": beta, "nu": nu})

    def _buffer(self, p):
        state = self.state[p]
        if "buffer" not in state:
            state["buffer"] = torch.zeros_like(p)
        return state["buffer"]

    def _lr(self, group):
        return group["lr"]

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                buffer = self._buffer(p)
                buffer.mul_(group["beta"]).add_(p.grad, alpha=1 - group["beta"])
                update = (1 - group["nu"]) * p.grad + group["nu"] * buffer
                p.add_(update, alpha=-self._lr(group))
        return loss


class ForgetsItsState(QHM):
    """Keeps its buffers outside ``self.state``: state_dict() loses them."""

    def __init__(self, params, lr=0.1, beta=0.9, nu=0.7):
        super().__init__(params, lr, beta, nu)
        self.buffers = {}

    def _buffer(self, p):
        return self.buffers.setdefault(p, torch.zeros_like(p))


class CachesItsLearningRate(QHM):
    """Reads the learning rate it was built with, not the param group's."""

    def __init__(self, params, lr=0.1, beta=0.9, nu=0.7):
        super().__init__(params, lr, beta, nu)
        self.fixed_lr = lr

    def _lr(self, group):
        return self.fixed_lr


class Float64State(QHM):
    """Keeps its buffer in float64 and writes the parameters back out of place: float32
    parameters become float64."""

    def _buffer(self, p):
        state = self.state[p]
        if "buffer" not in state:
            state["buffer"] = torch.zeros(p.shape, dtype=torch.float64)
        return state["buffer"]

    @torch.no_grad()
    def step(self, closure=None):
        loss = None if closure is None else closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    buffer = self._buffer(p)
                    buffer.mul_(group["beta"]).add_(p.grad, alpha=1 - group["beta"])
                    update = (1 - group["nu"]) * p.grad + group["nu"] * buffer
                    p.data = p.data - group["lr"] * update
        return loss


class KeepsGradientsUnlessNone(QHM):
    """zero_grad(set_to_none=False) leaves the gradients: they accumulate."""

    def zero_grad(self, set_to_none: bool = True) -> None:
        if set_to_none:
            super().zero_grad(set_to_none=True)


class IgnoresTheClosure(QHM):
    """step(closure) neither calls the closure nor says it cannot."""

    @torch.no_grad()
    def step(self, closure=None):
        return super().step(None)


class Unseeded(QHM):
    """Adds noise from Python's own generator, which torch.manual_seed does not seed."""

    @torch.no_grad()
    def step(self, closure=None):
        loss = super().step(closure)
        for group in self.param_groups:
            for p in group["params"]:
                p.add_(random.random() * 1e-3)
        return loss
