"""Optimizers by name: the six of Table 1, and any ``torch.optim.Optimizer`` a user registers.

>>> import torch
>>> from optbench import optimizers
>>> optimizers.register("adamw", torch.optim.AdamW, defaults={"weight_decay": 1e-4})
>>> opt = optimizers.create("adamw", model.parameters(), lr=1e-3)  # doctest: +SKIP

A registered optimizer's hyperparameters are the arguments of its constructor that follow
``params`` (keyword-only options such as ``foreach`` are passed through but not searched).
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

from optbench.errors import InvalidParameterError, unknown_name
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
get = OPTIMIZERS.get
unregister = OPTIMIZERS.unregister


def _constructor_arguments(optimizer_class: type) -> tuple[dict[str, Any], frozenset[str]]:
    """(hyperparameters with defaults, keyword-only options) from the constructor's signature."""
    signature = inspect.signature(optimizer_class.__init__)
    hyperparameters, options = {}, set()
    for parameter in list(signature.parameters.values())[2:]:  # skip self and params
        if parameter.kind is parameter.POSITIONAL_OR_KEYWORD:
            empty = parameter.default is inspect.Parameter.empty
            hyperparameters[parameter.name] = REQUIRED if empty else parameter.default
        elif parameter.kind is parameter.KEYWORD_ONLY:
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
    declare all of theirs in their class's ``bounds``; other optimizers none)."""
    return dict(getattr(get(name).optimizer_class, "bounds", {}))


def create(name: str, params: Iterable, **hparams: Any) -> torch.optim.Optimizer:
    """The optimizer ``name`` over ``params``; unknown or missing hyperparameters raise
    ``InvalidParameterError`` (a ``ValueError``) naming them."""
    entry = get(name)
    for key in hparams:
        if key not in entry.hyperparameters and key not in entry.options:
            raise unknown_name(f"{name} hyperparameter", key, entry.hyperparameters)
    values = {**entry.hyperparameters, **hparams}
    for key in entry.hyperparameters:
        if values[key] is REQUIRED:
            raise InvalidParameterError.required(key, f"optimizer {name!r}")
    if entry.to_kwargs is not None:
        values = entry.to_kwargs(values)
    return entry.optimizer_class(params, **values)
