"""Checks a search space must pass: its hyperparameters belong to its optimizer and lie in
their domains, and its schedule hyperparameters build a valid schedule at every extreme.

An optimizer's domains are its class's ``bounds`` (the six declare all of theirs) and the
``bounds`` a space declares for the others (:func:`parse_bounds`)::

    bounds:
      beta1: {low: 0.0, high: 1.0, open_high: true}   # 0 <= beta1 < 1
      weight_decay: {low: 0.0}                        # weight_decay >= 0

Errors name the field the way the YAML spells it (``hyperparameters.beta1.high``), so that
:mod:`optbench.yamlio` can add the line.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from optbench import schedules
from optbench.errors import InvalidParameterError, is_number, unknown_name
from optbench.tuning.scales import RANGE_SCALES, Hyperparameter

if TYPE_CHECKING:
    from optbench.optimizers.arguments import Arguments
    from optbench.optimizers.base import Bounds

#: Declared domains: (hyperparameter, low, high, high excluded), sorted by name.
DeclaredBounds = tuple[tuple[str, float, float, bool], ...]
_BOUND_KEYS = ("low", "high", "open_high")


def parse_bounds(data: Any, parameter: str = "bounds") -> DeclaredBounds:
    """The ``bounds`` of a file: hyperparameter -> ``{low, high, open_high}`` (``low``
    required; ``high`` defaults to infinity, ``open_high`` to false)."""
    if not isinstance(data, Mapping):
        raise InvalidParameterError(parameter, data, "a mapping hyperparameter -> {low, high}")
    found = []
    for name, spec in data.items():
        where = f"{parameter}.{name}"
        if not isinstance(spec, Mapping) or "low" not in spec:
            raise InvalidParameterError(where, spec, "a mapping {low: L, high: H, open_high: "
                                        "true|false} (high and open_high optional)")  # fmt: skip
        for key in spec:
            if key not in _BOUND_KEYS:
                raise unknown_name(f"{where}.{key}", str(key), _BOUND_KEYS)
        low, high, open_high = spec["low"], spec.get("high", math.inf), spec.get("open_high", False)
        if not is_number(low) or not math.isfinite(low):
            raise InvalidParameterError(f"{where}.low", low, "a finite number")
        if not is_number(high) or math.isnan(high) or not high > low:
            raise InvalidParameterError(f"{where}.high", high, f"a number above low={low!r}")
        if not isinstance(open_high, bool):
            raise InvalidParameterError(f"{where}.open_high", open_high, "true or false")
        found.append((str(name), float(low), float(high), open_high))
    return tuple(sorted(found))


def bounds_data(bounds: DeclaredBounds) -> dict[str, dict[str, Any]]:
    """The plain-data form of declared ``bounds`` (what a file holds)."""
    return {
        name: {"low": low, **({} if math.isinf(high) else {"high": high}),
               **({"open_high": True} if open_high else {})}  # fmt: skip
        for name, low, high, open_high in bounds
    }


def optimizer_bounds(optimizer: str, declared: DeclaredBounds = ()) -> dict[str, Bounds]:
    """The domains of ``optimizer``'s hyperparameters: its class's, and ``declared`` ones."""
    from optbench import optimizers
    from optbench.optimizers.base import Bounds

    found = optimizers.bounds(optimizer)
    found.update({name: Bounds(low, high, o) for name, low, high, o in declared})
    return found


def optimizer_hyperparameters(optimizer: str, arguments: Arguments = ()) -> dict[str, Any]:
    """The hyperparameters of ``optimizer`` with their defaults, ``arguments`` applied."""
    from optbench import optimizers

    if not arguments:
        return optimizers.hyperparameters(optimizer)
    from optbench.optimizers.arguments import hyperparameters_with

    return hyperparameters_with(optimizer, arguments)


def _check_domain(field: str, hyperparameter: Hyperparameter, bounds: Bounds) -> None:
    """Every value the hyperparameter can take lies in ``bounds``, its optimizer's range;
    the error names the field that holds the value (``...beta2.high``)."""
    h = hyperparameter
    if h.scale in RANGE_SCALES:
        fields = [(f"{field}.low", h.low), (f"{field}.high", h.high)]
    elif h.scale == "choice":
        fields = [(f"{field}.values", v) for v in h.values]
    else:
        fields = [(field, h.value)]
    for where, value in fields:
        for v in value if isinstance(value, tuple) else (value,):
            try:
                bounds.check(h.name, v)
            except InvalidParameterError:
                expected = f"values of {h.name} in {bounds}"
                raise InvalidParameterError(where, v, expected) from None


def check_optimizer_hyperparameters(
    optimizer: str,
    hyperparameters: Sequence[Hyperparameter],
    derived: Mapping[str, float],
    arguments: Arguments = (),
    bounds: DeclaredBounds = (),
) -> None:
    """Every name is one of the optimizer's (or a derived learning rate), every required one
    is there, and values lie in their domain; the hyperparameters are those ``arguments``
    make of the constructor's, the domains the class's and the declared ``bounds``."""
    known = optimizer_hyperparameters(optimizer, arguments)  # imports torch: only here
    for name, *_ in bounds:
        if name not in known:
            known_names = unknown_name(f"bounds.{name}", name, known).expected
            raise InvalidParameterError(
                f"bounds.{name}", name, f"a hyperparameter of {optimizer}: {known_names}"
            )
    ranges = optimizer_bounds(optimizer, bounds)
    derived_of = dict.fromkeys(derived, "lr")  # a derived axis lies where lr does
    names = {h.name for h in hyperparameters}
    allowed = set(known) | ({*derived, "eps_floor"} if {"lr", "eps"} <= set(known) else set())
    for h in hyperparameters:
        field = f"hyperparameters.{h.name}"
        if h.name not in allowed:
            known_names = unknown_name(field, h.name, allowed).expected
            raise InvalidParameterError(
                field, h.name, f"a hyperparameter of {optimizer}: {known_names}"
            )
        bounds = ranges.get(derived_of.get(h.name, h.name))
        if bounds is not None:
            _check_domain(field, h, bounds)
    present_derived = sorted(names & set(derived))
    if len(present_derived) > 1 or (present_derived and "lr" in names):
        given = sorted(names & {"lr", *derived})
        raise InvalidParameterError(
            f"hyperparameters.{given[-1]}",
            given,
            "one learning-rate axis: lr, lr_over_eps or lr_over_sqrt_eps",
        )
    if present_derived and "eps" not in names:
        raise InvalidParameterError.required(
            "hyperparameters.eps", f"{present_derived[0]} (lr = {present_derived[0]} * eps...)"
        )
    floor = next((h for h in hyperparameters if h.name == "eps_floor"), None)
    if floor is not None and not present_derived:
        expected = "no eps_floor without lr_over_eps or lr_over_sqrt_eps (it floors their eps)"
        raise InvalidParameterError("hyperparameters.eps_floor", floor.to_data(), expected)
    if floor is not None and (floor.scale != "fixed" or not _positive(floor.value)):
        expected = "one fixed number > 0 (lr = axis * max(eps, eps_floor))"
        raise InvalidParameterError("hyperparameters.eps_floor", floor.to_data(), expected)
    if present_derived:
        eps = next(h for h in hyperparameters if h.name == "eps")
        if min(eps.bounds() or (0.0,)) <= 0:
            raise InvalidParameterError(
                "hyperparameters.eps",
                eps.extremes(),
                f"eps > 0 when searching {present_derived[0]}",
            )
    for name, default in known.items():
        if default is None and name not in names and not (name == "lr" and present_derived):
            raise InvalidParameterError.required(
                f"hyperparameters.{name}", f"optimizer {optimizer!r}"
            )


def _positive(value: object) -> bool:
    return is_number(value) and value > 0


def check_schedule(name: str, hyperparameters: Sequence[Hyperparameter]) -> None:
    """The names are the schedule's parameters, the required ones are there, and the schedule
    builds at every extreme value of each (the others at their first extreme)."""
    parameters = {
        f.name: f.default is dataclasses.MISSING
        for f in dataclasses.fields(schedules.SCHEDULES.get(name))
        if f.name != "budget"
    }
    given = {h.name: h for h in hyperparameters}
    for key in given:
        if key not in parameters:
            known_names = unknown_name(key, key, parameters).expected
            raise InvalidParameterError(
                f"schedule.hyperparameters.{key}", key, f"a parameter of {name}: {known_names}"
            )
    for key, required in parameters.items():
        if required and key not in given:
            raise InvalidParameterError.required(
                f"schedule.hyperparameters.{key}", f"schedule {name!r}"
            )
    base = {key: h.extremes()[0] for key, h in given.items()}
    for key, h in given.items():
        for value in h.extremes():
            try:
                schedules.build(name, 1000, **{**base, key: value})
            except (InvalidParameterError, TypeError) as error:
                expected = getattr(error, "expected", str(error))
                raise InvalidParameterError(
                    f"schedule.hyperparameters.{key}", value, expected
                ) from None
