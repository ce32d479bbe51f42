"""A workload as a small declarative spec: data and task, model, batch size, budget,
evaluation cadence, target and base learning rate, plus the overrides of its ``cpu`` variant."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch
from torch import nn

from optbench.errors import InvalidParameterError, check_int, is_number, unknown_name
from optbench.target_metrics import DEFAULT_TARGET_METRIC, target_metric


class Problem(Protocol):
    """What the runner needs from one trial's data (see ``classification``, ``language``)."""

    info: dict[str, Any]  # keyword arguments for the model factory

    def next_batch(self) -> Any: ...
    def train_loss(self, model: nn.Module, batch: Any) -> torch.Tensor: ...
    def evaluate(self, model: nn.Module, split: str) -> tuple[float, float]: ...


class Task(Protocol):
    """Data, splits, loss and metrics: builds a :class:`Problem` for one trial."""

    dataset: str

    def problem(
        self, batch_size: int, seed: int, device: torch.device, data_path: str | None = None
    ) -> Problem: ...


#: Fields of a task that a search space may tune as workload hyperparameters.
TASK_HYPERPARAMETERS = ("l2", "label_smoothing")


@dataclass(frozen=True)
class WorkloadSpec:
    """Everything that defines a workload except the optimizer.

    ``target`` is the value of ``target_metric`` that steps-to-target counts to (None: no
    target): by default ``"validation_error"``, an error rate in (0, 1); or
    ``"validation_loss"``, a positive cross entropy (nats), for workloads whose paper target
    is a loss, like the Transformer language model's (:mod:`optbench.target_metrics`).
    ``base_lr`` is a learning rate known to train this workload reasonably with plain
    momentum; protocol presets scale their learning-rate ranges by it. ``cpu`` holds the
    field overrides of the ``<name>_cpu`` variant (a budget a 2-core CPU can afford).
    """

    name: str
    task: Task
    model: Callable[..., nn.Module]
    batch_size: int
    budget: int
    eval_every: int
    target: float | None
    base_lr: float
    model_args: Mapping[str, Any] = field(default_factory=dict)
    cpu: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    target_metric: str = DEFAULT_TARGET_METRIC

    def __post_init__(self) -> None:
        for name in ("batch_size", "budget", "eval_every"):
            value = getattr(self, name)
            check_int(name, value, 1)
        if not self.base_lr > 0:
            raise InvalidParameterError("base_lr", self.base_lr, "a positive number")
        target_metric(self.target_metric).check(self.target)

    def replace(self, **overrides: Any) -> WorkloadSpec:
        """A copy with some fields changed; unknown fields raise."""
        names = {f.name for f in dataclasses.fields(self)}
        for key in overrides:
            if key not in names:
                raise InvalidParameterError("override", key, f"a field of WorkloadSpec: {names}")
        return dataclasses.replace(self, **overrides)

    def cpu_variant(self) -> WorkloadSpec:
        """The ``<name>_cpu`` variant: this spec with the ``cpu`` overrides applied."""
        return self.replace(name=f"{self.name}_cpu", cpu={}, **self.cpu)

    def hyperparameters(self) -> dict[str, float]:
        """The workload's own hyperparameters a search space may tune, with their values here:
        the regularisation of its task (:data:`TASK_HYPERPARAMETERS` it has) and every
        number among its ``model_args`` that is a rate (a dropout's)."""
        found = {
            name: float(getattr(self.task, name))
            for name in TASK_HYPERPARAMETERS
            if isinstance(getattr(self.task, name, None), (int, float))
        }
        found.update(
            {k: float(v) for k, v in self.model_args.items() if k.endswith("dropout")}
        )
        return found

    def with_hyperparameters(self, values: Mapping[str, Any]) -> WorkloadSpec:
        """This workload with some of its own hyperparameters (:meth:`hyperparameters`)
        changed; an unknown name raises, listing the known ones."""
        known = self.hyperparameters()
        task, model_args = {}, dict(self.model_args)
        for name, value in values.items():
            if name not in known:
                raise unknown_name(f"hyperparameter of workload {self.name!r}", name, known)
            if not is_number(value):
                raise InvalidParameterError(f"workload.{name}", value, "a number")
            if name.endswith("dropout") and not 0 <= value < 1:
                raise InvalidParameterError(f"workload.{name}", value, "a dropout rate in [0, 1)")
            if name in TASK_HYPERPARAMETERS:
                task[name] = value
            else:
                model_args[name] = value
        if not values:
            return self
        return self.replace(task=dataclasses.replace(self.task, **task), model_args=model_args)

    def build_model(self, info: Mapping[str, Any]) -> nn.Module:
        """A fresh model for data described by ``info`` (initialised from torch's global RNG)."""
        return self.model(**info, **self.model_args)
