"""Tuning protocols: a search space per optimizer, a sampler, a number of trials, a schedule.

The presets (docs/method.md, section 6.1) ship as YAML files in ``optbench/tuning/presets``
(``lr-grid``, ``lr-only``, ``lr-schedule``, ``full``); ``docs/protocols.md`` gives every range
and why. A protocol file has one schedule for all optimizers and a ``spaces`` mapping from
optimizer to its hyperparameters, in the form of :class:`~optbench.tuning.spaces.SearchSpace` YAML.
An optimizer is a registered name or an import path (``torch.optim.AdamW``, ``./lion.py:Lion``,
a file relative to the protocol file); a space that declares how its constructor's arguments
are built or its hyperparameters' bounds takes the full form::

    spaces:
      torch.optim.AdamW:
        hyperparameters: {lr: {scale: log, low: 1.0e-5, high: 0.1}, beta1: 0.9}
        arguments: {betas: [beta1, beta2]}
        bounds: {beta1: {low: 0.0, high: 1.0, open_high: true}}

Learning-rate ranges are written for a workload whose base learning rate is the file's
``base_lr`` and are multiplied by ``base_lr / file base_lr`` for another workload; a protocol
with ``base_lr: null`` (``lr-grid``) is absolute and never scaled.

>>> list_protocols()
['lr-grid', 'lr-only', 'lr-schedule', 'full']
>>> space = load_preset("full", "adam", base_lr=0.05)  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from optbench import yamlio
from optbench.errors import InvalidParameterError, check_int, check_positive, unknown_name
from optbench.imports import is_import_path
from optbench.limits import MAX_TRIALS
from optbench.tuning import samplers
from optbench.tuning.spaces import SearchSpace

PRESET_ORDER = ("lr-grid", "lr-only", "lr-schedule", "full")
_KEYS = ("name", "description", "sampler", "trials", "base_lr", "schedule", "workload", "spaces")
FULL_FORM = ("hyperparameters", "arguments", "bounds")
#: What an error about a missing space tells the user.
HOW_TO_GIVE_A_SPACE = (
    "give its space under spaces: in a protocol file, or under declarations: <optimizer>: "
    "spaces: <protocol>: in the experiment (docs/own-optimizer.md)"
)


@dataclass(frozen=True)
class Protocol:
    """A protocol: ``spaces`` maps an optimizer name to its space (learning rates as written,
    for a workload with base learning rate ``base_lr``; None when not to be scaled)."""

    name: str
    description: str
    sampler: str
    trials: int
    base_lr: float | None
    spaces: dict[str, SearchSpace]

    def space(self, optimizer: str, base_lr: float | None = None) -> SearchSpace:
        """The space of ``optimizer``, its learning rates scaled to a workload's ``base_lr``."""
        if is_import_path(optimizer):
            from optbench import optimizers

            optimizer = optimizers.resolve(optimizer)
        if optimizer not in self.spaces:
            known = unknown_name("", optimizer, self.spaces).expected
            raise InvalidParameterError(f"optimizer of protocol {self.name!r}", optimizer,
                                        f"{known}; {HOW_TO_GIVE_A_SPACE}")  # fmt: skip
        return self.scaled(self.spaces[optimizer], base_lr)

    def scaled(self, space: SearchSpace, base_lr: float | None) -> SearchSpace:
        """``space``, written for this protocol's ``base_lr``, scaled to a workload's."""
        if base_lr is None or self.base_lr is None:
            return space
        check_positive("base_lr", base_lr)
        return space.scaled(base_lr / self.base_lr)

    def sampler_for(self, optimizer: str, seed: int = 0, base_lr: float | None = None):
        """The protocol's sampler over ``optimizer``'s space for a study with ``seed``."""
        space = self.space(optimizer, base_lr)
        return samplers.make(self.sampler, space, seed, size=self.trials)

    def describe(self) -> str:
        """The protocol's header and the table of every optimizer's space."""
        scaled = "absolute" if self.base_lr is None else f"for base_lr {self.base_lr:g}"
        head = (
            f"protocol {self.name}: {self.description}\n"
            f"  sampler {self.sampler}, {self.trials} trials, learning rates {scaled}"
        )
        return "\n\n".join([head, *(space.describe() for space in self.spaces.values())])

    @classmethod
    def from_yaml(cls, text: str, source: str = "<string>", base: str | None = None) -> Protocol:
        """The protocol a YAML document describes; errors name the field and its line. A
        relative file path of an optimizer is taken from ``base`` (the working directory)."""
        data, lines = yamlio.parse(text, source)
        try:
            return cls._from_data(data, lines, source, base)
        except InvalidParameterError as error:
            raise yamlio.located(error, lines, source) from None

    @classmethod
    def _from_data(cls, data: Any, lines: dict, source: str, base: str | None) -> Protocol:
        if not isinstance(data, dict):
            raise InvalidParameterError("protocol", data, "a mapping")
        for key in data:
            if key not in _KEYS:
                raise unknown_name(str(key), str(key), _KEYS)
        for key in ("name", "sampler", "trials", "spaces"):
            if key not in data:
                raise InvalidParameterError.required(key, "a protocol")
        for key in ("name", "description"):
            if not isinstance(data.get(key, ""), str):
                raise InvalidParameterError(key, data[key], "a string")
        trials, base_lr = data["trials"], data.get("base_lr")
        check_int("trials", trials, 1, MAX_TRIALS)
        if base_lr is not None:
            check_positive("base_lr", base_lr)
        samplers.SAMPLERS.get(data["sampler"])  # raises with the close matches
        if not isinstance(data["spaces"], dict) or not data["spaces"]:
            raise InvalidParameterError("spaces", data["spaces"], "a mapping optimizer -> space")
        spaces = {}
        for optimizer, entry in data["spaces"].items():
            space_data = {
                "optimizer": optimizer,
                **space_entry(entry),
                "schedule": data.get("schedule", {"name": "constant"}),
                **({"workload": data["workload"]} if "workload" in data else {}),
            }
            try:
                if is_import_path(optimizer):
                    from optbench import optimizers

                    space_data["optimizer"] = optimizers.resolve(optimizer, base)
                space = SearchSpace.from_data(space_data)
                if space.optimizer in spaces:
                    expected = f"one space per optimizer ({space.optimizer} is given twice)"
                    raise InvalidParameterError("optimizer", optimizer, expected)
                spaces[space.optimizer] = space
                if data["sampler"] == "grid":
                    samplers.make("grid", space, size=trials)
            except InvalidParameterError as error:
                raise yamlio.located(error, lines, source, _protocol_path(optimizer)) from None
        return cls(
            data["name"],
            data.get("description", ""),
            data["sampler"],
            trials,
            base_lr,
            spaces,
        )


def space_entry(entry: Any) -> dict[str, Any]:
    """The fields of a space from a ``spaces:`` entry: the mapping of hyperparameters, or the
    full form with ``hyperparameters`` and ``arguments`` or ``bounds`` (module docstring)."""
    if isinstance(entry, dict) and "hyperparameters" in entry and set(entry) <= set(FULL_FORM):
        return dict(entry)
    return {"hyperparameters": entry}


def _protocol_path(optimizer: str):
    """Where a space's field lives in a protocol file: ``spaces.<optimizer>.<name>...`` for its
    hyperparameters, at the top for the shared schedule, ``trials`` for the grid's size."""

    def rename(parameter: str) -> str:
        if parameter.startswith("hyperparameters."):
            return f"spaces.{optimizer}.{parameter[len('hyperparameters.') :]}"
        if parameter.split(".")[0] in ("arguments", "bounds"):
            return f"spaces.{optimizer}.{parameter}"
        if parameter in ("optimizer", "hyperparameters"):
            return f"spaces.{optimizer}"
        return "trials" if parameter == "size" else parameter

    return rename


def _preset_files() -> dict[str, Any]:
    folder = resources.files("optbench.tuning") / "presets"
    found = {p.name[: -len(".yaml")]: p for p in folder.iterdir() if p.name.endswith(".yaml")}
    order = [n for n in PRESET_ORDER if n in found] + sorted(set(found) - set(PRESET_ORDER))
    return {name: found[name] for name in order}


def list_protocols() -> list[str]:
    """The names of the shipped protocol presets, from the narrowest to the fullest."""
    return list(_preset_files())


def is_protocol_file(name: str | Path) -> bool:
    """Whether ``name`` names a protocol file rather than a preset: a Path, or a name that ends
    in ``.yaml`` or ``.yml`` or holds a ``/``. A preset name is never looked up on disk, so a
    file that happens to be called ``full`` cannot take the place of the preset."""
    text = str(name)
    return isinstance(name, Path) or text.endswith((".yaml", ".yml")) or "/" in text


def load_protocol(name: str | Path) -> Protocol:
    """A shipped preset by name, or the protocol YAML file at a path (see
    :func:`is_protocol_file`); a file that cannot be read is an error naming its path."""
    if is_protocol_file(name):
        source = os.path.expanduser(name)
        text = yamlio.read_file(source, "protocol")
        return Protocol.from_yaml(text, source=source, base=os.path.dirname(source) or None)
    return _load_preset_file(str(name))


@functools.cache
def _load_preset_file(name: str) -> Protocol:
    files = _preset_files()
    if name not in files:
        raise unknown_name("protocol", name, files)
    return Protocol.from_yaml(files[name].read_text(), source=f"presets/{name}.yaml")


def load_preset(protocol: str, optimizer: str, base_lr: float | None = None) -> SearchSpace:
    """The search space of ``optimizer`` under ``protocol``, its learning-rate ranges scaled to
    a workload whose base learning rate is ``base_lr`` (None: as written)."""
    return load_protocol(protocol).space(optimizer, base_lr)


def describe_protocols() -> str:
    """One line per shipped protocol: name, sampler, trials, description."""
    rows = [load_protocol(name) for name in list_protocols()]
    width = max(len(p.name) for p in rows)
    return "\n".join(
        f"{p.name:<{width}}  {p.sampler:<11}  {p.trials:>4} trials  {p.description}" for p in rows
    )
