"""The numerical check of a declared inclusion, as the built-in maps are tested: the special
optimizer and the general one at the mapped setting train the same small model
(:mod:`optbench.optimizers.probe`) from the same start, at a constant learning rate.

- an exact map holds when the two trajectories agree to :data:`EXACT_TOLERANCE` of how far
  the parameters move;
- a map with a limit (``eps -> inf``) holds when the gap shrinks as the limit is approached,
  at each value of :data:`LIMIT_VALUES` (at least ten times from the first to the last) and
  ends below :data:`LIMIT_TOLERANCE` of the movement, or is already at rounding level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optbench.errors import InvalidParameterError
from optbench.optimizers.arguments import constructor_values
from optbench.optimizers.declared_inclusions import STEP, DeclaredInclusion
from optbench.optimizers.probe import STEPS, gap, movement, trajectory
from optbench.optimizers.registry import create

EXACT_TOLERANCE = 1e-9
LIMIT_TOLERANCE = 1e-2
LIMIT_VALUES = (1e2, 1e4, 1e6)


@dataclass(frozen=True)
class InclusionResult:
    """The check of one declared inclusion: the gap at each limit value (one gap for an
    exact map) and the special run's movement."""

    inclusion: DeclaredInclusion
    holds: bool
    gaps: tuple[float, ...]
    movement: float

    def describe(self) -> str:
        i = self.inclusion
        shown = ", ".join(f"{g:.3g}" for g in self.gaps)
        if i.exact:
            how = f"the trajectories differ by {shown} (movement {self.movement:.3g})"
        else:
            limits = ", ".join(f"{v:g}" for v in LIMIT_VALUES)
            how = (f"the gap at {'/'.join(i.limits)} = {limits} is {shown} "
                   f"(movement {self.movement:.3g})")  # fmt: skip
        verdict = "holds" if self.holds else "does not hold"
        return f"{i.pair} ({i.note}): {verdict}: {how}"


def _general(inclusion: DeclaredInclusion, special: dict, limit: float, steps: int) -> np.ndarray:
    i = inclusion
    per_step = any(e.expression is not None and STEP in e.expression.names for e in i.entries)

    def values(step: int) -> dict:
        return constructor_values(
            i.general, i.general_arguments, i.general_setting(special, step, limit)
        )

    def before_step(step, optimizer) -> None:
        if per_step and step > 0:
            for group in optimizer.param_groups:
                group.update(values(step))

    return trajectory(lambda p: create(i.general, p, **values(0)), steps, before_step=before_step)


def _holds(inclusion: DeclaredInclusion, gaps: list[float], moved: float) -> bool:
    if not all(math.isfinite(g) for g in gaps) or not moved > 0:
        return False
    if gaps[-1] <= EXACT_TOLERANCE * moved:
        return True
    if inclusion.exact:
        return False
    shrinking = all(a > b for a, b in zip(gaps, gaps[1:], strict=False))
    return shrinking and gaps[-1] <= gaps[0] / 10 and gaps[-1] <= LIMIT_TOLERANCE * moved


def check_inclusion(inclusion: DeclaredInclusion, steps: int = STEPS) -> InclusionResult:
    """Train both optimizers and judge the map (module docstring). A map that cannot be
    built (a required hyperparameter of the general optimizer left out) is an error."""
    i = inclusion
    special = i.special_setting()
    kwargs = constructor_values(i.special, i.special_arguments, special)
    target = trajectory(lambda p: create(i.special, p, **kwargs), steps)
    gaps = []
    for limit in LIMIT_VALUES if i.limits else (math.inf,):
        try:
            gaps.append(gap(_general(i, special, limit, steps), target))
        except (ValueError, TypeError) as error:  # the general optimizer refused the setting
            raise InvalidParameterError(f"includes.{i.special}.map", i.note,
                                        f"a map that builds {i.general} ({error})") from None
    moved = movement(target)
    return InclusionResult(i, _holds(i, gaps, moved), tuple(gaps), moved)
