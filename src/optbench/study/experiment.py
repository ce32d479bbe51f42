"""Experiment files: which workloads, optimizers and protocols to compare, and how to run them.

    # experiments/fmnist_mlp_demo.yaml
    workloads: [fmnist_mlp_cpu]
    optimizers: [sgd, momentum, adam]
    protocols: [lr-only, full]
    two_stage: [full]   # full runs in two stages: initial studies, refine, final studies
    initial_trials: 16  # per initial study (default: trials)
    trials: 16          # per study (default: the protocol's)
    seeds: 1            # replicates of every point
    budget: 600         # steps (default: the workload's)
    executor: processes
    workers: 2          # or, on CUDA, trials_per_gpu: 4 (docs/running.md, "Filling a GPU")

An optimizer is a registered name or an import path (``torch.optim.AdamW``, ``./lion.py:Lion``,
a file relative to the experiment file); ``declarations`` says what optbench cannot read from
such an optimizer's class: its name in reports, how its constructor's arguments are built, its
bounds, its inclusions and its spaces (:mod:`optbench.tuning.declarations`).

An experiment is every (workload, optimizer, protocol) combination, one study each (two, an
initial and a final one, for a protocol in ``two_stage``: docs/running.md). Files are
checked field by field; an error names the field, the value, what is allowed and the line.
Nothing is converted on the way: ``true`` is not the number 1, ``"3"`` is not 3, 2.0 is not 2;
every integer lies within its bound in :mod:`optbench.limits`; a name is listed once; and a path
(``data_path``, a protocol file) is used as given or refused, never replaced by another place or
by a preset of the same name.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from optbench import executors, optimizers, workloads, yamlio
from optbench.errors import InvalidParameterError, check_int, unknown_name
from optbench.executors import ExecutorSettings
from optbench.executors.placement import check_gpus_per_trial
from optbench.imports import is_import_path
from optbench.limits import INTEGER_FIELDS
from optbench.study.plan import RunOptions, Stage, StudyPlan, check_queued
from optbench.study.trial import check_precision
from optbench.tuning import protocols, samplers
from optbench.tuning.declarations import OptimizerDeclaration, parse_declarations, space_for

LOOKUPS = {  # field -> the lookup that raises, naming the close matches, for an unknown name
    "workloads": workloads.create,
    "optimizers": optimizers.resolve,
    "protocols": protocols.load_protocol,
    "sampler": samplers.SAMPLERS.get,
    "executor": executors.EXECUTORS.get,
}


class Experiment(BaseModel):
    """A comparison: the product of workloads x optimizers x protocols, and how to run it."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    workloads: list[str] = Field(min_length=1)
    optimizers: list[str] = Field(min_length=1)
    protocols: list[str] = Field(default=["full"], min_length=1)
    trials: int | None = None
    seeds: int = 1
    seed: int = 0
    budget: int | None = None
    eval_every: int | None = None
    sampler: str | None = None
    precision: str = "float32"
    executor: str = "inline"
    workers: int | None = None
    max_attempts: int = 3
    threads: int | None = None
    device: str = "cpu"
    ray_address: str | None = None
    data_path: str | None = None
    two_stage: list[str] = Field(default=[])
    initial_trials: int | None = None
    declarations: dict[str, Any] = Field(default={})
    trials_per_gpu: int | None = None
    gpus_per_trial: float | None = None

    @field_validator(*INTEGER_FIELDS, mode="before")
    @classmethod
    def _bounded(cls, value: object, info: ValidationInfo) -> int | None:
        minimum, maximum = INTEGER_FIELDS[info.field_name]
        optional = cls.model_fields[info.field_name].default is None
        return check_int(info.field_name, value, minimum, maximum, optional=optional)

    @field_validator("workloads", "optimizers", "protocols", "sampler", "executor")
    @classmethod
    def _known(cls, names: list[str] | str | None, info: ValidationInfo) -> list[str] | str | None:
        listed = [names] if isinstance(names, str) else names or []
        for name in listed:
            LOOKUPS[info.field_name](name)
        if info.field_name == "optimizers":  # an import path as its canonical spelling
            names = listed = [optimizers.resolve(name) for name in listed]
        repeated = sorted({name for name in listed if listed.count(name) > 1})
        if repeated:
            expected = f"each name once ({repeated[0]!r} is repeated)"
            raise InvalidParameterError(info.field_name, names, expected)
        return names

    @field_validator("precision")
    @classmethod
    def _precision(cls, precision: str) -> str:
        return check_precision(precision)

    @field_validator("data_path")
    @classmethod
    def _existing(cls, path: str | None) -> str | None:
        return check_data_path(path)

    @field_validator("two_stage")
    @classmethod
    def _of_the_experiment(cls, names: list[str], info: ValidationInfo) -> list[str]:
        known = [protocols.load_protocol(p).name for p in info.data.get("protocols") or ()]
        for name in names:
            if name not in known:
                raise unknown_name("two_stage", name, known)
        return names

    @field_validator("initial_trials")
    @classmethod
    def _two_stage_only(cls, trials: int | None, info: ValidationInfo) -> int | None:
        if trials is not None and not info.data.get("two_stage"):
            raise InvalidParameterError("initial_trials", trials, "two_stage protocols to apply to")
        return trials

    @field_validator("declarations", mode="before")
    @classmethod
    def _declared(cls, data: object, info: ValidationInfo) -> dict[str, OptimizerDeclaration]:
        """Every optimizer given by import path gets its declaration (its class name, nothing
        else, where the file declares none); a declared space's protocol must be one of the
        experiment's, without a space of its own for the optimizer, or a preset."""
        if "optimizers" not in info.data or "protocols" not in info.data:
            return {}  # an earlier field is invalid: its error is the one reported
        found = parse_declarations(data, info.data["optimizers"])
        loaded = {p.name: p for p in map(protocols.load_protocol, info.data["protocols"])}
        known = [*loaded, *(p for p in protocols.list_protocols() if p not in loaded)]
        for optimizer, declaration in found.items():
            for protocol, _ in declaration.spaces:
                where = f"declarations.{optimizer}.spaces.{protocol}"
                if protocol not in known:  # a preset this run leaves out is fine
                    raise unknown_name(where, protocol, known)
                if protocol in loaded and optimizer in loaded[protocol].spaces:
                    expected = f"a protocol without a space of its own for {optimizer}"
                    raise InvalidParameterError(where, protocol, expected)
        return found

    @field_validator("trials_per_gpu")
    @classmethod
    def _gpus_to_fill(cls, trials: int | None, info: ValidationInfo) -> int | None:
        if trials is None:
            return None
        if info.data.get("executor") not in ("processes", "ray"):
            expected = "executor processes or ray (inline runs one trial at a time)"
            raise InvalidParameterError("trials_per_gpu", trials, expected)
        device = info.data.get("device", "cpu")
        if not (device.startswith("cuda") or device == "auto"):
            expected = f"device cuda, cuda:N or auto (on {device} give workers)"
            raise InvalidParameterError("trials_per_gpu", trials, expected)
        return trials

    @field_validator("gpus_per_trial", mode="before")
    @classmethod
    def _share_of_a_gpu(cls, share: object, info: ValidationInfo) -> float | None:
        if share is None:
            return None
        check_gpus_per_trial(share)
        if info.data.get("executor") != "ray":
            expected = "executor ray (the processes executor fills GPUs by trials_per_gpu)"
            raise InvalidParameterError("gpus_per_trial", share, expected)
        if info.data.get("trials_per_gpu") is not None:
            expected = "no value with trials_per_gpu (which asks for 1/trials_per_gpu each)"
            raise InvalidParameterError("gpus_per_trial", share, expected)
        return float(share)

    def run_options(self) -> RunOptions:
        """Where and how each trial runs."""
        return RunOptions(device=self.device, threads=self.threads, data_path=self.data_path)

    def executor_settings(self) -> ExecutorSettings:
        """How the executor spreads the trials."""
        return ExecutorSettings(
            self.workers, self.ray_address, self.max_attempts, self.trials_per_gpu,
            self.gpus_per_trial,
        )  # fmt: skip

    def plans(self) -> list[StudyPlan]:
        """One study plan per (workload, protocol, optimizer), in that nesting order; a plan
        its protocol cannot run (an optimizer without a space, too many trials) is refused. For
        a protocol in ``two_stage``, the plan of its initial stage (the final stage is planned
        from the initial studies' results, :mod:`optbench.study.stages`)."""
        self._check_inclusions()
        stages = {}
        for name in self.protocols:
            protocol = protocols.load_protocol(name)
            for optimizer in self.optimizers:
                space_for(protocol, optimizer, self.declarations.get(optimizer))
            check_queued(self.trials or protocol.trials, self.seeds)
            if protocol.name in self.two_stage:
                stages[name] = Stage("initial", protocol.name)
                initial = self.initial_trials or self.trials or protocol.trials
                _check_initial_trials(initial)
                check_queued(initial, self.seeds)
        return [
            StudyPlan(
                workload=w,
                optimizer=o,
                protocol=p,
                trials=(self.initial_trials or self.trials) if p in stages else self.trials,
                seeds=self.seeds,
                seed=self.seed,
                budget=self.budget,
                eval_every=self.eval_every,
                sampler=self.sampler,
                precision=self.precision,
                stage=stages.get(p),
                declaration=self.declarations.get(o),
            )
            for w in self.workloads
            for p in self.protocols
            for o in self.optimizers
        ]


    def _check_inclusions(self) -> None:
        """Every declared inclusion holds on a small model (a claim that does not would make
        the report's verdicts on it meaningless), checked before anything is stored."""
        from optbench.optimizers.inclusion_check import check_inclusion

        for optimizer, declaration in self.declarations.items():
            for inclusion in declaration.includes:
                result = check_inclusion(inclusion)
                if not result.holds:
                    where = f"declarations.{optimizer}.includes.{inclusion.special}"
                    expected = f"a map that holds on a small model, but {result.describe()}"
                    raise InvalidParameterError(where, inclusion.note, expected)


def check_data_path(path: str | None) -> str | None:
    """``path`` if None or something is there: a data path the user gives is used as given
    (no other place is searched), so one that does not exist is refused before any work."""
    if path is not None and not os.path.exists(os.path.expanduser(path)):
        expected = "an existing directory or file (no such file or directory)"
        raise InvalidParameterError("data_path", path, expected)
    return path


def _check_initial_trials(trials: int) -> None:
    """An initial study gives refine the points it needs (``RefineRule.min_points``)."""
    from optbench.tuning.refine import RefineRule

    needed = RefineRule().min_points
    if trials < needed:
        raise InvalidParameterError(
            "initial_trials", trials, f"at least {needed}: refine needs {needed} finished points"
        )


def _first_error(error: ValidationError) -> InvalidParameterError:
    """Pydantic's first complaint as one InvalidParameterError naming the field."""
    detail = error.errors()[0]
    field = ".".join(str(part) for part in detail["loc"]) or "experiment"
    context = detail.get("ctx", {}).get("error")
    if isinstance(context, InvalidParameterError):  # raised by a validator above
        if context.source is not None:  # in a protocol file: its own field and line
            return context
        if context.parameter.startswith(f"{field}."):  # a field within it (declarations)
            field = context.parameter
        return InvalidParameterError(field, context.value, context.expected,
                                     missing=context.missing)  # fmt: skip
    if detail["type"] == "extra_forbidden":
        return unknown_name("experiment field", field, Experiment.model_fields)
    expected = detail["msg"].lower().replace("input should be ", "")
    return InvalidParameterError(field, detail.get("input"), expected)


def from_data(data: object) -> Experiment:
    """An experiment from plain data (e.g. merged command-line flags)."""
    try:
        return Experiment.model_validate(data)
    except ValidationError as error:
        raise _first_error(error) from None


def read(path: str | Path) -> tuple[dict, dict]:
    """The plain data of an experiment file and the line of each field in it."""
    data, lines = yamlio.parse(yamlio.read_file(path, "experiment"), str(path))
    if not isinstance(data, dict):
        raise InvalidParameterError("experiment", str(path), "a YAML mapping of fields")
    return data, lines


def _beside(experiment_path: Path, protocol: object) -> object:
    """A protocol file named in an experiment file, relative to that file's folder (whether
    or not it is there: a missing file is an error naming this path, never another file)."""
    if isinstance(protocol, str) and protocols.is_protocol_file(protocol):
        return str(experiment_path.parent / Path(protocol).expanduser())
    return protocol


def _optimizer_beside(experiment_path: Path, optimizer: object) -> object:
    """An optimizer's Python file named in an experiment file, relative to that file's folder;
    any other name as it is."""
    from optbench.imports import canonical

    if isinstance(optimizer, str) and is_import_path(optimizer) and ".py:" in optimizer:
        try:
            return canonical(optimizer, experiment_path.parent, "optimizers")
        except InvalidParameterError:  # malformed: refused, with its field, by the validation
            return optimizer
    return optimizer


def _optimizers_beside(experiment_path: Path, data: dict, lines: dict) -> dict:
    """Every file path of an optimizer in the experiment file's ``data`` (its list, the keys
    of its declarations and of their inclusions) made relative to the file's folder; the
    ``lines`` of the file's fields, with those keys spelled so."""
    if isinstance(data.get("optimizers"), list):
        data["optimizers"] = [_optimizer_beside(experiment_path, o) for o in data["optimizers"]]
    declarations = data.get("declarations")
    if not isinstance(declarations, dict):
        return lines
    renamed = {}
    for key in list(declarations):
        value = declarations.pop(key)
        if isinstance(value, dict) and isinstance(value.get("includes"), dict):
            includes = {}
            for special, found in value["includes"].items():
                renamed[special] = _optimizer_beside(experiment_path, special)
                includes[renamed[special]] = found
            value = {**value, "includes": includes}
        renamed[key] = _optimizer_beside(experiment_path, key)
        declarations[renamed[key]] = value
    return {tuple(renamed.get(p, p) for p in path): line for path, line in lines.items()}


def load(path: str | Path, **overrides: object) -> Experiment:
    """The experiment in a YAML file, fields in ``overrides`` replaced; errors name the field
    and its line. Protocol files the file names are found beside it, those in ``overrides``
    (flags) from the working directory."""
    data, lines = read(path)
    if isinstance(data.get("protocols"), list):
        data["protocols"] = [_beside(Path(path), name) for name in data["protocols"]]
    lines = _optimizers_beside(Path(path), data, lines)
    data = {**data, **overrides}
    try:
        return from_data(data)
    except InvalidParameterError as error:
        if error.source is not None:  # already located, in a protocol file
            raise
        raise yamlio.located(error, lines, str(path)) from None
