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
    WorkerStopped,
    first_line,
    local_worker,
    process_alive,
)
from optbench.executors.local import run_inline, run_processes
from optbench.executors.ray_cluster import run_ray
from optbench.limits import MAX_ATTEMPTS, MAX_WORKERS
from optbench.registry import Registry
from optbench.store import Store
from optbench.study.plan import RunOptions


@dataclass(frozen=True)
class ExecutorSettings:
    """How an executor spreads trials: ``workers`` local processes (``processes``), the Ray
    cluster to join (``ray``; None starts a local one); and how often a failed trial is tried:
    up to ``max_attempts`` times in all, counting the attempts of earlier runs."""

    workers: int = 2
    ray_address: str | None = None
    max_attempts: int = 3

    def __post_init__(self) -> None:
        check_int("workers", self.workers, 1, MAX_WORKERS)
        check_int("max_attempts", self.max_attempts, 1, MAX_ATTEMPTS)


Executor = Callable[[Store, Sequence[int], RunOptions, ExecutorSettings, Progress | None], object]
EXECUTORS: Registry[Executor] = Registry("executor")
available = EXECUTORS.available


@EXECUTORS.register("inline")
def _inline(store, study_ids, options, settings, on_progress) -> object:
    return run_inline(store, study_ids, options, on_progress=on_progress)


@EXECUTORS.register("processes")
def _processes(store, study_ids, options, settings, on_progress) -> object:
    return run_processes(
        store, study_ids, options, workers=settings.workers, on_progress=on_progress
    )


@EXECUTORS.register("ray")
def _ray(store, study_ids, options, settings, on_progress) -> object:
    return run_ray(
        store, study_ids, options, address=settings.ray_address, on_progress=on_progress
    )


def execute(
    name: str,
    store: Store,
    study_ids: Sequence[int],
    options: RunOptions,
    settings: ExecutorSettings = ExecutorSettings(),
    on_progress: Progress | None = None,
) -> None:
    """Run the pending trials of ``study_ids`` with the executor called ``name``, after putting
    back the failed trials that have attempts left (``settings.max_attempts``)."""
    executor = EXECUTORS.get(name)
    store.retry_failed(study_ids, settings.max_attempts)
    executor(store, study_ids, options, settings, on_progress)


__all__ = [
    "EXECUTORS",
    "ExecutorError",
    "ExecutorSettings",
    "WorkerStopped",
    "Heartbeat",
    "available",
    "execute",
    "first_line",
    "local_worker",
    "process_alive",
    "run_inline",
    "run_processes",
    "run_ray",
]
