"""Named things of one kind (optimizers, workloads, schedules, samplers, executors), after
timm's model registry: filled by ``register`` (also usable as a decorator), listed by
``available(pattern)``, looked up by ``get(name)``.

Unlike timm's, an unknown name raises :class:`~optbench.errors.InvalidParameterError` with the
close matches, and registering a taken name raises unless ``replace=True``.

>>> colours = Registry("colour")
>>> colours.register("red", "#f00")
'#f00'
>>> colours.available(), colours.get("red")
(['red'], '#f00')
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar, overload

from optbench.errors import InvalidParameterError, unknown_name

T = TypeVar("T")


class Registry(Generic[T]):
    """Entries of one ``kind`` by name, in registration order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    @overload
    def register(self, name: str, entry: None = None, *, replace: bool = False) -> Callable: ...
    @overload
    def register(self, name: str, entry: T, *, replace: bool = False) -> T: ...

    def register(self, name, entry=None, *, replace=False):
        """Add ``entry`` as ``name`` and return it; without ``entry``, a decorator that does."""
        if entry is None:
            return lambda decorated: self.register(name, decorated, replace=replace)
        if not isinstance(name, str) or not name:
            raise InvalidParameterError(f"{self.kind} name", name, "a non-empty string")
        if name in self._entries and not replace:
            taken = ", ".join(self._entries)
            raise InvalidParameterError(
                f"{self.kind} name", name, f"a name not registered yet (taken: {taken}); "
                "pass replace=True to replace it",
            )
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> T:
        """Remove ``name`` and return its entry."""
        return self._entries.pop(self._check(name))

    def available(self, pattern: str = "*") -> list[str]:
        """Registered names matching the shell-style ``pattern``, in registration order."""
        return [name for name in self._entries if fnmatch.fnmatchcase(name, pattern)]

    def get(self, name: str) -> T:
        """The entry of ``name``; an unknown name raises with the close matches."""
        return self._entries[self._check(name)]

    def _check(self, name: str) -> str:
        if not isinstance(name, str) or name not in self._entries:
            raise unknown_name(self.kind, str(name), self._entries)
        return name

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
