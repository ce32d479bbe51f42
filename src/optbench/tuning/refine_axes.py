"""The refine rule along one hyperparameter: from the top points of an initial study to the
final range, with the reason for it (docs/protocols.md, "Two stages").

A range scale has its own coordinate t: log10 x on ``log``, log10(1 - x) on ``one_minus_log``,
x on ``linear``. The unit coordinate u of a point is linear in t (u = 0 at the initial ``low``,
u = 1 at ``high``, increasing with x on every scale), so the rule works on u and measures its
margins in decades of t (log scales) or in fractions of the initial range (linear):

1. [a, b]: the span of the top points' u;
2. [a - m, b + m], m = max(margin * (b - a), min_margin): the margin on each side;
3. cut to the initial range [0, 1], except past a bound that a top point lies within ``near``
   of: there the range reaches ``extend`` past the bound, and never beyond what the
   hyperparameter may take (its optimizer's or schedule's valid range and the scale's domain;
   a limit that is itself excluded, such as momentum < 1 on a linear axis, is approached halfway
   from the initial bound);
4. each end rounded outward to ``digits`` significant digits of x (of 1 - x on
   ``one_minus_log``, of the initial width's last digits on ``linear``), within the same limits.

A ``choice`` keeps the values its top points took (one value: fixed at it); a fixed value stays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optbench.tuning.scales import RANGE_SCALES, Hyperparameter

DECADE_SCALES = ("log", "one_minus_log")


@dataclass(frozen=True)
class Limits:
    """The values a hyperparameter may take: low <= x <= high, an end excluded when flagged."""

    low: float = -math.inf
    high: float = math.inf
    open_low: bool = False
    open_high: bool = False

    @classmethod
    def of(cls, optimizer: str, name: str, declared: tuple = ()) -> Limits:
        """The valid range of hyperparameter ``name`` of ``optimizer`` (``schedule.x`` for a
        schedule parameter, ``workload.x`` for the workload's own; a derived learning rate lies
        where ``lr`` does), with the bounds its space ``declared``; none where none is known."""
        from optbench import schedules
        from optbench.tuning.checks import optimizer_bounds
        from optbench.tuning.spaces import DERIVED

        if name.startswith("schedule."):
            found = schedules.PARAMETER_RANGES.get(name[len("schedule.") :])
            return cls() if found is None else cls(found[0], found[1], open_low=found[2])
        if name.startswith("workload."):  # rates and penalties: >= 0; dropout < 1, smoothing <= 1
            if name.endswith("dropout"):
                return cls(0.0, 1.0, open_high=True)
            return cls(0.0, 1.0) if name == "workload.label_smoothing" else cls(0.0)
        bounds = optimizer_bounds(optimizer, declared).get("lr" if name in DERIVED else name)
        if bounds is None:
            return cls()
        return cls(bounds.low, bounds.high, open_high=bounds.open_high)

    def within_scale(self, scale: str) -> Limits:
        """These limits and the scale's own domain: x > 0 on ``log``, 0 <= x < 1 on
        ``one_minus_log``."""
        if scale == "log":
            return Limits(max(self.low, 0.0), self.high, self.low <= 0 or self.open_low,
                          self.open_high)  # fmt: skip
        if scale == "one_minus_log":
            return Limits(max(self.low, 0.0), min(self.high, 1.0), self.open_low and self.low >= 0,
                          self.open_high or self.high >= 1)  # fmt: skip
        return self


@dataclass(frozen=True)
class Refined:
    """A hyperparameter of the final space and why its range is what it is."""

    hyperparameter: Hyperparameter
    reason: str


def short(x: float) -> str:
    """A number for a reason: 3 significant digits, of 1 - x for x in [0.9, 1) (0.99982)."""
    if 0.9 <= x < 1.0:
        return f"{x:.{2 - math.floor(math.log10(1.0 - x))}f}".rstrip("0")
    return f"{x:.3g}"


def describe_range(h: Hyperparameter | None) -> str:
    """``[low, high]`` in short numbers, ``{a, b}``, ``= value``, or ``default`` (None)."""
    if h is None:
        return "default"
    if h.scale in RANGE_SCALES:
        return f"[{short(h.low)}, {short(h.high)}]"
    return h.describe_range()


def decades(count: float) -> str:
    """``1 decade``, ``0.5 decades``."""
    return f"{count:.3g} decade" + ("" if f"{count:.3g}" == "1" else "s")


class Axis:
    """A range-scale hyperparameter of an initial space, with u <-> x beyond [0, 1]."""

    def __init__(self, h: Hyperparameter, limits: Limits) -> None:
        self.h, self.limits = h, limits.within_scale(h.scale)
        self.t_low, self.t_high = self.t(h.low), self.t(h.high)

    def t(self, x: float) -> float:
        """The scale's own coordinate of x (in the scale's domain)."""
        if self.h.scale == "log":
            return math.log10(x)
        return math.log10(1.0 - x) if self.h.scale == "one_minus_log" else x

    def x(self, u: float) -> float:
        """The value at unit coordinate u, also beyond [0, 1]."""
        t = self.t_low + u * (self.t_high - self.t_low)
        if self.h.scale == "log":
            return 10.0**t
        return 1.0 - 10.0**t if self.h.scale == "one_minus_log" else t

    def u(self, x: float) -> float:
        """The unit coordinate of x (increasing in x on every scale)."""
        return (self.t(x) - self.t_low) / (self.t_high - self.t_low)

    def per_unit(self) -> float:
        """Decades of t (log scales) or the width of x (linear) that one unit of u spans."""
        return abs(self.t_high - self.t_low)

    def units(self, decades_or_fraction: float) -> float:
        """u spanned by that many decades (log scales) or fractions of the initial range."""
        if self.h.scale in DECADE_SCALES:
            return decades_or_fraction / self.per_unit()
        return decades_or_fraction

    def measure(self, u: float) -> str:
        """``0.5 decades`` (of 1 - x on one_minus_log), or a width of x on linear."""
        if self.h.scale == "linear":
            return f"{u * self.per_unit():.3g}"
        of = " of 1 - x" if self.h.scale == "one_minus_log" else ""
        return f"{decades(u * self.per_unit())}{of}"


def round_to(value: float, digits: int, up: bool, step: float | None = None) -> float:
    """``value`` rounded up or down to ``digits`` significant digits (to a multiple of
    ``step`` when given), as the float its decimal text reads as."""
    if step is None:
        exponent = math.floor(math.log10(abs(value))) - digits + 1 if value else 0
    else:
        exponent = math.floor(math.log10(step))
    scaled = value / 10.0**exponent
    nearest = round(scaled)
    if abs(scaled - nearest) <= 1e-9 * max(1.0, abs(scaled)):
        count = nearest
    else:
        count = math.ceil(scaled) if up else math.floor(scaled)
    return float(f"{count}e{exponent}")


def _end(axis: Axis, u: float, upper: bool, extended: bool, digits: int) -> float:
    """The x at the final range's end u, rounded outward, within what it may take: the initial
    bound when not extended, the limits when extended (an excluded limit approached halfway)."""
    h, limits = axis.h, axis.limits
    x = axis.x(u)
    if h.scale == "one_minus_log":
        x = 1.0 - round_to(1.0 - x, digits, up=not upper)
    elif h.scale == "log":
        x = round_to(x, digits, up=upper)
    else:
        x = round_to(x, digits, up=upper, step=(h.high - h.low) / 10 ** (digits - 1))
    bound = h.high if upper else h.low
    if not extended:
        return min(x, bound) if upper else max(x, bound)
    limit, excluded = (
        (limits.high, limits.open_high) if upper else (limits.low, limits.open_low)
    )
    beyond = x >= limit if upper else x <= limit
    if excluded and beyond:
        return bound + (limit - bound) / 2
    if upper:
        return min(x, limit)
    return max(x, limit)


def refine_range(axis: Axis, top: np.ndarray, counted: str, rule) -> Refined:
    """The final range of a range-scale hyperparameter from its top points' u (module
    docstring); ``counted`` says which points they are ("top 7 of 32 points")."""
    h = axis.h
    a, b = float(top.min()), float(top.max())
    margin = max(rule.margin * (b - a), axis.units(_min_margin(h, rule)))
    extend = axis.units(rule.extend_decades if h.scale in DECADE_SCALES else rule.extend_linear)
    reason = [f"{counted} span [{short(axis.x(a))}, {short(axis.x(b))}]; margin "
              f"{axis.measure(margin)} each side"]  # fmt: skip
    ends = []
    for upper, edge, inside in ((False, a, a > rule.near), (True, b, b < 1 - rule.near)):
        side = "upper" if upper else "lower"
        bound = h.high if upper else h.low
        target = edge + margin if upper else edge - margin
        if inside:
            ends.append(_end(axis, min(target, 1.0) if upper else max(target, 0.0), upper,
                             False, rule.digits))  # fmt: skip
            if (target > 1.0) if upper else (target < 0.0):
                reason.append(f"cut at the initial {side} bound {short(bound)}")
            continue
        reach = max(target, 1.0 + extend) if upper else min(target, -extend)
        x = _end(axis, reach, upper, True, rule.digits)
        ends.append(x)
        wanted = f"extended {axis.measure(extend)} past it"
        if x == bound:
            most = "largest" if upper else "smallest"
            wanted = f"kept: {short(x)} is the {most} value {h.name} may take"
        elif (axis.u(x) < reach - 1e-9) if upper else (axis.u(x) > reach + 1e-9):
            wanted = f"extended as far as {h.name} may go, to {short(x)}"
        reason.append(f"a top point lies within {rule.near:g} of the initial {side} bound "
                      f"{short(bound)} (u = {edge:.3f}): {wanted}")  # fmt: skip
    low, high = ends
    return Refined(Hyperparameter(h.name, h.scale, low, high), "; ".join(reason))


def _min_margin(h: Hyperparameter, rule) -> float:
    return rule.min_margin_decades if h.scale in DECADE_SCALES else rule.min_margin_linear


def refine_choice(h: Hyperparameter, top: np.ndarray, counted: str) -> Refined:
    """The values of a choice that its top points took (unit coordinates ``top``), in the
    initial order; one value left is fixed at it."""
    n = len(h.values)
    taken = sorted({min(int(u * n), n - 1) for u in top})
    values = tuple(h.values[i] for i in taken)
    listed = ", ".join(_plain(v) for v in values)
    if len(values) == 1:
        return Refined(Hyperparameter(h.name, "fixed", value=values[0]),
                       f"{counted} all chose {listed}: fixed at it")  # fmt: skip
    if len(values) == n:
        return Refined(h, f"{counted} took every value: kept")
    return Refined(Hyperparameter(h.name, "choice", values=values),
                   f"{counted} took {{{listed}}} of {h.describe_range()}")  # fmt: skip


def _plain(value: object) -> str:
    return short(value) if isinstance(value, float) else str(value)
