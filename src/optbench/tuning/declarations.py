"""Declarations of optimizers given by import path, and the space a protocol gives each optimizer.

An experiment file may declare, for each optimizer it names by import path, what optbench cannot
read from the class (docs/own-optimizer.md)::

    declarations:
      torch.optim.AdamW:
        name: AdamW                             # what reports show (default: the class name)
        arguments: {betas: [beta1, beta2]}      # constructor arguments built from numbers
        bounds: {beta1: {low: 0.0, high: 1.0, open_high: true}}
        includes:                               # inclusions, checked numerically
          adam: {map: {lr: lr, beta1: beta1, beta2: beta2, eps: eps, weight_decay: 0}}
        spaces:                                 # its space under each protocol, written like
          lr-only: {lr: {scale: log, low: 1.0e-5, high: 0.1}}   # the protocol's own spaces
          full: {...}

:func:`space_for` gives the space of an optimizer under a protocol: the protocol's own, else the
declared one (with the protocol's schedule, learning rates scaled as the protocol's are), else,
under a protocol that searches the learning rate alone (``lr-grid``, ``lr-only``,
``lr-schedule``), the optimizer at its constructor's defaults with ``lr`` searched over the
widest of the protocol's learning-rate ranges. Anything else is an error that says how to give
a space.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from optbench.errors import InvalidParameterError, unknown_name
from optbench.imports import is_import_path
from optbench.tuning.checks import DeclaredBounds, optimizer_hyperparameters, parse_bounds
from optbench.tuning.protocols import HOW_TO_GIVE_A_SPACE, Protocol
from optbench.tuning.scales import Hyperparameter
from optbench.tuning.spaces import SearchSpace, _hyperparameters

KEYS = ("name", "arguments", "bounds", "includes", "spaces")
MAX_NAME = 50


@dataclass(frozen=True)
class OptimizerDeclaration:
    """What an experiment declares of one optimizer (module docstring); ``optimizer`` is its
    canonical name. ``spaces`` holds (protocol name, hyperparameters) pairs."""

    optimizer: str
    name: str
    arguments: tuple = ()  # optbench.optimizers.arguments.Arguments
    bounds: DeclaredBounds = ()
    includes: tuple = ()  # of optbench.optimizers.declared_inclusions.DeclaredInclusion
    spaces: tuple[tuple[str, tuple[Hyperparameter, ...]], ...] = ()

    def space(self, protocol: str) -> tuple[Hyperparameter, ...] | None:
        """The declared hyperparameters under ``protocol``, or None."""
        return dict(self.spaces).get(protocol)

    def settings(self) -> dict[str, Any]:
        """What a study of the optimizer stores of it, for the report."""
        found: dict[str, Any] = {"name": self.name}
        if self.includes:
            found["includes"] = [inclusion.settings() for inclusion in self.includes]
        return found


def default_declaration(optimizer: str) -> OptimizerDeclaration | None:
    """The declaration of an optimizer given by import path and declared nowhere (its class
    name, nothing else); None for a registered name, which needs none."""
    from optbench import optimizers

    if not is_import_path(optimizer):
        return None
    return OptimizerDeclaration(optimizers.resolve(optimizer), optimizers.display_name(optimizer))


def _name(optimizer: str, data: Mapping, where: str) -> str:
    from optbench import optimizers

    name = data.get("name", optimizers.display_name(optimizer))
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or "/" in name:
        expected = f"a name of at most {MAX_NAME} characters without '/'"
        raise InvalidParameterError(f"{where}.name", name, expected)
    return name


def _first_pass(optimizer: str, data: Any, where: str) -> OptimizerDeclaration:
    """Everything but the inclusions, which need the other declarations."""
    from optbench.optimizers.arguments import hyperparameters_with, parse_arguments

    if not isinstance(data, Mapping):
        raise InvalidParameterError(where, data, f"a mapping of {', '.join(KEYS)}")
    for key in data:
        if key not in KEYS:
            raise unknown_name(f"{where}.{key}", str(key), KEYS)
    arguments = parse_arguments(data["arguments"], f"{where}.arguments") if (
        "arguments" in data) else ()  # fmt: skip
    try:
        hyperparameters_with(optimizer, arguments)
    except InvalidParameterError as error:
        raise error.renamed(f"{where}.{error.parameter}") from None
    bounds = parse_bounds(data["bounds"], f"{where}.bounds") if "bounds" in data else ()
    spaces = data.get("spaces", {})
    if not isinstance(spaces, Mapping):
        raise InvalidParameterError(f"{where}.spaces", spaces, "a mapping protocol -> space")
    parsed = tuple(
        (str(protocol), _hyperparameters(f"{where}.spaces.{protocol}", hyperparameters))
        for protocol, hyperparameters in spaces.items()
    )
    return OptimizerDeclaration(optimizer, _name(optimizer, data, where), arguments, bounds,
                                spaces=parsed)  # fmt: skip


def parse_declarations(
    data: Any, optimizers: Sequence[str], base: str | None = None
) -> dict[str, OptimizerDeclaration]:
    """The declaration of every optimizer of an experiment given by import path (declared or
    not), from its ``declarations`` field; ``optimizers`` are canonical names, ``base`` is
    where relative file paths are taken from. Names shown must differ. A declaration of an
    optimizer the experiment does not compare is checked and left out (so that a run can pick
    some of a file's optimizers), but lends its name and arguments to inclusions of it."""
    from optbench import optimizers as registry
    from optbench.optimizers.declared_inclusions import parse_includes

    if not isinstance(data, Mapping):
        raise InvalidParameterError("declarations", data, "a mapping optimizer -> declaration")
    given: dict[str, tuple[str, Any]] = {}
    for key, value in data.items():
        optimizer = registry.resolve(key, base, f"declarations.{key}")
        if not is_import_path(optimizer):
            raise InvalidParameterError(f"declarations.{key}", key, "an optimizer given by "
                                        "import path (the registered ones need none)")  # fmt: skip
        given[optimizer] = (f"declarations.{key}", value)
    found = {o: _first_pass(o, value, where) for o, (where, value) in given.items()}
    for optimizer in optimizers:
        if optimizer not in found and is_import_path(optimizer):
            found[optimizer] = default_declaration(optimizer)
    shown = {o: found[o].name if o in found else o for o in optimizers}
    for optimizer, name in shown.items():
        others = [o for o, n in shown.items() if n == name and o != optimizer]
        if others or (name != optimizer and name in registry.available()):
            where = given.get(optimizer, (f"declarations.{optimizer}",))[0]
            expected = "a name no other optimizer of the experiment has (give another: name: ...)"
            raise InvalidParameterError(f"{where}.name", name, expected)
    arguments_of = {o: d.arguments for o, d in found.items()}
    names = {**{o: d.name for o, d in found.items()}, **shown}
    for optimizer, (where, value) in given.items():
        if "includes" in value:
            includes = parse_includes(
                optimizer, value["includes"], general_arguments=found[optimizer].arguments,
                arguments_of=arguments_of, names=names, base=base, parameter=f"{where}.includes",
            )  # fmt: skip
            found[optimizer] = _replace(found[optimizer], includes=includes)
    return {o: d for o, d in found.items() if o in optimizers}


def _replace(declaration: OptimizerDeclaration, **changes: Any) -> OptimizerDeclaration:
    import dataclasses

    return dataclasses.replace(declaration, **changes)


def _widest_lr(protocol: Protocol) -> Hyperparameter | None:
    """The widest learning-rate range of a protocol whose every space searches ``lr`` alone
    (on a log scale); None for any other protocol."""
    ranges = []
    for space in protocol.spaces.values():
        searched = [h for h in space.hyperparameters if h.searched]
        if len(searched) != 1 or searched[0].name != "lr" or searched[0].scale != "log":
            return None
        ranges.append(searched[0])
    low, high = min(h.low for h in ranges), max(h.high for h in ranges)
    return Hyperparameter("lr", "log", low, high)


def space_for(
    protocol: Protocol,
    optimizer: str,
    declaration: OptimizerDeclaration | None = None,
    base_lr: float | None = None,
) -> SearchSpace:
    """The space of ``optimizer`` under ``protocol``, its learning rates scaled to a workload's
    ``base_lr`` (module docstring)."""
    from optbench import optimizers

    optimizer = optimizers.resolve(optimizer)
    if optimizer in protocol.spaces:
        return protocol.space(optimizer, base_lr)
    first = next(iter(protocol.spaces.values()))
    declared = declaration.space(protocol.name) if declaration is not None else None
    shared = (first.schedule, first.schedule_hyperparameters, first.workload_hyperparameters)
    extra = (declaration.arguments, declaration.bounds) if declaration is not None else ()
    if declared is not None:
        where = f"declarations.{optimizer}.spaces.{protocol.name}"
        try:
            space = SearchSpace(optimizer, declared, *shared, *extra)
        except InvalidParameterError as error:
            field = error.parameter.removeprefix("hyperparameters.")
            raise InvalidParameterError(f"{where}.{field}", error.value, error.expected) from None
        return protocol.scaled(space, base_lr)
    lr = _widest_lr(protocol)
    known = optimizer_hyperparameters(optimizer, extra[0] if extra else ())
    if lr is not None and "lr" in known and is_import_path(optimizer):
        try:
            return protocol.scaled(SearchSpace(optimizer, (lr,), *shared, *extra), base_lr)
        except InvalidParameterError as error:  # a required hyperparameter other than lr
            reason = f" (at its defaults: {error})"
    else:
        reason = "" if lr is None or not is_import_path(optimizer) else (
            " (it has no hyperparameter lr: arguments: {its_argument: lr} names it)")  # fmt: skip
    expected = (f"an optimizer protocol {protocol.name!r} has a space for "
                f"({', '.join(protocol.spaces)}){reason}: {HOW_TO_GIVE_A_SPACE}")
    raise InvalidParameterError(f"optimizer of protocol {protocol.name!r}", optimizer, expected)
