"""What every executor shares: worker identity, liveness, heartbeats, training one claim.

Every executor first puts back the trials whose worker died (``Store.requeue_abandoned``), holds
what it runs with a heartbeat, and on Ctrl-C gives its trials back to the queue, so that running
the same command again finishes the study. Trials compute the same curves whichever executor
runs them, given the same device and thread count.
"""

from __future__ import annotations

import os
import socket
import threading
import traceback
from collections.abc import Callable

import torch

import optbench
from optbench.store import Claim, Outcome, Store, TrialState, Worker
from optbench.study.plan import RunOptions, outcome_of, trial_of
from optbench.study.runner import run_trial

HEARTBEAT_INTERVAL = 30.0
HEARTBEAT_TIMEOUT = 600.0
#: A worker whose trials fail this many times in a row with the same error stops.
REPEATED_FAILURES = 3

Progress = Callable[[], None]
#: Given each line an executor has to tell its user (where it placed its workers).
Report = Callable[[str], None]


def local_worker(suffix: str = "") -> Worker:
    """This process as a worker: ``host:pid`` (plus ``suffix``)."""
    host = socket.gethostname()
    return Worker(f"{host}:{os.getpid()}{suffix}", host, os.getpid())


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Heartbeat:
    """While the ``with`` block runs, mark ``worker``'s trials alive every ``interval`` s."""

    def __init__(self, store: Store, worker: Worker, interval: float = HEARTBEAT_INTERVAL):
        self.store, self.worker, self.interval = store, worker, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, daemon=True, name="heartbeat")

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            self.store.heartbeat(self.worker)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


class ExecutorError(RuntimeError):
    """An executor could not run its trials to the end (workers died or stopped)."""


class WorkerStopped(ExecutorError):
    """A worker stopped because its trials kept failing with the same error: something is
    wrong with the worker (its device, its data, its installation), not with the trials."""

    def __init__(self, error: str, count: int) -> None:
        self.error, self.count = error, count
        super().__init__(
            f"stopped after {count} trials in a row failed with the same error: "
            f"{first_line(error)} (the trials stay failed; fix the cause and run again)"
        )


def first_line(error: str | None) -> str:
    """The first line of a stored error, for one-line reports."""
    return (error or "").strip().splitlines()[0] if (error or "").strip() else "(no message)"


class FailureStreak:
    """Counts consecutive failed trials with the same error; :meth:`add` raises
    :class:`WorkerStopped` at :data:`REPEATED_FAILURES` of them."""

    def __init__(self, limit: int = REPEATED_FAILURES) -> None:
        self.limit, self.error, self.count = limit, None, 0

    def add(self, outcome: Outcome) -> None:
        if outcome.state is not TrialState.FAILED:
            self.error, self.count = None, 0
            return
        same = self.error is not None and first_line(outcome.error) == first_line(self.error)
        self.error, self.count = outcome.error, self.count + 1 if same else 1
        if self.count >= self.limit:
            raise WorkerStopped(self.error, self.count)


def failure(error: BaseException) -> Outcome:
    """A trial whose code raised: kept as failed, with the error's last lines."""
    lines = traceback.format_exception_only(type(error), error)
    return Outcome(
        state=TrialState.FAILED,
        steps=0,
        error="".join(lines).strip()[-2000:],
        optbench_version=optbench.__version__,
        torch_version=torch.__version__,
    )


def train(claim: Claim, options: RunOptions) -> Outcome:
    try:
        return outcome_of(run_trial(trial_of(claim, options)))
    except Exception as error:  # the trial's own failure: recorded, the study goes on
        return failure(error)
