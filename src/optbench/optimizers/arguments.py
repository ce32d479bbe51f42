"""Constructor arguments built from searched numbers: an optimizer's ``arguments`` declaration.

A search space searches numbers, but some constructors take other things: torch's Adam takes
``betas=(beta1, beta2)``. A declaration maps a constructor argument to the hyperparameters it
is built from: a list assembles a tuple, a single name renames::

    arguments:
      betas: [beta1, beta2]      # betas=(beta1, beta2): beta1 and beta2 are searched
      learning_rate: lr          # the constructor's learning_rate is the hyperparameter lr

The optimizer's hyperparameters are then its constructor's with these replaced (the parts of a
tuple take their defaults from the constructor's default tuple), and a point of the space is
turned into the constructor's keyword arguments by :func:`constructor_values`.

>>> hyperparameters_with("torch.optim.Adam", (("betas", ("beta1", "beta2")),))["beta2"]
0.999
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from optbench.errors import InvalidParameterError, unknown_name
from optbench.optimizers.registry import REQUIRED, get

#: (constructor argument, the hyperparameter it is, or the tuple of those it is assembled
#: from), sorted by argument: hashable, and the same whatever order a file gives.
Arguments = tuple[tuple[str, str | tuple[str, ...]], ...]


def parse_arguments(data: Any, parameter: str = "arguments") -> Arguments:
    """The ``arguments`` of a file: a mapping of argument -> name or list of names."""
    if not isinstance(data, Mapping):
        raise InvalidParameterError(parameter, data, "a mapping argument -> name or [names]")
    found = []
    for argument, target in data.items():
        where = f"{parameter}.{argument}"
        if not isinstance(argument, str) or not argument.isidentifier():
            raise InvalidParameterError(where, argument, "a constructor argument's name")
        names = target if isinstance(target, list) else [target]
        if not names or not all(isinstance(n, str) and n.isidentifier() for n in names):
            expected = "a hyperparameter name, or a list of them to assemble a tuple"
            raise InvalidParameterError(where, target, expected)
        found.append((argument, tuple(names) if isinstance(target, list) else target))
    return tuple(sorted(found))


def arguments_data(arguments: Arguments) -> dict[str, Any]:
    """The plain-data form of ``arguments`` (what a file holds)."""
    return {a: list(t) if isinstance(t, tuple) else t for a, t in arguments}


def _parts(target: str | tuple[str, ...]) -> tuple[str, ...]:
    return target if isinstance(target, tuple) else (target,)


def hyperparameters_with(optimizer: str, arguments: Arguments) -> dict[str, Any]:
    """The hyperparameters of ``optimizer`` (name -> default, ``None`` when required) once
    ``arguments`` are applied, in the constructor's order; a declaration that does not fit the
    constructor is an error naming the argument and the constructor's parameters."""
    entry = get(optimizer)
    plain = dict(entry.hyperparameters)
    declared = {argument: target for argument, target in arguments}
    taken = [name for target in declared.values() for name in _parts(target)]
    for argument, target in declared.items():
        where = f"arguments.{argument}"
        if argument not in plain:
            known = unknown_name(where, argument, plain).expected
            raise InvalidParameterError(where, argument, f"an argument of {optimizer}: {known}")
        for name in _parts(target):
            if taken.count(name) > 1 or (name in plain and name not in declared):
                expected = f"a name not already a hyperparameter of {optimizer} or another part"
                raise InvalidParameterError(where, name, expected)
    result: dict[str, Any] = {}
    for name, default in plain.items():
        if name not in declared:
            result[name] = default
            continue
        target = declared[name]
        if isinstance(target, str):
            result[target] = default
            continue
        fits = isinstance(default, (tuple, list)) and len(default) == len(target)
        for index, part in enumerate(target):
            result[part] = default[index] if fits else REQUIRED
    return result


def constructor_values(
    optimizer: str, arguments: Arguments, values: Mapping[str, Any]
) -> dict[str, Any]:
    """The constructor's keyword arguments for the hyperparameter ``values`` of a point: each
    declared argument built from its parts (a part the point leaves out takes its default), the
    rest as they are."""
    result = dict(values)
    defaults = None
    for argument, target in arguments:
        parts = _parts(target)
        if not any(part in result for part in parts):
            continue
        if isinstance(target, str):
            result[argument] = result.pop(target)
            continue
        if defaults is None:
            defaults = hyperparameters_with(optimizer, arguments)
        assembled = []
        for part in parts:
            value = result.pop(part) if part in result else defaults[part]
            if value is REQUIRED:
                raise InvalidParameterError.required(part, f"argument {argument} of {optimizer}")
            assembled.append(value)
        result[argument] = tuple(assembled)
    return result
