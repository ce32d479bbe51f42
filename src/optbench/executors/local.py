"""Executors on this machine: this process, or N local worker processes.

- ``run_inline``: this process, one trial after another. ``optbench worker`` is this loop on a
  database shared by many machines (a Slurm array, say).
- ``run_processes``: local worker processes (one torch thread each unless told otherwise),
  each claiming trials from the store until none is left, so that a worker starts (Python,
  torch, CUDA, the prepared data) once per run, not once per trial. On CUDA they fill the
  visible GPUs, ``trials_per_gpu`` on each, every worker on its own ``cuda:N``
  (:mod:`optbench.executors.placement`).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Sequence

from optbench.executors.common import (
    HEARTBEAT_INTERVAL,
    HEARTBEAT_TIMEOUT,
    ExecutorError,
    FailureStreak,
    Heartbeat,
    Progress,
    Report,
    WorkerStopped,
    local_worker,
    process_alive,
    train,
)
from optbench.executors.placement import place_workers, placement_lines, visible_gpus
from optbench.store import Store, Worker
from optbench.study.plan import DEFAULT_OPTIONS, RunOptions
from optbench.study.trial import check_device

WORKER_STOPPED_EXIT = 3  # a worker process's exit code after WorkerStopped


def run_inline(
    store: Store,
    study_ids: Sequence[int],
    options: RunOptions = DEFAULT_OPTIONS,
    *,
    on_progress: Progress | None = None,
    heartbeat_interval: float = HEARTBEAT_INTERVAL,
    heartbeat_timeout: float = HEARTBEAT_TIMEOUT,
    worker: Worker | None = None,
) -> int:
    """Run pending trials of ``study_ids`` in this process until none is left; returns how
    many this call finished. Checks the device before claiming anything, and stops with
    :class:`WorkerStopped` when its trials keep failing with the same error."""
    check_device(options.device, present=True)
    worker = worker or local_worker()
    finished, streak = 0, FailureStreak()
    with Heartbeat(store, worker, heartbeat_interval):
        while True:
            store.requeue_abandoned(study_ids, worker.host, process_alive, heartbeat_timeout)
            claim = store.claim(study_ids, worker)
            if claim is None:
                break
            try:
                outcome = train(claim, options)
            except BaseException:  # Ctrl-C or a kill: the trial goes back to the queue
                store.release(claim.trial_id, worker)
                raise
            finished += store.finish(claim.trial_id, worker, outcome)
            if on_progress:
                on_progress()
            streak.add(outcome)
    return finished


def _exit_with_parent(parent: int, poll_seconds: float = 1.0) -> None:
    """Watch the parent process; when it is gone (killed, even with SIGKILL), interrupt this
    worker as Ctrl-C would, so that it gives its trial back and exits."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def _process_worker(
    database: str, study_ids: Sequence[int], options: RunOptions, parent: int
) -> None:
    # Ctrl-C is for the parent to handle; it stops its workers with SIGTERM, which this worker
    # turns into the KeyboardInterrupt that gives its trial back. So does the parent's death.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    _exit_with_parent(parent)
    store = Store(database)
    try:
        run_inline(store, study_ids, options)
    except KeyboardInterrupt:
        pass  # run_inline gave the trial back; the parent reports the interruption
    except WorkerStopped as stopped:
        print(f"optbench worker {os.getpid()}: {stopped}", file=sys.stderr)
        sys.exit(WORKER_STOPPED_EXIT)
    finally:
        store.engine.dispose()


def run_processes(
    store: Store,
    study_ids: Sequence[int],
    options: RunOptions = DEFAULT_OPTIONS,
    *,
    workers: int | None = None,
    trials_per_gpu: int | None = None,
    on_progress: Progress | None = None,
    on_report: Report | None = None,
    poll_seconds: float = 0.5,
) -> None:
    """Run the studies with local worker processes sharing the store, placed by
    :func:`~optbench.executors.placement.place_workers`: ``workers`` on the CPU (default 2),
    ``trials_per_gpu`` per visible GPU on CUDA (default 1). Each worker passes its own device
    (``cuda:N``) to its trials and uses ``options.threads`` torch threads (1 when None);
    ``on_report`` is given one line per device naming the workers placed on it."""
    options = dataclasses.replace(options, threads=options.threads or 1)
    check_device(options.device, present=True)
    devices = place_workers(options.device, visible_gpus(), workers, trials_per_gpu)
    host = socket.gethostname()
    store.requeue_abandoned(study_ids, host, process_alive, HEARTBEAT_TIMEOUT)
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(
            target=_process_worker,
            args=(store.database, list(study_ids), dataclasses.replace(options, device=device),
                  os.getpid()),
        )
        for device in devices
    ]  # fmt: skip
    for process in processes:
        process.start()
    if on_report:
        for line in placement_lines(devices, [process.pid for process in processes]):
            on_report(line)
    try:
        while any(process.is_alive() for process in processes):
            for process in processes:
                process.join(timeout=poll_seconds / len(processes))
            if on_progress:
                on_progress()
    except KeyboardInterrupt:
        for process in processes:  # SIGTERM: each gives its trial back and exits
            process.terminate()
        for process in processes:
            process.join()
        # A worker stopped between its claim and its trial leaves the trial running: put it back.
        store.requeue_abandoned(study_ids, host, process_alive, HEARTBEAT_TIMEOUT, counted=False)
        raise
    # A worker killed from outside leaves its trial running: put it back for the next run.
    store.requeue_abandoned(study_ids, host, process_alive, HEARTBEAT_TIMEOUT)
    _check_exits([process.exitcode for process in processes])


def _check_exits(codes: list[int | None]) -> None:
    """Raise when a worker did not end normally: stopped by repeated failures, or dead."""
    stopped = codes.count(WORKER_STOPPED_EXIT)
    died = [code for code in codes if code not in (0, WORKER_STOPPED_EXIT)]
    if died:
        raise ExecutorError(
            f"{len(died)} of {len(codes)} worker processes died (exit codes "
            f"{', '.join(map(str, died))}); their trials went back to the queue. A worker that "
            "dies at once is often a script that starts the processes executor without "
            "`if __name__ == \"__main__\":` (see docs/running.md)"
        )
    if stopped:
        raise ExecutorError(
            f"{stopped} of {len(codes)} worker processes stopped: their trials kept failing "
            "with the same error (printed above; optbench status lists the failed trials)"
        )
