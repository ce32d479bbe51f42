"""One searched hyperparameter: a name, a scale, and the values the scale ranges over.

A hyperparameter maps a coordinate ``u`` of the unit cube to a value:

| scale           | value at ``u``                                         | given by        |
|-----------------|--------------------------------------------------------|-----------------|
| ``linear``      | ``low + u (high - low)``                               | ``low, high``   |
| ``log``         | ``low (high / low) ** u`` (log-uniform)                | ``low, high``   |
| ``one_minus_log``| ``1 - x`` log-uniform from ``1 - low`` to ``1 - high`` | ``low, high``  |
| ``choice``      | ``values[floor(u n)]``                                 | ``values``      |
| ``fixed``       | ``value`` (not searched: no coordinate)                | ``value``       |

``one_minus_log`` is the scale of momentum, beta1, beta2 and rho (Choi et al. 2019 search
``1 - gamma`` on a log scale), so that 0.9, 0.99 and 0.999 are equally far apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from optbench.errors import InvalidParameterError, is_finite, is_number, unknown_name
from optbench.limits import MAX_CHOICES

SCALES = ("linear", "log", "one_minus_log", "choice", "fixed")
RANGE_SCALES = ("linear", "log", "one_minus_log")
Value = float | str | bool | tuple[float, ...]


def _normalize(field: str, value: Any) -> Value:
    """Numbers become floats (1 and 1.0 are one value, and hash alike); lists become tuples."""
    if is_number(value):
        if not is_finite(value):
            raise InvalidParameterError(field, value, "a finite number")
        return float(value)
    if isinstance(value, (str, bool)):
        return value
    if isinstance(value, (list, tuple)) and value and all(is_finite(v) for v in value):
        return tuple(float(v) for v in value)
    raise InvalidParameterError(field, value, "a number, a string, a boolean or a list of numbers")


def _log_interpolate(low: float, high: float, u: float) -> float:
    # In base 10, so that decades land on round numbers (a grid over 1e-5 ... 1e2 hits 1e-4).
    return 10.0 ** (math.log10(low) + u * (math.log10(high) - math.log10(low)))


@dataclass(frozen=True)
class Hyperparameter:
    """A hyperparameter and its search scale; invalid combinations raise at construction.

    Errors name the field as ``<name>.<field>`` (``lr.low``), so a space can prefix its path.
    """

    name: str
    scale: str
    low: float | None = None
    high: float | None = None
    values: tuple[Value, ...] = ()
    value: Value | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise InvalidParameterError("name", self.name, "an identifier such as 'lr'")
        if self.scale not in SCALES:
            raise unknown_name(f"{self.name}.scale", self.scale, SCALES)
        given = {
            "low": self.low is not None,
            "high": self.high is not None,
            "values": bool(self.values),
            "value": self.value is not None,
        }
        needed = {"choice": ("values",), "fixed": ("value",)}.get(self.scale, ("low", "high"))
        for field, present in given.items():
            if present and field not in needed:
                raise InvalidParameterError(
                    f"{self.name}.{field}",
                    getattr(self, field),
                    f"no {field!r} on the {self.scale} scale (it takes {' and '.join(needed)})",
                )
            if field in needed and not present:
                raise InvalidParameterError.required(
                    f"{self.name}.{field}", f"a {self.scale} scale"
                )
        if self.scale in RANGE_SCALES:
            self._check_range()
        elif self.scale == "choice":
            self._check_choice()
        else:
            object.__setattr__(self, "value", _normalize(f"{self.name}.value", self.value))

    def _check_range(self) -> None:
        for field in ("low", "high"):
            value = getattr(self, field)
            if not is_finite(value):
                raise InvalidParameterError(f"{self.name}.{field}", value, "a finite number")
            object.__setattr__(self, field, float(value))
        if self.low >= self.high:
            raise InvalidParameterError(
                f"{self.name}.low", self.low, f"a number below high={self.high!r}"
            )
        if self.scale == "log" and self.low <= 0:
            raise InvalidParameterError(
                f"{self.name}.low", self.low, "a number > 0 on the log scale"
            )
        if self.scale == "one_minus_log":
            for field in ("low", "high"):
                value = getattr(self, field)
                if not 0 <= value < 1:
                    raise InvalidParameterError(
                        f"{self.name}.{field}",
                        value,
                        "a number in [0, 1) on the one_minus_log scale (1 - x must be in (0, 1])",
                    )

    def _check_choice(self) -> None:
        if isinstance(self.values, (str, bytes)) or not isinstance(self.values, (list, tuple)):
            raise InvalidParameterError(f"{self.name}.values", self.values, "a list of values")
        if len(self.values) > MAX_CHOICES:
            expected = f"a list of at most {MAX_CHOICES} values (it has {len(self.values)})"
            raise InvalidParameterError(f"{self.name}.values", self.values, expected)
        values = tuple(_normalize(f"{self.name}.values", v) for v in self.values)
        if len(set(values)) != len(values):
            raise InvalidParameterError(f"{self.name}.values", list(self.values), "distinct values")
        object.__setattr__(self, "values", values)

    @property
    def searched(self) -> bool:
        """Whether the hyperparameter takes a coordinate of the unit cube (all but fixed)."""
        return self.scale != "fixed"

    def from_unit(self, u: float) -> Value:
        """The value at coordinate ``u`` in [0, 1]; u = 0 gives ``low``, u = 1 gives ``high``."""
        if self.scale == "fixed":
            return self.value
        if self.scale == "choice":
            return self.values[min(int(u * len(self.values)), len(self.values) - 1)]
        if u <= 0.0 or u >= 1.0:  # endpoints exactly, not through exp(log(.))
            return self.low if u <= 0.0 else self.high
        if self.scale == "linear":
            return self.low + u * (self.high - self.low)
        if self.scale == "log":
            return min(max(_log_interpolate(self.low, self.high, u), self.low), self.high)
        value = 1.0 - _log_interpolate(1.0 - self.low, 1.0 - self.high, u)
        return min(max(value, self.low), self.high)

    def to_unit(self, value: float) -> float:
        """The coordinate of ``value`` (inverse of :meth:`from_unit` on range scales)."""
        if self.scale == "linear":
            return (value - self.low) / (self.high - self.low)
        if self.scale == "log":
            return math.log(value / self.low) / math.log(self.high / self.low)
        if self.scale == "one_minus_log":
            return math.log((1 - value) / (1 - self.low)) / math.log(
                (1 - self.high) / (1 - self.low)
            )
        if self.scale == "choice":
            return (self.values.index(value) + 0.5) / len(self.values)
        raise InvalidParameterError("scale", self.scale, "a searched scale (not fixed)")

    def extremes(self) -> tuple[Value, ...]:
        """The values that bound what the hyperparameter can take (for validation)."""
        if self.scale in RANGE_SCALES:
            return (self.low, self.high)
        return self.values if self.scale == "choice" else (self.value,)

    def bounds(self) -> tuple[float, float] | None:
        """(smallest, largest) numeric value it can take; None if some value is not a number."""
        numbers = [v for v in self.extremes() if is_number(v)]
        if len(numbers) != len(self.extremes()):
            return None
        return min(numbers), max(numbers)

    def scaled(self, factor: float) -> Hyperparameter:
        """The same hyperparameter with every value multiplied by ``factor`` (> 0)."""
        if self.scale in RANGE_SCALES:
            return Hyperparameter(self.name, self.scale, self.low * factor, self.high * factor)
        if self.scale == "choice":
            return Hyperparameter(
                self.name, "choice", values=tuple(v * factor for v in self.values)
            )
        return Hyperparameter(self.name, "fixed", value=self.value * factor)

    def describe_range(self) -> str:
        """``[low, high]``, ``{a, b, c}`` or ``= value``, with numbers in short form."""
        if self.scale in RANGE_SCALES:
            return f"[{self.low:.4g}, {self.high:.4g}]"
        if self.scale == "choice":
            return "{" + ", ".join(_short(v) for v in self.values) + "}"
        return f"= {_short(self.value)}"

    def to_data(self) -> Any:
        """The YAML/JSON form: a mapping, or the bare value when fixed."""
        if self.scale in RANGE_SCALES:
            return {"scale": self.scale, "low": self.low, "high": self.high}
        if self.scale == "choice":
            return {"scale": "choice", "values": [_plain(v) for v in self.values]}
        return _plain(self.value)

    @classmethod
    def from_data(cls, name: str, data: Any) -> Hyperparameter:
        """Inverse of :meth:`to_data`; a bare value (``momentum: 0.9``) means fixed."""
        if not isinstance(data, dict):
            return cls(name, "fixed", value=data)
        unknown = set(data) - {"scale", "low", "high", "values", "value"}
        if unknown:
            key = sorted(unknown, key=str)[0]
            raise unknown_name(
                f"{name}.{key}", str(key), ["scale", "low", "high", "values", "value"]
            )
        if "scale" not in data:
            raise InvalidParameterError.required(f"{name}.scale", f"hyperparameter {name!r}")
        values = data.get("values", ())
        return cls(
            name,
            data["scale"],
            data.get("low"),
            data.get("high"),
            tuple(values) if isinstance(values, list) else values,
            data.get("value"),
        )


def _plain(value: Value) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _short(value: Value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, tuple):
        return "[" + ", ".join(f"{v:.4g}" for v in value) + "]"
    return repr(value)
