"""Experiment files: which workloads, optimizers and protocols to compare, and how to run them.

    # experiments/fmnist_mlp_demo.yaml
    workloads: [fmnist_mlp_cpu]
    optimizers: [sgd, momentum, adam]
    protocols: [lr-only, full]
    trials: 16          # per study (default: the protocol's)
    seeds: 1            # replicates of every point
    budget: 600         # steps (default: the workload's)
    executor: processes
    workers: 2

An experiment is every (workload, optimizer, protocol) combination, one study each. Files are
checked field by field; an error names the field, the value, what is allowed and the line.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from optbench import executors, optimizers, workloads, yamlio
from optbench.errors import InvalidParameterError, unknown_name
from optbench.executors import ExecutorSettings
from optbench.study.plan import RunOptions, StudyPlan
from optbench.tuning import protocols, samplers

LOOKUPS = {  # field -> the lookup that raises, naming the close matches, for an unknown name
    "workloads": workloads.create,
    "optimizers": optimizers.get,
    "protocols": protocols.load_protocol,
    "sampler": samplers.SAMPLERS.get,
    "executor": executors.EXECUTORS.get,
}


class Experiment(BaseModel):
    """A comparison: the product of workloads x optimizers x protocols, and how to run it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    workloads: list[str] = Field(min_length=1)
    optimizers: list[str] = Field(min_length=1)
    protocols: list[str] = Field(default=["full"], min_length=1)
    trials: int | None = Field(default=None, ge=1)
    seeds: int = Field(default=1, ge=1)
    seed: int = Field(default=0, ge=0)
    budget: int | None = Field(default=None, ge=1)
    eval_every: int | None = Field(default=None, ge=0)
    sampler: str | None = None
    executor: str = "inline"
    workers: int = Field(default=2, ge=1)
    max_attempts: int = Field(default=3, ge=1)
    threads: int | None = Field(default=None, ge=1)
    device: str = "cpu"
    ray_address: str | None = None
    data_path: str | None = None

    @field_validator("workloads", "optimizers", "protocols", "sampler", "executor")
    @classmethod
    def _known(cls, names: list[str] | str | None, info: ValidationInfo) -> list[str] | str | None:
        for name in [names] if isinstance(names, str) else names or ():
            LOOKUPS[info.field_name](name)
        return names

    def run_options(self) -> RunOptions:
        """Where and how each trial runs."""
        return RunOptions(device=self.device, threads=self.threads, data_path=self.data_path)

    def executor_settings(self) -> ExecutorSettings:
        """How the executor spreads the trials."""
        return ExecutorSettings(self.workers, self.ray_address, self.max_attempts)

    def plans(self) -> list[StudyPlan]:
        """One study plan per (workload, protocol, optimizer), in that nesting order."""
        for protocol in self.protocols:
            spaces = protocols.load_protocol(protocol).spaces
            for name in self.optimizers:
                if name not in spaces:
                    raise unknown_name(f"optimizer of protocol {protocol!r}", name, spaces)
        return [
            StudyPlan(
                workload=w,
                optimizer=o,
                protocol=p,
                trials=self.trials,
                seeds=self.seeds,
                seed=self.seed,
                budget=self.budget,
                eval_every=self.eval_every,
                sampler=self.sampler,
            )
            for w in self.workloads
            for p in self.protocols
            for o in self.optimizers
        ]


def _first_error(error: ValidationError) -> InvalidParameterError:
    """Pydantic's first complaint as one InvalidParameterError naming the field."""
    detail = error.errors()[0]
    field = ".".join(str(part) for part in detail["loc"]) or "experiment"
    context = detail.get("ctx", {}).get("error")
    if isinstance(context, InvalidParameterError):  # raised by a validator above
        return InvalidParameterError(field, context.value, context.expected)
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
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        expected = f"a readable YAML file ({error.strerror})"
        raise InvalidParameterError("experiment", str(path), expected) from None
    data, lines = yamlio.parse(text, str(path))
    if not isinstance(data, dict):
        raise InvalidParameterError("experiment", str(path), "a YAML mapping of fields")
    return data, lines


def _beside(experiment_path: Path, protocol: object) -> object:
    """A protocol file named relative to the experiment file, when it is there."""
    if isinstance(protocol, str) and protocol.endswith((".yaml", ".yml")):
        candidate = experiment_path.parent / protocol
        if not Path(protocol).is_absolute() and candidate.is_file():
            return str(candidate)
    return protocol


def load(path: str | Path, **overrides: object) -> Experiment:
    """The experiment in a YAML file, fields in ``overrides`` replaced; errors name the field
    and its line."""
    data, lines = read(path)
    data = {**data, **overrides}
    if isinstance(data.get("protocols"), list):  # protocol files are found beside the experiment
        data["protocols"] = [_beside(Path(path), name) for name in data["protocols"]]
    try:
        return from_data(data)
    except InvalidParameterError as error:
        raise yamlio.located(error, lines, str(path)) from None
