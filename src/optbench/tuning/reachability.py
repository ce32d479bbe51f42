"""Inclusion reachability: can each general optimizer's space reach the region where it
imitates the special one (docs/method.md, section 3.3)?

For every pair ``special ⊆ general`` of :data:`optbench.optimizers.inclusions.INCLUSIONS` whose
two spaces are given, :func:`check_inclusions` says whether the general space contains the
imitating settings for the whole special space, and if not, why:

- SGD ⊆ MOMENTUM, NESTEROV: momentum must reach 0 and lr must cover SGD's lr (exact map).
- MOMENTUM ⊆ RMSPROP: rmsprop's momentum covers momentum's, and either rho reaches 1 with
  lr / sqrt(1 + eps) covering momentum's lr (exact map), or eps reaches ``large_eps`` with
  lr / sqrt(eps) over eps >= ``large_eps`` covering it (the limit: v is then negligible).
- MOMENTUM ⊆ ADAM, NESTEROV ⊆ NADAM: beta1 covers momentum, eps reaches ``large_eps``, and
  lr / eps over eps >= ``large_eps`` covers lr / (1 - momentum) over momentum's whole space.

``large_eps`` (default 1, a choice) stands for "far above the gradient scale": the gap to
the special optimizer shrinks like sqrt(v) / eps, and per-parameter gradients are far below 1
in the workloads we know. Compound ranges (lr / eps, ...) are taken as the interval between
their extremes, which is exact on range scales and generous on choices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from optbench.errors import InvalidParameterError, is_number
from optbench.tuning.spaces import DERIVED, EPS_FLOOR, SearchSpace, derived_lr

_TOL = 1e-9


@dataclass(frozen=True)
class InclusionCheck:
    """The verdict for ``special ⊆ general``: ``how`` the general space imitates the special
    one when ``reachable``, otherwise ``reasons`` it cannot."""

    special: str
    general: str
    reachable: bool
    how: str = ""
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.reachable:
            return f"{self.special} ⊆ {self.general}: reachable ({self.how})"
        return f"{self.general} cannot imitate {self.special}: " + "; ".join(self.reasons)


@dataclass(frozen=True)
class _Values:
    """What one hyperparameter of a space can take: [low, high], or only ``points``."""

    low: float
    high: float
    points: frozenset[float] | None
    range: str  # the values alone: "[0.001, 10]", "{0.9, 0.99}" or "0.9"
    verb: str = "spans"

    @property
    def text(self) -> str:
        """``is fixed at 0.9``, ``spans [0.001, 10]``, ``takes only {0.9, 0.99}``."""
        return f"{self.verb} {self.range}"

    def reaches(self, x: float) -> bool:
        if self.points is not None:
            return any(_close(x, p) for p in self.points)
        return _le(self.low, x) and _le(x, self.high)

    def covers(self, other: _Values) -> bool:
        if self.points is not None and other.points is None:
            return False
        if self.points is not None:
            return all(self.reaches(p) for p in other.points)
        return _le(self.low, other.low) and _le(other.high, self.high)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= _TOL * max(abs(a), abs(b), 1e-300)


def _le(a: float, b: float) -> bool:
    return a <= b or _close(a, b)


def _values(space: SearchSpace, name: str) -> _Values:
    from optbench.tuning.checks import optimizer_hyperparameters

    h = space.get(name)
    if h is None:  # not in the space: the optimizer's default
        default = optimizer_hyperparameters(space.optimizer, space.arguments).get(name)
        if not is_number(default):
            raise InvalidParameterError(name, None, f"{name!r} in the {space.optimizer} space")
        return _Values(
            default, default, frozenset([default]), f"{default:g}", "is fixed at its default"
        )
    low, high = h.bounds() or (float("nan"), float("nan"))
    if h.scale == "fixed":
        return _Values(low, high, frozenset([low]), f"{low:g}", "is fixed at")
    if h.scale == "choice":
        return _Values(low, high, frozenset(h.values), h.describe_range(), "takes only")
    return _Values(low, high, None, h.describe_range())


def _span(low: float, high: float) -> _Values:
    return _Values(low, high, None, f"[{low:.4g}, {high:.4g}]")


def _lr_axis(space: SearchSpace) -> str:
    """The searched learning-rate axis: ``lr``, or a derived one (:data:`DERIVED`)."""
    return next((name for name in DERIVED if space.get(name) is not None), "lr")


def _rate_range(space: SearchSpace, eps: tuple[float, float], f) -> _Values:
    """Extremes of ``f(lr, eps)`` over the space's lr and the eps interval ``eps``, for an
    ``f`` monotone in each argument. With a derived axis, lr = axis * max(eps, eps_floor) **
    power is monotone in eps on either side of the floor, so the floor is a corner too."""
    axis = _lr_axis(space)
    lr = _values(space, axis)
    if axis == "lr":
        corners = [f(a, e) for a in (lr.low, lr.high) for e in eps]
        return _span(min(corners), max(corners))
    floor = space.get(EPS_FLOOR)
    floor_value = 0.0 if floor is None else floor.value
    points = [*eps, *([floor_value] if eps[0] < floor_value < eps[1] else [])]
    corners = [f(derived_lr(axis, a, e, floor_value), e) for a in (lr.low, lr.high) for e in points]
    return _span(min(corners), max(corners))


def _sgd_in_heavy_ball(special: SearchSpace, general: SearchSpace) -> tuple[str, list[str]]:
    reasons = []
    momentum = _values(general, "momentum")
    if not momentum.reaches(0.0):
        reasons.append(f"momentum {momentum.text} (imitation needs momentum = 0)")
    lr, target = _values(general, "lr"), _values(special, "lr")
    if not lr.covers(target):
        reasons.append(
            f"its lr range {lr.range} does not cover {special.optimizer}'s lr range {target.range}"
        )
    return "momentum = 0 and the same lr (exact)", reasons


def _momentum_in_rmsprop(
    special: SearchSpace, general: SearchSpace, large_eps: float
) -> tuple[str, list[str]]:
    reasons, target = [], _values(special, "lr")
    gamma, special_gamma = _values(general, "momentum"), _values(special, "momentum")
    if not gamma.covers(special_gamma):
        reasons.append(
            f"momentum {gamma.text}, not all of {special.optimizer}'s {special_gamma.range}"
        )
    eps, rho = _values(general, "eps"), _values(general, "rho")
    routes = []
    if rho.reaches(1.0):
        rate = _rate_range(general, (eps.low, eps.high), lambda lr, e: lr / (1 + e) ** 0.5)
        how = "rho = 1 and lr = eta * sqrt(1 + eps) (exact with a constant schedule)"
        why = (
            f"with rho = 1, lr / sqrt(1 + eps) spans {rate.range}, not all of"
            f" {special.optimizer}'s lr range {target.range}"
        )
        routes.append((rate.covers(target), how, why))
    else:
        routes.append((False, "", f"rho {rho.text} (the exact map needs rho = 1)"))
    if eps.high >= large_eps:
        span = (max(eps.low, large_eps), eps.high)
        rate = _rate_range(general, span, lambda lr, e: lr / e**0.5)
        how = (
            f"eps >= {large_eps:g} and lr / sqrt(eps) = eta (a limit: the gap shrinks like v / eps)"
        )
        why = (
            f"over eps >= {large_eps:g}, lr / sqrt(eps) spans {rate.range}, not all of"
            f" {special.optimizer}'s lr range {target.range}"
        )
        routes.append((rate.covers(target), how, why))
    else:
        routes.append((False, "", f"eps {eps.text} (the limit needs eps >= {large_eps:g})"))
    for ok, how, _ in routes:
        if ok:
            return how, reasons
    return "", reasons + [why for _, _, why in routes]


def _heavy_ball_in_adam(
    special: SearchSpace, general: SearchSpace, large_eps: float
) -> tuple[str, list[str]]:
    reasons = []
    beta1, gamma = _values(general, "beta1"), _values(special, "momentum")
    if not beta1.covers(gamma):
        reasons.append(
            f"beta1 {beta1.text}, not all of {special.optimizer}'s momentum {gamma.range}"
        )
    eps = _values(general, "eps")
    if eps.high < large_eps:
        reasons.append(
            f"eps {eps.text}, and imitation needs eps >= {large_eps:g}"
            " (far above the gradient scale)"
        )
        return "", reasons
    lr = _values(special, "lr")
    target = _span(lr.low / (1 - gamma.low), lr.high / (1 - gamma.high))
    axis = _lr_axis(general)
    rate = _rate_range(general, (max(eps.low, large_eps), eps.high), lambda a, e: a / e)
    if not rate.covers(target):
        reasons.append(
            f"its {axis} over eps >= {large_eps:g} gives lr / eps in {rate.range}, which does not"
            f" cover {special.optimizer}'s lr / (1 - momentum) in {target.range}"
        )
    how = f"eps >= {large_eps:g}, beta1 = momentum, lr / eps = eta / (1 - beta1) (a limit)"
    return how, reasons


def check_inclusions(
    spaces: Iterable[SearchSpace] | Mapping[str, SearchSpace],
    *,
    large_eps: float = 1.0,
    declared: Sequence = (),
) -> list[InclusionCheck]:
    """A verdict for every inclusion pair whose two optimizers both have a space here: the
    paper's, then the ``declared`` ones (:mod:`optbench.tuning.declared_reachability`)."""
    from optbench.optimizers.inclusions import INCLUSIONS
    from optbench.tuning.declared_reachability import check_declared

    items = list(spaces.values() if isinstance(spaces, Mapping) else spaces)
    by_name: dict[str, SearchSpace] = {}
    for space in items:
        if space.optimizer in by_name:
            raise InvalidParameterError("spaces", space.optimizer, "one space per optimizer")
        by_name[space.optimizer] = space
    results = []
    for pair in INCLUSIONS:
        special, general = by_name.get(pair.special), by_name.get(pair.general)
        if special is None or general is None:
            continue
        if pair.special == "sgd":
            how, reasons = _sgd_in_heavy_ball(special, general)
        elif pair.general == "rmsprop":
            how, reasons = _momentum_in_rmsprop(special, general, large_eps)
        else:
            how, reasons = _heavy_ball_in_adam(special, general, large_eps)
        results.append(InclusionCheck(pair.special, pair.general, not reasons, how, tuple(reasons)))
    for inclusion in declared:
        special, general = by_name.get(inclusion.special), by_name.get(inclusion.general)
        if special is not None and general is not None:
            results.append(check_declared(inclusion, special, general, large_eps))
    return results
