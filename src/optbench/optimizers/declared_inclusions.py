"""Inclusions a user declares: their optimizer (the general one) includes a special one, through
a map from the special optimizer's hyperparameters to the general one's, like the built-in maps
of :mod:`optbench.optimizers.inclusions`::

    includes:
      momentum:                           # the special optimizer: a name or an import path
        map:                              # each of the general optimizer's hyperparameters:
          lr: lr / (1 - momentum)         #   an expression over the special one's,
          beta: momentum
          nu: 1                           #   a number,
          eps: {limit: inf}               #   or a limit (eps -> infinity)
        at: {lr: 0.05, momentum: 0.9}     # optional: where the numerical check runs

An expression (:mod:`optbench.optimizers.expressions`) reads the special optimizer's
hyperparameters (``lr`` is its learning rate at the step, as scheduled), the general one's
limits by name, and ``step`` (0-based), so a map may change a hyperparameter every step (Adam's
bias factors). A hyperparameter the map leaves out is free: it does not matter to the imitation,
and the check runs it at its default. The map holds exactly, or in the limit when it has one.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from optbench.errors import InvalidParameterError, is_finite, unknown_name
from optbench.optimizers.arguments import Arguments, hyperparameters_with
from optbench.optimizers.expressions import Expression
from optbench.optimizers.registry import REQUIRED, display_name, resolve

#: Values a required hyperparameter of the special optimizer takes in the check, unless ``at``
#: gives them.
PROBE_VALUES = {"lr": 0.05, "momentum": 0.9}
STEP = "step"


@dataclass(frozen=True)
class MapEntry:
    """One hyperparameter of the general optimizer: a number, an expression, or a limit."""

    name: str
    value: float | None = None
    expression: Expression | None = None
    limit: bool = False

    def describe(self) -> str:
        if self.limit:
            return f"{self.name} -> inf"
        shown = f"{self.value:g}" if self.expression is None else str(self.expression)
        return f"{self.name} = {shown}"

    def to_data(self) -> Any:
        if self.limit:
            return {"limit": "inf"}
        return self.value if self.expression is None else self.expression.text


@dataclass(frozen=True)
class DeclaredInclusion:
    """``special ⊆ general`` as declared (module docstring); ``special_name`` and
    ``general_name`` are the names reports show. ``arguments`` of each build its constructor's."""

    special: str
    general: str
    entries: tuple[MapEntry, ...]
    at: tuple[tuple[str, float], ...] = ()
    special_arguments: Arguments = ()
    general_arguments: Arguments = ()
    special_name: str = ""
    general_name: str = ""

    @property
    def pair(self) -> str:
        """``momentum ⊆ QHM``, in the names reports show."""
        return f"{self.special_name or self.special} ⊆ {self.general_name or self.general}"

    @property
    def exact(self) -> bool:
        return not self.limits

    @property
    def limits(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entries if e.limit)

    @property
    def note(self) -> str:
        """The map in words: ``beta = momentum, lr = lr / (1 - momentum), nu = 1``."""
        return ", ".join(e.describe() for e in self.entries)

    def special_setting(self) -> dict[str, float]:
        """The special optimizer's hyperparameters in the check: ``at``, else its defaults,
        else :data:`PROBE_VALUES`; a required one with none of these is an error."""
        values = hyperparameters_with(self.special, self.special_arguments)
        values.update(dict(self.at))
        for name, value in values.items():
            if value is REQUIRED:
                if name not in PROBE_VALUES:
                    where = f"includes.{self.special}.at"
                    raise InvalidParameterError.required(
                        f"{where}.{name}", f"the check of {self.special} ⊆ {self.general}"
                    )
                values[name] = PROBE_VALUES[name]
        return values

    def general_setting(
        self, special: Mapping[str, Any], step: int, limit: float = math.inf
    ) -> dict[str, Any]:
        """The mapped hyperparameters of the general optimizer at ``step`` for the special
        optimizer's ``special`` setting, each limit at ``limit``."""
        scope = {**special, STEP: float(step), **dict.fromkeys(self.limits, limit)}
        result = {}
        for entry in self.entries:
            if entry.limit:
                result[entry.name] = limit
            elif entry.expression is None:
                result[entry.name] = entry.value
            else:
                result[entry.name] = entry.expression(scope)
        return result

    def settings(self) -> dict[str, Any]:
        """What a study stores of the inclusion: the names the report shows, and the map as
        the file gave it (:func:`stored_inclusion` reads it back)."""
        return {
            "special": self.special, "special_name": self.special_name or self.special,
            "note": self.note, "map": {e.name: e.to_data() for e in self.entries},
            **({"at": dict(self.at)} if self.at else {}),
        }  # fmt: skip


def _entry(name: str, data: Any, allowed: set[str], where: str) -> MapEntry:
    if isinstance(data, Mapping):
        if set(data) != {"limit"} or str(data["limit"]).lower() not in ("inf", "+inf"):
            raise InvalidParameterError(where, data, "{limit: inf} (the only limit allowed)")
        return MapEntry(name, limit=True)
    if isinstance(data, str):
        return MapEntry(name, expression=Expression.parse(data, allowed, where))
    if not is_finite(data):
        raise InvalidParameterError(where, data, "a number, an expression or {limit: inf}")
    return MapEntry(name, value=float(data))


def parse_inclusion(
    general: str,
    special: str,
    data: Any,
    *,
    general_arguments: Arguments = (),
    special_arguments: Arguments = (),
    special_name: str | None = None,
    general_name: str | None = None,
    parameter: str = "includes.special",
) -> DeclaredInclusion:
    """The inclusion ``special ⊆ general`` of a file's ``includes: {special: data}`` (module
    docstring, ``parameter`` the field that holds ``data``); names are checked against both
    optimizers' hyperparameters."""
    where = parameter
    if not isinstance(data, Mapping) or "map" not in data or set(data) - {"map", "at"}:
        raise InvalidParameterError(where, data, "a mapping {map: {...}, at: {...}} (at optional)")
    mapping = data["map"]
    if not isinstance(mapping, Mapping) or not mapping:
        raise InvalidParameterError(f"{where}.map", mapping, "a mapping hyperparameter -> value")
    ours = hyperparameters_with(general, general_arguments)
    theirs = hyperparameters_with(special, special_arguments)
    limits = {n for n, v in mapping.items() if isinstance(v, Mapping)}
    allowed = set(theirs) | limits | {STEP}
    entries = []
    for name, value in mapping.items():
        if name not in ours:
            known = unknown_name(f"{where}.map.{name}", str(name), ours).expected
            raise InvalidParameterError(f"{where}.map.{name}", name, f"a hyperparameter of "
                                        f"{display_name(general)}: {known}")  # fmt: skip
        entries.append(_entry(str(name), value, allowed, f"{where}.map.{name}"))
    at = data.get("at", {})
    if not isinstance(at, Mapping):
        raise InvalidParameterError(f"{where}.at", at, "a mapping hyperparameter -> number")
    for name, value in at.items():
        if name not in theirs:
            raise unknown_name(f"{where}.at.{name}", str(name), theirs)
        if not is_finite(value):
            raise InvalidParameterError(f"{where}.at.{name}", value, "a finite number")
    return DeclaredInclusion(
        special=special,
        general=general,
        entries=tuple(entries),
        at=tuple(sorted((str(n), float(v)) for n, v in at.items())),
        special_arguments=special_arguments,
        general_arguments=general_arguments,
        special_name=special_name or display_name(special),
        general_name=general_name or display_name(general),
    )


def stored_inclusion(
    general: str,
    stored: Mapping[str, Any],
    general_arguments: Arguments = (),
    special_arguments: Arguments = (),
    general_name: str | None = None,
) -> DeclaredInclusion:
    """The inclusion a study stored (:meth:`DeclaredInclusion.settings`) of its optimizer
    ``general``, whose arguments and the special optimizer's are those of their spaces."""
    data = {"map": stored["map"], **({"at": stored["at"]} if "at" in stored else {})}
    return parse_inclusion(
        general, stored["special"], data, general_arguments=general_arguments,
        special_arguments=special_arguments, special_name=stored.get("special_name"),
        general_name=general_name, parameter=f"includes.{stored['special']}",
    )  # fmt: skip


def parse_includes(
    general: str,
    data: Any,
    *,
    general_arguments: Arguments = (),
    arguments_of: Mapping[str, Arguments] | None = None,
    names: Mapping[str, str] | None = None,
    base: str | None = None,
    parameter: str = "includes",
) -> tuple[DeclaredInclusion, ...]:
    """Every inclusion of a file's ``includes`` mapping; a special optimizer given by import
    path is resolved from ``base``, and takes its ``arguments`` and name from ``arguments_of``
    and ``names`` (its own declaration) when it has one."""
    if not isinstance(data, Mapping):
        raise InvalidParameterError(parameter, data, "a mapping special optimizer -> its map")
    found = []
    for key, value in data.items():
        special = resolve(key, base, f"{parameter}.{key}")
        if special == general:
            raise InvalidParameterError(f"{parameter}.{key}", key, "another optimizer")
        found.append(parse_inclusion(
            general, special, value, general_arguments=general_arguments,
            special_arguments=(arguments_of or {}).get(special, ()),
            special_name=(names or {}).get(special), general_name=(names or {}).get(general),
            parameter=f"{parameter}.{key}",
        ))  # fmt: skip
    return tuple(found)
