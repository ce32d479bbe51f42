"""The one error class for invalid arguments, in the style of scikit-learn's parameter checks.

Every message names the parameter, the value received and what is allowed, so that a user can
fix the call without reading the source.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class InvalidParameterError(ValueError):
    """An argument outside its allowed range or set.

    ``parameter``, ``value`` and ``expected`` are kept as attributes for programs that want to
    report the problem in their own words.
    """

    def __init__(self, parameter: str, value: object, expected: str) -> None:
        self.parameter = parameter
        self.value = value
        self.expected = expected
        super().__init__(f"{parameter}={value!r} is invalid: expected {expected}")

    @classmethod
    def missing(cls, parameter: str, owner: str) -> InvalidParameterError:
        """The error for a required parameter that was not given."""
        error = cls(parameter, None, f"a value: {owner} requires {parameter!r}")
        error.args = (f"{parameter} is missing: {owner} requires it",)
        return error


def unknown_name(parameter: str, value: str, known: Iterable[str]) -> InvalidParameterError:
    """The error for a name that is not registered, listing close matches first."""
    known = sorted(known)
    close = difflib.get_close_matches(value, known, n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    return InvalidParameterError(parameter, value, f"one of {', '.join(known)}{hint}")
