"""Learning-rate schedules: pure functions from a step to a multiplier of the base rate.

A schedule is built for a training budget of ``budget`` steps and called as
``schedule(step) -> float``; the learning rate at step ``t`` (0-based) is
``lr * schedule(t)``. Schedules are frozen dataclasses, so they compare, hash and pickle.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from optbench.errors import InvalidParameterError, check_int
from optbench.registry import Registry


def _check_budget(budget: int) -> None:
    check_int("budget", budget, 1)


#: The valid values of each schedule parameter: (low, high, whether low itself is excluded).
PARAMETER_RANGES: dict[str, tuple[float, float, bool]] = {
    "end_factor": (0.0, 1.0, False),
    "decay_fraction": (0.0, 1.0, True),
    "factor": (0.0, 1.0, True),
    "boundaries": (0.0, 1.0, True),
}


def _check_in(name: str, value: float) -> None:
    low, high, open_low = PARAMETER_RANGES[name]
    below = value <= low if open_low else value < low
    if not isinstance(value, (int, float)) or math.isnan(value) or below or value > high:
        bracket = "(" if open_low else "["
        raise InvalidParameterError(name, value, f"a number in {bracket}{low}, {high}]")


@dataclass(frozen=True)
class Constant:
    """multiplier(t) = 1."""

    budget: int

    def __post_init__(self) -> None:
        _check_budget(self.budget)

    def __call__(self, step: int) -> float:
        return 1.0


@dataclass(frozen=True)
class LinearDecay:
    """Linear decay to ``end_factor`` over the first ``decay_fraction * budget`` steps, then flat.

    With D = decay_fraction * budget and f = end_factor:
    multiplier(t) = 1 - (1 - f) * min(t, D) / D.
    This is the schedule of the full protocol of Choi et al. (2019).
    """

    budget: int
    end_factor: float
    decay_fraction: float

    def __post_init__(self) -> None:
        _check_budget(self.budget)
        _check_in("end_factor", self.end_factor)
        _check_in("decay_fraction", self.decay_fraction)

    def __call__(self, step: int) -> float:
        decay_steps = self.decay_fraction * self.budget
        progress = min(step, decay_steps) / decay_steps
        return 1.0 - (1.0 - self.end_factor) * progress


@dataclass(frozen=True)
class StepDecay:
    """Multiply by ``factor`` at each boundary, given as fractions of the budget.

    multiplier(t) = factor ** #{b in boundaries : t >= b * budget}.
    """

    budget: int
    factor: float
    boundaries: tuple[float, ...]

    def __post_init__(self) -> None:
        _check_budget(self.budget)
        _check_in("factor", self.factor)
        object.__setattr__(self, "boundaries", tuple(self.boundaries))
        for boundary in self.boundaries:
            _check_in("boundaries", boundary)
        if list(self.boundaries) != sorted(self.boundaries):
            raise InvalidParameterError("boundaries", self.boundaries, "increasing fractions")

    def __call__(self, step: int) -> float:
        passed = sum(step >= b * self.budget for b in self.boundaries)
        return self.factor**passed


@dataclass(frozen=True)
class Cosine:
    """Cosine decay from 1 to ``end_factor`` over the budget.

    multiplier(t) = f + (1 - f) * (1 + cos(pi * min(t, T) / T)) / 2, T = budget, f = end_factor.
    """

    budget: int
    end_factor: float = 0.0

    def __post_init__(self) -> None:
        _check_budget(self.budget)
        _check_in("end_factor", self.end_factor)

    def __call__(self, step: int) -> float:
        progress = min(step, self.budget) / self.budget
        return self.end_factor + (1.0 - self.end_factor) * 0.5 * (
            1.0 + math.cos(math.pi * progress)
        )


SCHEDULES: Registry[type] = Registry("schedule")
for _name, _schedule in [
    ("constant", Constant),
    ("linear_decay", LinearDecay),
    ("step_decay", StepDecay),
    ("cosine", Cosine),
]:
    SCHEDULES.register(_name, _schedule)
available = SCHEDULES.available


def build(name: str, budget: int, **params: float) -> Callable[[int], float]:
    """The schedule called ``name`` for ``budget`` steps, e.g.
    ``build("linear_decay", 10_000, end_factor=0.01, decay_fraction=0.9)``."""
    schedule = SCHEDULES.get(name)
    try:
        return schedule(budget=budget, **params)
    except TypeError as error:
        raise InvalidParameterError(
            "schedule parameters", params, f"the parameters of {name!r}: {error}"
        ) from None
