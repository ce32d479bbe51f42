"""Optimizers by name: the six of Table 1, any ``torch.optim.Optimizer`` a user registers, and
any optimizer class named by its import path.

>>> import torch
>>> from optbench import optimizers
>>> optimizers.register("adamw", torch.optim.AdamW, defaults={"weight_decay": 1e-4})
>>> opt = optimizers.create("adamw", model.parameters(), lr=1e-3)  # doctest: +SKIP
>>> opt = optimizers.create("torch.optim.AdamW", model.parameters())  # doctest: +SKIP

An import path (``torch.optim.AdamW``, ``mypkg.optim:Lion``, ``./lion.py:Lion``, see
:mod:`optbench.imports`) is accepted wherever a name is: :func:`resolve` imports it on first use
and registers it under its canonical spelling, which is then its name everywhere (stored with a
study, and resolved again in any process that runs its trials).

A registered optimizer's hyperparameters are the arguments of its constructor that follow
``params`` (keyword-only options such as ``fused``, and arguments whose default is None such as
``foreach=None``, are passed through but not searched).
Where the constructor's arguments are not plain numbers (``betas=(b1, b2)``), register with
``to_kwargs``: ``defaults`` then lists the searched hyperparameters and ``to_kwargs`` maps them
to the constructor's keyword arguments.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch

from optbench import imports
from optbench.errors import InvalidParameterError, shown, unknown_name
from optbench.limits import MAX_OPTIMIZER_NAME
from optbench.optimizers.base import Bounds
from optbench.registry import Registry

REQUIRED = None  # the default of a hyperparameter that has none


@dataclass(frozen=True)
class RegisteredOptimizer:
    """One registry entry: the class, its searched hyperparameters with defaults (``None`` when
    required), the other keyword arguments it accepts, and an optional argument translation."""

    name: str
    optimizer_class: type[torch.optim.Optimizer]
    hyperparameters: dict[str, Any]
    options: frozenset[str] = field(default_factory=frozenset)
    to_kwargs: Callable[[dict[str, Any]], dict[str, Any]] | None = None


OPTIMIZERS: Registry[RegisteredOptimizer] = Registry("optimizer")
available = OPTIMIZERS.available
unregister = OPTIMIZERS.unregister


def resolve(name: str, base: str | None = None, parameter: str = "optimizer") -> str:
    """The registered name of ``name``: a registered name as it is, an import path as its
    canonical spelling, imported and registered on first use (``base``: the folder a relative
    file path is taken from). An unknown name lists the registered ones and the path forms."""
    if isinstance(name, str) and name in OPTIMIZERS:
        return name
    if not imports.is_import_path(name):
        error = unknown_name(parameter, str(name), OPTIMIZERS)
        raise InvalidParameterError(parameter, name, f"{error.expected}, or {imports.EXAMPLES}")
    path = imports.canonical(name, base, parameter)
    if path in OPTIMIZERS:
        return path
    if len(path) > MAX_OPTIMIZER_NAME:
        expected = (f"an import path of at most {MAX_OPTIMIZER_NAME} characters once made "
                    "absolute (the store keeps it): a shorter path, or an installed module")
        raise InvalidParameterError(parameter, path, expected)  # fmt: skip
    optimizer_class = imports.load(name, base, parameter)
    if not (
        inspect.isclass(optimizer_class) and issubclass(optimizer_class, torch.optim.Optimizer)
    ):
        expected = f"a torch.optim.Optimizer subclass (it names {shown(optimizer_class)})"
        raise InvalidParameterError(parameter, name, expected)
    hyperparameters, options = _constructor_arguments(optimizer_class)
    OPTIMIZERS.register(path, RegisteredOptimizer(path, optimizer_class, hyperparameters, options))
    return path


def get(name: str) -> RegisteredOptimizer:
    """The entry of ``name``, a registered name or an import path (:func:`resolve`)."""
    return OPTIMIZERS.get(resolve(name))


def display_name(name: str) -> str:
    """The short name reports show: a registered name itself, an import path's class name."""
    return get(name).optimizer_class.__name__ if imports.is_import_path(name) else name


def constructor_parameters(name: str) -> str:
    """The constructor's parameters after ``params``, for an error message."""
    entry = get(name)
    return ", ".join([*entry.hyperparameters, *sorted(entry.options)]) or "none"


def _constructor_arguments(optimizer_class: type) -> tuple[dict[str, Any], frozenset[str]]:
    """(hyperparameters with defaults, options) from the constructor's signature: the options
    are its keyword-only arguments and those whose default is None (``foreach=None``), which
    are passed through but neither searched nor required."""
    signature = inspect.signature(optimizer_class.__init__)
    hyperparameters, options = {}, set()
    for parameter in list(signature.parameters.values())[2:]:  # skip self and params
        if parameter.kind is parameter.POSITIONAL_OR_KEYWORD and parameter.default is not None:
            empty = parameter.default is inspect.Parameter.empty
            hyperparameters[parameter.name] = REQUIRED if empty else parameter.default
        elif parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            options.add(parameter.name)
    return hyperparameters, frozenset(options)


def register(
    name: str,
    optimizer_class: type[torch.optim.Optimizer],
    defaults: dict[str, Any] | None = None,
    *,
    to_kwargs: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    replace: bool = False,
) -> None:
    """Make ``optimizer_class`` available as ``name`` to ``create`` and to every protocol."""
    if not isinstance(name, str) or not name.isidentifier() or name != name.lower():
        raise InvalidParameterError("name", name, "a lower-case identifier such as 'adamw'")
    if name in OPTIMIZERS and not replace:
        OPTIMIZERS.register(name, OPTIMIZERS.get(name))  # raises: the name is taken
    if not (
        inspect.isclass(optimizer_class) and issubclass(optimizer_class, torch.optim.Optimizer)
    ):
        raise InvalidParameterError("optimizer_class", optimizer_class, "a torch.optim.Optimizer")
    defaults = dict(defaults or {})
    if to_kwargs is not None:
        hyperparameters, options = defaults, frozenset()
    else:
        hyperparameters, options = _constructor_arguments(optimizer_class)
        for key in defaults:
            if key not in hyperparameters:
                raise unknown_name(f"defaults of {name!r}", key, hyperparameters)
        hyperparameters.update(defaults)
    entry = RegisteredOptimizer(name, optimizer_class, hyperparameters, options, to_kwargs)
    OPTIMIZERS.register(name, entry, replace=replace)


def hyperparameters(name: str) -> dict[str, Any]:
    """Hyperparameter name -> default (``None`` where the hyperparameter is required)."""
    return dict(get(name).hyperparameters)


def bounds(name: str) -> dict[str, Bounds]:
    """The valid range of each hyperparameter of ``name`` that declares one (the six rules
    declare all of theirs in their class's ``bounds``, a dict of :class:`Bounds`; other
    optimizers may do the same, or declare bounds in their search spaces)."""
    declared = getattr(get(name).optimizer_class, "bounds", None)
    if not isinstance(declared, dict):
        return {}
    return {key: value for key, value in declared.items() if isinstance(value, Bounds)}


def create(name: str, params: Iterable, **hparams: Any) -> torch.optim.Optimizer:
    """The optimizer ``name`` over ``params``; unknown or missing hyperparameters raise
    ``InvalidParameterError`` (a ``ValueError``) naming them."""
    entry = get(name)
    for key in hparams:
        if key not in entry.hyperparameters and key not in entry.options:
            known = [*entry.hyperparameters, *entry.options]
            raise unknown_name(f"{name} hyperparameter", key, known)
    values = {**entry.hyperparameters, **hparams}
    for key in entry.hyperparameters:
        if values[key] is REQUIRED:
            expected = (f"optimizer {name!r} requires it (its parameters: "
                        f"{constructor_parameters(name)})")  # fmt: skip
            raise InvalidParameterError(key, None, expected, missing=True)
    if entry.to_kwargs is not None:
        values = entry.to_kwargs(values)
    return entry.optimizer_class(params, **values)
