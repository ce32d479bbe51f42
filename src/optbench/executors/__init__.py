"""Executors: who trains a study's pending trials (this process, local processes, Ray).

Each is registered by name (:data:`EXECUTORS`, see :mod:`optbench.registry`) as a function
``executor(store, study_ids, options, settings, on_progress)``; :func:`execute` runs one by name.
The functions behind them (:func:`run_inline`, :func:`run_processes`, :func:`run_ray`) are the
Python API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from optbench.executors.common import Heartbeat, Progress, local_worker, process_alive
from optbench.executors.local import run_inline, run_processes
from optbench.executors.ray_cluster import run_ray
from optbench.registry import Registry
from optbench.store import Store
from optbench.study.plan import RunOptions


@dataclass(frozen=True)
class ExecutorSettings:
    """How an executor spreads trials: ``workers`` local processes (``processes``), the Ray
    cluster to join (``ray``; None starts a local one)."""

    workers: int = 2
    ray_address: str | None = None


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
    """Run the pending trials of ``study_ids`` with the executor called ``name``."""
    EXECUTORS.get(name)(store, study_ids, options, settings, on_progress)


__all__ = [
    "EXECUTORS",
    "ExecutorSettings",
    "Heartbeat",
    "available",
    "execute",
    "local_worker",
    "process_alive",
    "run_inline",
    "run_processes",
    "run_ray",
]
