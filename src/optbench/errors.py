"""The one error class for invalid arguments, in the style of scikit-learn's parameter checks,
and the argument checks every module shares.

Every message names the parameter, the value received and what is allowed, so that a user can
fix the call without reading the source; an error found in a file also carries the line.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from typing import Any

#: The largest integer a user may give anywhere: every count, size and seed is stored as a
#: signed 64-bit integer, on SQLite and PostgreSQL alike.
MAX_INT = 2**63 - 1
#: How much of a value a message shows: an oversized value is cut, never echoed whole.
SHOWN_CHARACTERS = 80


def shown(value: object) -> str:
    """``repr(value)``, cut to :data:`SHOWN_CHARACTERS` characters."""
    text = repr(value)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[: SHOWN_CHARACTERS - 20]}... ({len(text)} characters)"


def raised(error: BaseException) -> str:
    """An exception in one line: its type and the first line of its message
    (``ValueError: Invalid learning rate: -1.0``), the type alone when it has none."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


class InvalidParameterError(ValueError):
    """An argument outside its allowed range or set.

    ``parameter``, ``value`` and ``expected`` are kept as attributes for programs that want to
    report the problem in their own words; ``source`` and ``line`` say where in a file the
    value was written (both None for a value given in code or on the command line).
    """

    def __init__(
        self,
        parameter: str,
        value: object,
        expected: str,
        *,
        missing: bool = False,
        source: str | None = None,
        line: int | None = None,
    ) -> None:
        self.parameter, self.value, self.expected = parameter, value, expected
        self.missing, self.source, self.line = missing, source, line
        super().__init__(self._message())

    def _message(self) -> str:
        if self.missing:
            text = f"{self.parameter} is missing: {self.expected}"
        else:
            text = f"{self.parameter}={shown(self.value)} is invalid: expected {self.expected}"
        if self.source is None:
            return text
        where = f"line {self.line} of {self.source}" if self.line is not None else self.source
        return f"{text} ({where})"

    def __reduce__(self) -> tuple:  # pickles whole, e.g. back from a worker process
        return (_rebuild, (self.parameter, self.value, self.expected, self._flags()))

    def _flags(self) -> dict[str, Any]:
        return {"missing": self.missing, "source": self.source, "line": self.line}

    @classmethod
    def required(cls, parameter: str, owner: str) -> InvalidParameterError:
        """The error for a required parameter that was not given."""
        return cls(parameter, None, f"{owner} requires it", missing=True)

    def renamed(self, parameter: str) -> InvalidParameterError:
        """This error about ``parameter`` instead (a field's path in a larger file)."""
        return InvalidParameterError(parameter, self.value, self.expected, **{
            **self._flags(), "source": None, "line": None
        })

    def at(self, source: str, line: int | None) -> InvalidParameterError:
        """This error located at ``line`` of ``source`` (a file name)."""
        return InvalidParameterError(
            self.parameter, self.value, self.expected, missing=self.missing, source=source,
            line=line,
        )


def _rebuild(parameter: str, value: object, expected: str, flags: dict) -> InvalidParameterError:
    return InvalidParameterError(parameter, value, expected, **flags)


def unknown_name(parameter: str, value: str, known: Iterable[str]) -> InvalidParameterError:
    """The error for a name that is not registered, listing close matches first."""
    known = sorted(known)
    close = difflib.get_close_matches(str(value), known, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    return InvalidParameterError(parameter, value, f"one of {', '.join(known)}{hint}")


def is_number(value: object) -> bool:
    """An int or a float, and not a bool (``True`` is not the number 1 here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_finite(value: object) -> bool:
    """A number (not a bool) whose float is finite: not inf, nan, or an int too large for a
    float (``10**400``)."""
    if not is_number(value):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def is_integer(value: object) -> bool:
    """An int (numpy's included), and not a bool."""
    import numpy as np

    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_int(
    parameter: str,
    value: object,
    minimum: int = 0,
    maximum: int = MAX_INT,
    *,
    optional: bool = False,
) -> int | None:
    """``value`` as an int if it is an integer in [``minimum``, ``maximum``] (None too when
    ``optional``); otherwise :class:`InvalidParameterError`."""
    if value is None and optional:
        return None
    if not is_integer(value) or not minimum <= value <= maximum:
        allowed = f"an integer in [{minimum}, {maximum}]" + (" or None" if optional else "")
        raise InvalidParameterError(parameter, value, allowed)
    return int(value)


def check_positive(parameter: str, value: object) -> float:
    """``value`` as a float if it is a finite number > 0; otherwise the error."""
    if not is_finite(value) or not value > 0:
        raise InvalidParameterError(parameter, value, "a finite number > 0")
    return float(value)
