"""Refine keeps the inclusions: a final space never cuts off what an inclusion needs when both
optimizers of the pair are in the comparison (docs/method.md, section 3.3).

For every pair ``special ⊆ general`` that the initial spaces keep reachable and the proposed
final spaces do not, the general optimizer's final space is widened as little as the
reachability check asks, against the special optimizer's *final* space (pairs whose special
optimizer is SGD come first, since Momentum and Nesterov are special in the others):

- SGD ⊆ Momentum, Nesterov: momentum reaches 0; lr covers SGD's lr.
- Momentum ⊆ RMSProp: momentum covers Momentum's; eps reaches ``large_eps`` and lr / sqrt(eps)
  over eps >= ``large_eps`` covers Momentum's lr (or, where the initial space took that route
  instead, rho reaches 1 and lr / sqrt(1 + eps) covers it).
- Momentum ⊆ Adam, Nesterov ⊆ NAdam: beta1 covers momentum; eps reaches ``large_eps``; lr / eps
  over eps >= ``large_eps`` covers lr / (1 - momentum) over Momentum's final space.

A rate such as lr / eps is proportional to the searched learning-rate axis (``lr``,
``lr_over_eps`` or ``lr_over_sqrt_eps``, with its ``eps_floor`` if any) at each eps, and monotone
in eps on either side of the floor, so its range [r_lo, r_hi] (from the eps ends and the floor)
covers a target [T_lo, T_hi] once the axis's ends are multiplied by T_lo / r_lo (when below 1)
and T_hi / r_hi (when above 1). Every widened end is rounded outward to ``digits`` significant
digits. Only range scales widen (a choice gains the one value a pair needs); what cannot be
widened stays broken and is reported.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from optbench.errors import InvalidParameterError
from optbench.tuning.reachability import InclusionCheck, check_inclusions
from optbench.tuning.refine_axes import describe_range, round_to
from optbench.tuning.scales import RANGE_SCALES, Hyperparameter
from optbench.tuning.spaces import DERIVED, EPS_FLOOR, SearchSpace, derived_lr


@dataclass(frozen=True)
class Kept:
    """What keeping the inclusions did: the final spaces, the reason added to each widened
    hyperparameter (optimizer -> name -> text), and the final verdicts."""

    spaces: dict[str, SearchSpace]
    widened: dict[str, dict[str, str]]
    checks: tuple[InclusionCheck, ...]


def _span(space: SearchSpace, name: str) -> tuple[float, float]:
    from optbench import optimizers

    h = space.get(name)
    if h is None:
        default = optimizers.hyperparameters(space.optimizer)[name]
        return default, default
    return h.bounds()


def _replace(space: SearchSpace, h: Hyperparameter) -> SearchSpace:
    hparams = tuple(h if old.name == h.name else old for old in space.hyperparameters)
    return dataclasses.replace(space, hyperparameters=hparams)


class _Widening:
    """One general space being widened, and the notes on what changed and why."""

    def __init__(self, space: SearchSpace, why: str, digits: int) -> None:
        self.space, self.why, self.digits = space, why, digits
        self.notes: dict[str, str] = {}

    def _set(self, h: Hyperparameter, old: Hyperparameter) -> None:
        if h != old:
            self.space = _replace(self.space, h)
            self.notes.setdefault(h.name, f"widened from {describe_range(old)} {self.why}")

    def _round(self, h: Hyperparameter, value: float, up: bool) -> float:
        if h.scale == "one_minus_log":
            return 1.0 - round_to(1.0 - value, self.digits, up=not up)
        return round_to(value, self.digits, up=up)

    def cover(self, name: str, low: float, high: float) -> None:
        """The range of ``name`` reaches down to ``low`` and up to ``high``."""
        h = self.space.get(name)
        if h is None or h.scale not in RANGE_SCALES:
            return
        new_low = min(h.low, self._round(h, low, up=False)) if low < h.low else h.low
        new_high = max(h.high, self._round(h, high, up=True)) if high > h.high else h.high
        if h.scale == "one_minus_log" and new_high >= 1.0:
            return
        self._set(Hyperparameter(name, h.scale, new_low, new_high), h)

    def reach(self, name: str, value: float) -> None:
        """``name`` can take ``value`` (a choice gains it)."""
        h = self.space.get(name)
        if h is not None and h.scale == "choice" and value not in h.values:
            self._set(Hyperparameter(name, "choice", values=(*h.values, value)), h)
        else:
            self.cover(name, value, value)

    def cover_rate(
        self, target: tuple[float, float], eps: tuple[float, float], rate: Callable
    ) -> None:
        """``rate(lr, eps)`` (linear in lr) over the learning-rate axis and ``eps`` in the
        interval ``eps`` covers ``target`` (module docstring)."""
        axis = next((n for n in DERIVED if self.space.get(n) is not None), "lr")
        low, high = _span(self.space, axis)
        floor = self.space.get(EPS_FLOOR)
        floor_value = 0.0 if floor is None else floor.value
        ends = [*eps, *([floor_value] if eps[0] < floor_value < eps[1] else [])]  # monotone
        per_unit = [  # the rate of axis value 1 at each eps end (and at the floor)
            rate(1.0 if axis == "lr" else derived_lr(axis, 1.0, e, floor_value), e) for e in ends
        ]
        r_low, r_high = low * min(per_unit), high * max(per_unit)
        self.cover(axis, low * min(1.0, target[0] / r_low), high * max(1.0, target[1] / r_high))


def _sgd_in_heavy_ball(special: SearchSpace, w: _Widening, large_eps: float) -> None:
    w.reach("momentum", 0.0)
    w.cover("lr", *_span(special, "lr"))


def _momentum_in_rmsprop(special: SearchSpace, w: _Widening, large_eps: float) -> None:
    w.cover("momentum", *_span(special, "momentum"))
    target = _span(special, "lr")
    if _span(w.space, "eps")[1] < large_eps and _span(w.space, "rho")[1] >= 1.0:
        w.cover_rate(target, _span(w.space, "eps"), lambda lr, e: lr / math.sqrt(1.0 + e))
        return
    w.reach("eps", large_eps)
    low, high = _span(w.space, "eps")
    w.cover_rate(target, (max(low, large_eps), high), lambda lr, e: lr / math.sqrt(e))


def _heavy_ball_in_adam(special: SearchSpace, w: _Widening, large_eps: float) -> None:
    gamma_low, gamma_high = _span(special, "momentum")
    w.cover("beta1", gamma_low, gamma_high)
    w.reach("eps", large_eps)
    lr_low, lr_high = _span(special, "lr")
    target = (lr_low / (1.0 - gamma_low), lr_high / (1.0 - gamma_high))
    low, high = _span(w.space, "eps")
    w.cover_rate(target, (max(low, large_eps), high), lambda lr, e: lr / e)


def _declared(inclusion, special: SearchSpace, w: _Widening, large_eps: float) -> None:
    """A declared map (:mod:`optbench.tuning.declared_reachability`): each number reached,
    each limit reaching ``large_eps``, each expression's range covered at the limit's ends."""
    from optbench.tuning.declared_reachability import eps_range, scenarios, target

    for entry in inclusion.entries:
        if entry.value is not None:
            w.reach(entry.name, entry.value)
        elif entry.limit:
            w.reach(entry.name, large_eps)
    found, _ = scenarios(inclusion, w.space, large_eps)
    for scenario in found or [{}]:
        for entry in inclusion.entries:
            if entry.expression is None:
                continue
            wanted = target(entry, special, scenario)
            if entry.name == "lr" and any(w.space.get(n) is not None for n in DERIVED):
                eps = eps_range(inclusion, w.space, scenario)
                w.cover_rate(wanted, eps, lambda lr, e: lr)
            else:
                w.cover(entry.name, *wanted)


def keep_inclusions(
    initial: dict[str, SearchSpace],
    final: dict[str, SearchSpace],
    *,
    large_eps: float = 1.0,
    digits: int = 2,
    declared: Sequence = (),
) -> Kept:
    """The final spaces widened until every inclusion the initial spaces keep reachable is
    reachable again (module docstring), the ``declared`` ones too (last)."""
    from optbench.optimizers.inclusions import INCLUSIONS

    kept_before = {(c.special, c.general) for c in check_inclusions(
        initial, large_eps=large_eps, declared=declared) if c.reachable}  # fmt: skip
    spaces = dict(final)
    widened: dict[str, dict[str, str]] = {}
    for pair in sorted(INCLUSIONS, key=lambda p: p.special != "sgd"):
        key = (pair.special, pair.general)
        if key not in kept_before:
            continue
        pair_spaces = [spaces[pair.special], spaces[pair.general]]
        if check_inclusions(pair_spaces, large_eps=large_eps)[0].reachable:
            continue
        why = f"so that {pair.general} can imitate {pair.special} ({pair.special} ⊆ {pair.general})"
        widening = _Widening(spaces[pair.general], why, digits)
        repair = (
            _sgd_in_heavy_ball
            if pair.special == "sgd"
            else _momentum_in_rmsprop
            if pair.general == "rmsprop"
            else _heavy_ball_in_adam
        )
        repair(spaces[pair.special], widening, large_eps)
        spaces[pair.general] = widening.space
        for name, note in widening.notes.items():
            widened.setdefault(pair.general, {})[name] = note
    for inclusion in declared:
        if inclusion.special not in spaces or inclusion.general not in spaces:
            continue
        pair_spaces = [spaces[inclusion.special], spaces[inclusion.general]]
        check = check_inclusions(pair_spaces, large_eps=large_eps, declared=[inclusion])[-1]
        if (check.special, check.general) not in kept_before or check.reachable:
            continue
        why = f"so that {check.general} can imitate {check.special} ({check.special} ⊆ "\
              f"{check.general}, as declared)"  # fmt: skip
        widening = _Widening(spaces[inclusion.general], why, digits)
        try:
            _declared(inclusion, spaces[inclusion.special], widening, large_eps)
        except InvalidParameterError:  # the map cannot be evaluated: stays broken, reported
            continue
        spaces[inclusion.general] = widening.space
        notes = widened.setdefault(inclusion.general, {})
        for name, note in widening.notes.items():  # a general space widened for several
            notes[name] = f"{notes[name]}; {note}" if name in notes else note
    checks = tuple(check_inclusions(spaces, large_eps=large_eps, declared=declared))
    return Kept(spaces, widened, checks)
