"""Reachability of a declared inclusion: can the general optimizer's space reach the settings its
map gives for the whole special space (:mod:`optbench.optimizers.declared_inclusions`)?

Each entry of the map asks something of the general space:

- a number: the space can take it;
- a limit (``eps -> inf``): the space reaches ``large_eps`` (as for the built-in maps, "far
  above the gradient scale"); the other entries are then judged with it at each end of the range
  it has from there on (``eps >= large_eps``);
- an expression: the space's range covers the expression's range over the special space,
  taken at the corners of the special space (every combination of the ends of each
  hyperparameter it reads: exact for expressions monotone in each), at a late step
  (:data:`LATE_STEP`, where bias factors such as ``1 - beta ** (step + 1)`` have reached 1).
  A learning rate the general space searches as ``lr_over_eps`` or ``lr_over_sqrt_eps`` is
  taken with eps at the limit's value, or over eps's range.

Hyperparameters the map leaves out are free, as in the built-in maps.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import product

from optbench.errors import InvalidParameterError
from optbench.tuning.reachability import (
    InclusionCheck,
    _lr_axis,
    _rate_range,
    _span,
    _Values,
    _values,
)
from optbench.tuning.spaces import SearchSpace

LATE_STEP = 10**6
Scenario = dict[str, float]


def _corners(space: SearchSpace, name: str) -> list[float]:
    """The values of ``name`` in the special space whose combinations bound an expression."""
    if name == "lr" and _lr_axis(space) != "lr":
        eps = _values(space, "eps")
        rate = _rate_range(space, (eps.low, eps.high), lambda lr, e: lr)
        return [rate.low, rate.high]
    values = _values(space, name)
    return sorted(values.points) if values.points is not None else [values.low, values.high]


def scenarios(inclusion, general: SearchSpace, large_eps: float) -> tuple[list[Scenario], list]:
    """The values of the map's limits to judge the other entries at (each end of the range
    from ``large_eps`` on), and the reasons a limit cannot be approached."""
    ends, reasons = {}, []
    for name in inclusion.limits:
        values = _values(general, name)
        if values.points is not None:
            reach = [p for p in values.points if p >= large_eps]
        else:
            reach = [max(values.low, large_eps), values.high] if values.high >= large_eps else []
        if not reach:
            reasons.append(f"{name} {values.text}, and the limit {name} -> inf needs "
                           f"{name} >= {large_eps:g}")  # fmt: skip
            continue
        ends[name] = (min(reach), max(reach))
    return [dict(zip(ends, combo, strict=True)) for combo in product(*ends.values())], reasons


def target(entry, special: SearchSpace, scenario: Scenario) -> tuple[float, float]:
    """The range of an expression entry over the special space in ``scenario``."""
    from optbench.optimizers.declared_inclusions import STEP

    names = sorted(entry.expression.names - set(scenario) - {STEP})
    values = [
        entry.expression({**dict(zip(names, combo, strict=True)), **scenario, STEP: LATE_STEP})
        for combo in product(*(_corners(special, name) for name in names))
    ]
    if not all(math.isfinite(v) for v in values):
        expected = f"an expression finite over {special.optimizer}'s space"
        raise InvalidParameterError(entry.name, entry.expression.text, expected)
    return min(values), max(values)


def eps_range(inclusion, general: SearchSpace, scenario: Scenario) -> tuple[float, float]:
    """The eps a derived learning-rate axis of the general space is taken at."""
    if "eps" in scenario:
        return scenario["eps"], scenario["eps"]
    fixed = next((e.value for e in inclusion.entries if e.name == "eps" and e.value is not None),
                 None)  # fmt: skip
    if fixed is not None:
        return fixed, fixed
    eps = _values(general, "eps")
    return eps.low, eps.high


def _reachable(inclusion, general: SearchSpace, name: str, scenario: Scenario) -> _Values:
    if name == "lr" and _lr_axis(general) != "lr":
        return _rate_range(general, eps_range(inclusion, general, scenario), lambda lr, e: lr)
    return _values(general, name)


def _problems(inclusion, special: SearchSpace, general: SearchSpace, large_eps) -> Iterator[str]:
    for entry in inclusion.entries:
        if entry.value is not None:
            values = _values(general, entry.name)
            if not values.reaches(entry.value):
                yield f"{entry.name} {values.text} (the map needs {entry.name} = {entry.value:g})"
    found, reasons = scenarios(inclusion, general, large_eps)
    yield from reasons
    for scenario in found or ([] if reasons else [{}]):
        at = ", ".join(f"{n} = {v:g}" for n, v in scenario.items())
        for entry in inclusion.entries:
            if entry.expression is None:
                continue
            low, high = target(entry, special, scenario)
            wanted = _span(low, high) if low < high else _Values(low, high, frozenset([low]),
                                                                 f"{low:g}")  # fmt: skip
            values = _reachable(inclusion, general, entry.name, scenario)
            if not values.covers(wanted):
                yield (f"{entry.name} {values.text}, not all of {entry.expression} over "
                       f"{inclusion.special_name}'s space, {wanted.range}"
                       + (f" (at {at})" if at else ""))  # fmt: skip


def check_declared(
    inclusion, special: SearchSpace, general: SearchSpace, large_eps: float = 1.0
) -> InclusionCheck:
    """The verdict on a declared inclusion for the two spaces (module docstring)."""
    try:
        reasons = tuple(dict.fromkeys(_problems(inclusion, special, general, large_eps)))
    except InvalidParameterError as error:
        reasons = (str(error),)
    how = inclusion.note + (f" (a limit, from {', '.join(inclusion.limits)} >= {large_eps:g})"
                            if inclusion.limits else "")  # fmt: skip
    return InclusionCheck(inclusion.special_name or inclusion.special,
                          inclusion.general_name or inclusion.general,
                          not reasons, how, reasons)  # fmt: skip
