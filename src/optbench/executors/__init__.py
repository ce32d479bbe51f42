"""Executors: who trains a study's pending trials (this process, local processes, Ray).

Each is registered by name (:data:`EXECUTORS`, see :mod:`optbench.registry`) as a function
``executor(store, study_ids, options, settings, on_progress)``; :func:`execute` runs one by name.
The functions behind them (:func:`run_inline`, :func:`run_processes`, :func:`run_ray`) are the
Python API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from optbench.errors import check_int
from optbench.executors.common import (
    ExecutorError,
    Heartbeat,
    Progress,
    Report,
    WorkerStopped,
    first_line,
    local_worker,
    process_alive,
)
from optbench.executors.local import run_inline, run_processes
from optbench.executors.placement import check_gpus_per_trial, gpu_share, place_workers
from optbench.executors.ray_cluster import run_ray
from optbench.limits import MAX_ATTEMPTS, MAX_TRIALS_PER_GPU, MAX_WORKERS
from optbench.registry import Registry
from optbench.store import Store
from optbench.study.plan import RunOptions


@dataclass(frozen=True)
class ExecutorSettings:
    """How an executor spreads trials: ``workers`` local processes (``processes``; None: 2 on
    the CPU, ``trials_per_gpu`` per GPU on CUDA), ``trials_per_gpu`` trials sharing each GPU
    (``processes`` and ``ray``; docs/running.md, "Filling a GPU"), ``gpus_per_trial`` of a
    GPU for each Ray trial (None: 1/``trials_per_gpu``, or one GPU), the Ray cluster to join
    (``ray``; None starts a local one); and how often a failed trial is tried: up to
    ``max_attempts`` times in all, counting the attempts of earlier runs."""

    workers: int | None = None
    ray_address: str | None = None
    max_attempts: int = 3
    trials_per_gpu: int | None = None
    gpus_per_trial: float | None = None

    def __post_init__(self) -> None:
        check_int("workers", self.workers, 1, MAX_WORKERS, optional=True)
        check_int("max_attempts", self.max_attempts, 1, MAX_ATTEMPTS)
        check_int("trials_per_gpu", self.trials_per_gpu, 1, MAX_TRIALS_PER_GPU, optional=True)
        if self.gpus_per_trial is not None:
            check_gpus_per_trial(self.gpus_per_trial)

    def ray_gpus_per_trial(self) -> float | None:
        """What a Ray trial asks for: ``gpus_per_trial``, else the share of ``trials_per_gpu``."""
        if self.gpus_per_trial is None and self.trials_per_gpu is not None:
            return gpu_share(self.trials_per_gpu)
        return self.gpus_per_trial


Executor = Callable[
    [Store, Sequence[int], RunOptions, ExecutorSettings, Progress | None, Report | None], object
]
EXECUTORS: Registry[Executor] = Registry("executor")
available = EXECUTORS.available


@EXECUTORS.register("inline")
def _inline(store, study_ids, options, settings, on_progress, on_report) -> object:
    return run_inline(store, study_ids, options, on_progress=on_progress)


@EXECUTORS.register("processes")
def _processes(store, study_ids, options, settings, on_progress, on_report) -> object:
    return run_processes(
        store, study_ids, options, workers=settings.workers,
        trials_per_gpu=settings.trials_per_gpu, on_progress=on_progress, on_report=on_report,
    )  # fmt: skip


@EXECUTORS.register("ray")
def _ray(store, study_ids, options, settings, on_progress, on_report) -> object:
    return run_ray(
        store, study_ids, options, address=settings.ray_address,
        gpus_per_trial=settings.ray_gpus_per_trial(), on_progress=on_progress,
        on_report=on_report,
    )  # fmt: skip


def execute(
    name: str,
    store: Store,
    study_ids: Sequence[int],
    options: RunOptions,
    settings: ExecutorSettings = ExecutorSettings(),
    on_progress: Progress | None = None,
    on_report: Report | None = None,
) -> None:
    """Run the pending trials of ``study_ids`` with the executor called ``name``, after putting
    back the failed trials that have attempts left (``settings.max_attempts``); ``on_report``
    is given each line the executor has to say (where it placed its workers)."""
    executor = EXECUTORS.get(name)
    store.retry_failed(study_ids, settings.max_attempts)
    executor(store, study_ids, options, settings, on_progress, on_report)


__all__ = [
    "EXECUTORS",
    "ExecutorError",
    "ExecutorSettings",
    "WorkerStopped",
    "Heartbeat",
    "Report",
    "available",
    "execute",
    "first_line",
    "local_worker",
    "place_workers",
    "process_alive",
    "run_inline",
    "run_processes",
    "run_ray",
]
