"""A trial and its result as plain frozen data: they pickle, travel to workers and map to rows.

A :class:`Trial` names everything a training run depends on (workload, optimizer and its
hyperparameters, schedule, seed, budget, cadence, device, threads); :func:`optbench.study.
runner.run_trial` turns one into a :class:`TrialResult`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from optbench.errors import InvalidParameterError, check_int, is_number
from optbench.limits import INTEGER_FIELDS
from optbench.target_metrics import target_metric

COMPLETED, DIVERGED = "completed", "diverged"
METRICS = (
    "train_loss",
    "validation_loss",
    "validation_error",
    "test_loss",
    "test_error",
    "seconds",
)


#: Arithmetic a trial may use: plain float32 (the paper's comparisons, the default; TF32 off
#: on CUDA), TF32 matrix products on CUDA, or bfloat16 autocast of the forward pass.
PRECISIONS = ("float32", "tf32", "bfloat16")


def check_precision(precision: object) -> str:
    """``precision`` if it is one of :data:`PRECISIONS`."""
    if precision not in PRECISIONS:
        raise InvalidParameterError("precision", precision, f"one of {', '.join(PRECISIONS)}")
    return precision


DEVICE_FORM = re.compile(r"cpu|auto|mps|cuda(:[0-9]{1,4})?")


def check_device(name: object, *, present: bool = False) -> str:
    """``name`` if it is a device optbench knows (``cpu``, ``cuda``, ``cuda:N``, ``mps`` or
    ``auto``) and, with ``present``, one this machine has; otherwise the error saying why."""
    if not isinstance(name, str) or not DEVICE_FORM.fullmatch(name):
        raise InvalidParameterError("device", name, "cpu, cuda, cuda:N, mps or auto")
    if present and name.startswith("cuda"):
        import torch

        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        index = int(name.partition(":")[2] or 0)
        if index >= count:
            have = f"{count} CUDA device(s)" if count else "no CUDA device (no GPU or a CPU torch)"
            raise InvalidParameterError("device", name, f"a device of this machine: it has {have}")
    if present and name == "mps" and not _mps_available():
        raise InvalidParameterError("device", name, "a device of this machine: it has no MPS")
    return name


def _mps_available() -> bool:
    import torch

    return torch.backends.mps.is_available()


@dataclass(frozen=True)
class Trial:
    """One training run at one hyperparameter point and one seed.

    ``budget`` and ``eval_every`` default (None) to the workload's; ``eval_every=0``
    evaluates only after the last step. ``device`` is "cpu", "cuda", "cuda:N" or "auto" (CUDA
    when present). ``threads`` is the number of torch intra-op threads (None: every core this
    process may use). ``data_path`` points at the data when it is not where discovery looks.
    ``workload_params`` sets the workload's own hyperparameters (its regularisation,
    ``WorkloadSpec.with_hyperparameters``); ``precision`` is one of :data:`PRECISIONS`.
    ``optimizer`` is a registered name or an import path, which the runner imports in whatever
    process runs the trial; ``hparams`` are its constructor's keyword arguments.
    """

    workload: str
    optimizer: str
    hparams: Mapping[str, float]
    schedule: str = "constant"
    schedule_params: Mapping[str, Any] = field(default_factory=dict)
    workload_params: Mapping[str, float] = field(default_factory=dict)
    seed: int = 0
    budget: int | None = None
    eval_every: int | None = None
    device: str = "cpu"
    threads: int | None = None
    data_path: str | None = None
    precision: str = "float32"

    def __post_init__(self) -> None:
        object.__setattr__(self, "hparams", dict(self.hparams))
        object.__setattr__(self, "schedule_params", dict(self.schedule_params))
        object.__setattr__(self, "workload_params", dict(self.workload_params))
        check_precision(self.precision)
        check_int("seed", self.seed)
        for name in ("budget", "eval_every", "threads"):
            check_int(name, getattr(self, name), *INTEGER_FIELDS[name], optional=True)
        for name, value in self.hparams.items():  # a tuple is an argument assembled from numbers
            if isinstance(value, list):
                value = self.hparams[name] = tuple(value)
            if not (is_number(value) or isinstance(value, bool) or (
                    isinstance(value, tuple) and all(is_number(v) for v in value))):  # fmt: skip
                expected = "a number, a boolean or a tuple of numbers"
                raise InvalidParameterError(f"hparams[{name!r}]", value, expected)
        check_device(self.device)

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True, default=repr))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the fields (JSON-compatible)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Trial:
        """The inverse of :meth:`to_dict`."""
        return cls(**row)


@dataclass(frozen=True)
class EvalPoint:
    """Measurements after ``step`` optimizer steps. ``train_loss`` is the mean training loss
    of the steps since the previous point; ``seconds`` the training time so far. The test
    split is evaluated after the last step only: ``test_loss`` and ``test_error`` are None at
    the other points."""

    step: int
    train_loss: float
    validation_loss: float
    validation_error: float
    test_loss: float | None
    test_error: float | None
    seconds: float


@dataclass(frozen=True)
class TrialResult:
    """What a trial produced. ``steps`` is the number of optimizer steps taken; a diverged
    trial stops at ``diverged_at`` (the step whose loss was not finite) and ranks as
    +inf error. Times are wall-clock seconds: ``setup`` (data, model), ``train`` (the steps
    alone) and ``eval`` (all evaluations). ``flush_denormal``: whether denormal floats were
    flushed to zero on the CPU while it trained."""

    trial: Trial
    status: str
    steps: int
    diverged_at: int | None
    curve: tuple[EvalPoint, ...]
    target: float | None
    target_metric: str
    setup_seconds: float
    train_seconds: float
    eval_seconds: float
    device: str
    threads: int
    flush_denormal: bool
    torch_version: str
    optbench_version: str

    @property
    def diverged(self) -> bool:
        return self.status == DIVERGED

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.train_seconds if self.train_seconds > 0 else math.nan

    @property
    def final_validation_error(self) -> float:
        """The validation error after the last step (+inf when diverged)."""
        return math.inf if self.diverged or not self.curve else self.curve[-1].validation_error

    @property
    def final_test_error(self) -> float:
        """The test error after the last step (+inf when diverged)."""
        return math.inf if self.diverged or not self.curve else self.curve[-1].test_error

    def measurements(self) -> list[tuple[int, str, float]]:
        """The curve as ``(step, metric, value)`` rows, metric one of :data:`METRICS` (a metric
        not measured at a point, the test split before the last step, has no row)."""
        return [
            (p.step, name, getattr(p, name))
            for p in self.curve
            for name in METRICS
            if getattr(p, name) is not None
        ]

    def steps_to_target(self, target: float | None = None) -> float:
        """The first evaluated step whose ``target_metric`` (validation error or loss) is <=
        ``target`` (default: the workload's); +inf if never reached or diverged."""
        metric = target_metric(self.target_metric)
        target = self.target if target is None else target
        if target is None:
            raise InvalidParameterError("target", None, f"a value of the {metric.label}")
        hits = [p.step for p in self.curve if getattr(p, metric.name) <= target]
        return float(hits[0]) if hits and not self.diverged else math.inf
