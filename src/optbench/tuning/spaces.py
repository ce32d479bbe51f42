"""Search spaces: one optimizer, the hyperparameters searched for it, and its schedule's.

A space is declarative data. It loads from and saves to YAML exactly, hashes to the same value
on any machine (any change gives another hash), and maps a point ``u`` of the unit cube to the
concrete hyperparameters of a trial::

    optimizer: adam
    hyperparameters:
      lr_over_eps: {scale: log, low: 0.001, high: 1000000.0}   # searched instead of lr
      eps: {scale: log, low: 1.0e-10, high: 1000.0}
      beta1: {scale: one_minus_log, low: 0.0, high: 0.999}
      beta2: 0.999                                              # fixed
    schedule:
      name: linear_decay
      hyperparameters:
        end_factor: {scale: log, low: 0.0001, high: 0.1}
        decay_fraction: {scale: linear, low: 0.5, high: 1.0}
    workload:                                                   # optional: the workload's own
      l2: {scale: log, low: 1.0e-5, high: 1.0e-3}               # regularisation, see
      label_smoothing: {scale: linear, low: 0.0, high: 0.2}     # WorkloadSpec.hyperparameters

An optimizer named by its import path (``torch.optim.AdamW``, ``./lion.py:Lion``) may declare how
its constructor's arguments are built from the searched numbers and the domains of its
hyperparameters, which the six declare in their classes::

    optimizer: torch.optim.AdamW
    arguments: {betas: [beta1, beta2]}                # betas=(beta1, beta2), searched apart
    bounds: {beta1: {low: 0.0, high: 1.0, open_high: true}}
    hyperparameters:
      beta1: {scale: one_minus_log, low: 0.0, high: 0.999}
      ...

(:mod:`optbench.optimizers.arguments`, :func:`optbench.tuning.checks.parse_bounds`); a decoded
point then holds the constructor's arguments (``betas``), and ``searched`` the numbers.

Derived parametrizations (docs/method.md, section 4): ``lr_over_eps`` gives
``lr = lr_over_eps * eps`` (Adam, NAdam), ``lr_over_sqrt_eps`` gives
``lr = lr_over_sqrt_eps * sqrt(eps)`` (RMSProp). A fixed ``eps_floor: f`` beside a derived axis
puts a floor under eps in that product only: ``lr = lr_over_eps * max(eps, f)``. Below the
gradient scale eps no longer changes the step, so without a floor a small eps makes lr tiny;
with f near the gradient scale, every eps gets the same range of useful steps.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from optbench import schedules, yamlio
from optbench.errors import InvalidParameterError, check_positive, unknown_name
from optbench.imports import is_import_path
from optbench.tuning.checks import (
    DeclaredBounds,
    bounds_data,
    check_optimizer_hyperparameters,
    check_schedule,
    parse_bounds,
)
from optbench.tuning.scales import Hyperparameter, Value

DERIVED = {"lr_over_eps": 1.0, "lr_over_sqrt_eps": 0.5}  # name -> power of eps in lr
LR_AXES = ("lr", *DERIVED)  # the axes a base learning rate scales
#: A fixed value that a derived axis may put under eps: lr = axis * max(eps, eps_floor) ** power.
EPS_FLOOR = "eps_floor"


def derived_lr(axis: str, value: float, eps: float, eps_floor: float = 0.0) -> float:
    """The learning rate a derived ``axis`` (:data:`DERIVED`) gives at ``value`` and ``eps``:
    ``value * max(eps, eps_floor) ** power``."""
    return value * max(eps, eps_floor) ** DERIVED[axis]
HASH_FORMAT = "optbench.space/1"


@dataclass(frozen=True)
class Point:
    """A decoded point: what a trial needs (``hyperparameters`` for ``optimizers.create``,
    ``schedule``/``schedule_params`` for ``schedules.build``, ``workload_params`` for
    ``WorkloadSpec.with_hyperparameters``), plus the searched values by dimension name and the
    unit-cube coordinates they came from."""

    optimizer: str
    hyperparameters: dict[str, Value]
    schedule: str
    schedule_params: dict[str, Value]
    searched: dict[str, Value] = field(default_factory=dict)
    unit: tuple[float, ...] = ()
    workload_params: dict[str, Value] = field(default_factory=dict)


def _sorted(hyperparameters: Any, field_name: str) -> tuple[Hyperparameter, ...]:
    items = tuple(hyperparameters)
    for item in items:
        if not isinstance(item, Hyperparameter):
            raise InvalidParameterError(field_name, item, "Hyperparameter objects")
    names = [h.name for h in items]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InvalidParameterError(f"{field_name}.{duplicates[0]}", duplicates[0], "one entry")
    return tuple(sorted(items, key=lambda h: h.name))


@dataclass(frozen=True)
class SearchSpace:
    """The searched and fixed hyperparameters of one optimizer, its schedule's and, optionally,
    the workload's own (regularisation such as ``l2``, ``label_smoothing`` or a dropout rate;
    which a workload has is ``WorkloadSpec.hyperparameters()``, checked when a study is planned).

    Hyperparameters are kept sorted by name, so the order they were written in changes
    neither the hash nor the points. Dimensions (the searched ones) come optimizer first,
    then schedule, then workload, each sorted by name.
    """

    optimizer: str
    hyperparameters: tuple[Hyperparameter, ...]
    schedule: str = "constant"
    schedule_hyperparameters: tuple[Hyperparameter, ...] = ()
    workload_hyperparameters: tuple[Hyperparameter, ...] = ()
    arguments: tuple = ()  # optbench.optimizers.arguments.Arguments
    bounds: DeclaredBounds = ()

    def __post_init__(self) -> None:
        if not isinstance(self.optimizer, str):
            raise InvalidParameterError("optimizer", self.optimizer, "an optimizer name")
        hparams = _sorted(self.hyperparameters, "hyperparameters")
        sched = _sorted(self.schedule_hyperparameters, "schedule.hyperparameters")
        workload = _sorted(self.workload_hyperparameters, "workload")
        object.__setattr__(self, "hyperparameters", hparams)
        object.__setattr__(self, "schedule_hyperparameters", sched)
        object.__setattr__(self, "workload_hyperparameters", workload)
        object.__setattr__(self, "arguments", tuple(sorted(self.arguments)))
        object.__setattr__(self, "bounds", tuple(sorted(self.bounds)))
        if is_import_path(self.optimizer):
            from optbench import optimizers  # imports torch: only for an import path

            object.__setattr__(self, "optimizer", optimizers.resolve(self.optimizer))
        check_optimizer_hyperparameters(
            self.optimizer, hparams, DERIVED, self.arguments, self.bounds
        )
        if self.schedule not in schedules.SCHEDULES:
            raise unknown_name("schedule.name", self.schedule, schedules.available())
        check_schedule(self.schedule, sched)

    # -- dimensions and decoding ---------------------------------------------------------

    @cached_property
    def dimensions(self) -> tuple[tuple[str, Hyperparameter], ...]:
        """(dimension name, hyperparameter) of every searched one, in coordinate order;
        schedule dimensions are named ``schedule.<name>``, workload ones ``workload.<name>``."""
        return tuple(
            [(h.name, h) for h in self.hyperparameters if h.searched]
            + [(f"schedule.{h.name}", h) for h in self.schedule_hyperparameters if h.searched]
            + [(f"workload.{h.name}", h) for h in self.workload_hyperparameters if h.searched]
        )

    def get(self, name: str) -> Hyperparameter | None:
        """The optimizer hyperparameter called ``name`` (``schedule.x`` for the schedule's,
        ``workload.x`` for the workload's)."""
        section, key = self.hyperparameters, name
        for prefix, hyperparameters in (
            ("schedule.", self.schedule_hyperparameters),
            ("workload.", self.workload_hyperparameters),
        ):
            if name.startswith(prefix):
                section, key = hyperparameters, name[len(prefix) :]
        return next((h for h in section if h.name == key), None)

    def decode(self, unit: Any) -> Point:
        """The point at ``unit`` (one coordinate in [0, 1] per dimension)."""
        unit = tuple(float(u) for u in unit)
        if len(unit) != len(self.dimensions) or not all(0.0 <= u <= 1.0 for u in unit):
            raise InvalidParameterError(
                "unit", unit, f"{len(self.dimensions)} coordinates in [0, 1] ({self.optimizer})"
            )
        coordinate = dict(zip((n for n, _ in self.dimensions), unit, strict=True))
        values = {h.name: h.from_unit(coordinate.get(h.name, 0.0)) for h in self.hyperparameters}
        floor = values.pop(EPS_FLOOR, 0.0)
        for name in DERIVED:
            if name in values:
                values["lr"] = derived_lr(name, values.pop(name), values["eps"], floor)
        if self.arguments:
            from optbench.optimizers.arguments import constructor_values

            values = constructor_values(self.optimizer, self.arguments, values)
        params = {
            h.name: h.from_unit(coordinate.get(f"schedule.{h.name}", 0.0))
            for h in self.schedule_hyperparameters
        }
        workload = {
            h.name: h.from_unit(coordinate.get(f"workload.{h.name}", 0.0))
            for h in self.workload_hyperparameters
        }
        searched = {n: h.from_unit(coordinate[n]) for n, h in self.dimensions}
        return Point(self.optimizer, values, self.schedule, params, searched, unit, workload)

    # -- identity --------------------------------------------------------------------------

    def to_data(self) -> dict[str, Any]:
        """The plain-data form (what YAML holds), hyperparameters in sorted order."""
        data: dict[str, Any] = {
            "optimizer": self.optimizer,
            "hyperparameters": {h.name: h.to_data() for h in self.hyperparameters},
            "schedule": {"name": self.schedule},
        }
        if self.schedule_hyperparameters:
            data["schedule"]["hyperparameters"] = {
                h.name: h.to_data() for h in self.schedule_hyperparameters
            }
        if self.workload_hyperparameters:  # absent when empty: older spaces keep their hash
            data["workload"] = {h.name: h.to_data() for h in self.workload_hyperparameters}
        if self.arguments:  # likewise
            from optbench.optimizers.arguments import arguments_data

            data["arguments"] = arguments_data(self.arguments)
        if self.bounds:
            data["bounds"] = bounds_data(self.bounds)
        return data

    @cached_property
    def hash(self) -> str:
        """sha256 (hex) of :data:`HASH_FORMAT`, a newline and the canonical JSON of
        :meth:`to_data`: key order, YAML layout and 1 vs 1.0 do not matter; any change of a
        name, scale or bound does."""
        canonical = json.dumps(self.to_data(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(f"{HASH_FORMAT}\n{canonical}".encode()).hexdigest()

    def scaled(self, factor: float) -> SearchSpace:
        """The space with every learning-rate axis (``lr``, ``lr_over_eps``,
        ``lr_over_sqrt_eps``) multiplied by ``factor``: ratios between optimizers, and so
        the inclusion checks, are unchanged."""
        check_positive("factor", factor)
        if factor == 1:
            return self
        hparams = tuple(h.scaled(factor) if h.name in LR_AXES else h for h in self.hyperparameters)
        return dataclasses.replace(self, hyperparameters=hparams)

    # -- YAML ------------------------------------------------------------------------------

    @classmethod
    def from_data(cls, data: Any) -> SearchSpace:
        """Inverse of :meth:`to_data`; errors name the field (``hyperparameters.lr.low``)."""
        optional = ("schedule", "workload", "arguments", "bounds")
        _check_keys("", data, required=("optimizer", "hyperparameters"), optional=optional)
        hparams = _hyperparameters("hyperparameters", data["hyperparameters"])
        schedule = data.get("schedule", {"name": "constant"})
        _check_keys("schedule", schedule, required=("name",), optional=("hyperparameters",))
        sched = _hyperparameters("schedule.hyperparameters", schedule.get("hyperparameters", {}))
        workload = _hyperparameters("workload", data.get("workload", {}))
        arguments = ()
        if "arguments" in data:
            from optbench.optimizers.arguments import parse_arguments

            arguments = parse_arguments(data["arguments"])
        bounds = parse_bounds(data["bounds"]) if "bounds" in data else ()
        return cls(
            data["optimizer"], hparams, schedule["name"], sched, workload, arguments, bounds
        )

    @classmethod
    def from_yaml(cls, text: str, source: str = "<string>") -> SearchSpace:
        """The space a YAML document describes; errors end with the line of the field."""
        data, lines = yamlio.parse(text, source)
        try:
            return cls.from_data(data)
        except InvalidParameterError as error:
            raise yamlio.located(error, lines, source) from None

    @classmethod
    def load(cls, path: str | Path) -> SearchSpace:
        """The space in the YAML file at ``path``."""
        return cls.from_yaml(yamlio.read_file(path, "space"), source=str(path))

    def to_yaml(self) -> str:
        """YAML that :meth:`from_yaml` turns back into an equal space (floats exactly)."""
        return yamlio.dump(self.to_data())

    def save(self, path: str | Path) -> None:
        """Write :meth:`to_yaml` to ``path``."""
        Path(path).write_text(self.to_yaml())

    def describe(self) -> str:
        """A plain-text table of every hyperparameter: scale and range, or its fixed value."""
        rows = [("hyperparameter", "scale", "range")]
        rows += [(h.name, h.scale, h.describe_range()) for h in self.hyperparameters]
        rows += [
            (f"schedule.{h.name}", h.scale, h.describe_range())
            for h in self.schedule_hyperparameters
        ]
        rows += [
            (f"workload.{h.name}", h.scale, h.describe_range())
            for h in self.workload_hyperparameters
        ]
        width = [max(len(row[i]) for row in rows) for i in range(2)]
        lines = [
            f"{self.optimizer} search space, schedule {self.schedule}, "
            f"{len(self.dimensions)} dimensions, hash {self.hash[:12]}"
        ]
        lines += [f"  {a:<{width[0]}}  {b:<{width[1]}}  {c}" for a, b, c in rows]
        floor = self.get(EPS_FLOOR)
        eps = "eps" if floor is None else f"max(eps, {floor.value:g})"
        for name, power in DERIVED.items():
            if self.get(name) is not None:
                lines.append(f"  lr = {name} * {eps}" + ("" if power == 1 else f" ** {power}"))
        for argument, target in self.arguments:
            built = f"({', '.join(target)})" if isinstance(target, tuple) else target
            lines.append(f"  {argument} = {built}")
        return "\n".join(lines)


def _check_keys(where: str, data: Any, required: tuple[str, ...], optional: tuple[str, ...]):
    prefix = f"{where}." if where else ""
    if not isinstance(data, dict):
        raise InvalidParameterError(where or "space", data, "a mapping")
    for key in data:
        if key not in required + optional:
            raise unknown_name(f"{prefix}{key}", str(key), required + optional)
    for key in required:
        if key not in data:
            raise InvalidParameterError.required(f"{prefix}{key}", where or "a search space")


def _hyperparameters(where: str, data: Any) -> tuple[Hyperparameter, ...]:
    if not isinstance(data, dict):
        raise InvalidParameterError(where, data, "a mapping of hyperparameter name to its scale")
    result = []
    for name, spec in data.items():
        try:
            result.append(Hyperparameter.from_data(name, spec))
        except InvalidParameterError as error:
            raise error.renamed(f"{where}.{error.parameter}") from None
    return tuple(result)
