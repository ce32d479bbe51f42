"""Executors on this machine: this process, or N local worker processes.

- ``run_inline``: this process, one trial after another. ``optbench worker`` is this loop on a
  database shared by many machines (a Slurm array, say).
- ``run_processes``: N local worker processes (one torch thread each unless told otherwise),
  each claiming trials from the store.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import signal
import socket
from collections.abc import Sequence

from optbench.errors import check_int
from optbench.executors.common import (
    HEARTBEAT_INTERVAL,
    HEARTBEAT_TIMEOUT,
    Heartbeat,
    Progress,
    local_worker,
    process_alive,
    train,
)
from optbench.store import Store, Worker
from optbench.study.plan import DEFAULT_OPTIONS, RunOptions


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
    many this call finished."""
    worker = worker or local_worker()
    finished = 0
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
    return finished


def _process_worker(database: str, study_ids: Sequence[int], options: RunOptions) -> None:
    # Ctrl-C is for the parent to handle; it stops its workers with SIGTERM, which this worker
    # turns into the KeyboardInterrupt that gives its trial back.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    store = Store(database)
    try:
        run_inline(store, study_ids, options)
    except KeyboardInterrupt:
        pass  # run_inline gave the trial back; the parent reports the interruption
    finally:
        store.engine.dispose()


def run_processes(
    store: Store,
    study_ids: Sequence[int],
    options: RunOptions = DEFAULT_OPTIONS,
    *,
    workers: int = 2,
    on_progress: Progress | None = None,
    poll_seconds: float = 0.5,
) -> None:
    """Run the studies with ``workers`` local processes sharing the store. Each uses
    ``options.threads`` torch threads (1 when None)."""
    check_int("workers", workers, 1)
    options = dataclasses.replace(options, threads=options.threads or 1)
    host = socket.gethostname()
    store.requeue_abandoned(study_ids, host, process_alive, HEARTBEAT_TIMEOUT)
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_process_worker, args=(store.database, list(study_ids), options))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
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
        raise
    # A worker killed from outside leaves its trial running: put it back for the next run.
    store.requeue_abandoned(study_ids, host, process_alive, HEARTBEAT_TIMEOUT)
