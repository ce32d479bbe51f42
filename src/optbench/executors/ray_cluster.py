"""The Ray executor: trial slots on a Ray cluster, the driver claiming trials and writing results.

``run_ray(store, study_ids)`` starts a local Ray cluster unless ``address`` names one to join
(``"auto"`` for the cluster this machine belongs to, or ``"ray://host:10001"``). It starts one
*slot* per trial the cluster can run at once: a Ray actor that holds ``cpus_per_trial`` CPUs
and ``gpus_per_trial`` GPUs for the whole run (a fraction of a GPU lets several slots share
it) and trains the trials the driver hands it one after another, in one worker process that
keeps its prepared data and its CUDA context. A Ray task per trial would not: Ray gives every
task that asks for a GPU a fresh worker process (``max_calls=1``), which then imports torch,
starts CUDA and reads the data again for every trial (docs/performance.md). The driver holds
at most one trial per slot, so that the rest stay pending for other drivers and workers.
Workers need optbench installed (the same version) on their nodes.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Callable, Sequence

from optbench.errors import InvalidParameterError
from optbench.executors.common import (
    HEARTBEAT_INTERVAL,
    HEARTBEAT_TIMEOUT,
    FailureStreak,
    Heartbeat,
    Progress,
    Report,
    failure,
    local_worker,
    process_alive,
)
from optbench.executors.placement import check_gpus_per_trial, slots
from optbench.store import Store
from optbench.study.plan import DEFAULT_OPTIONS, RunOptions, outcome_of, trial_of
from optbench.study.runner import run_trial
from optbench.study.trial import Trial, TrialResult


def _ray():
    try:
        import ray
    except ImportError:
        raise InvalidParameterError(
            "executor", "ray", "Ray installed: pip install 'optbench[ray]'"
        ) from None
    return ray


class TrialSlot:
    """The body of a slot (a Ray actor): it trains the trials it is handed, one at a time, in
    its own worker process, and says where it runs."""

    def where(self) -> tuple[str, int, list[str]]:
        """(host, process id, the ids of the GPUs Ray gave this slot)."""
        return socket.gethostname(), os.getpid(), [str(i) for i in _ray().get_gpu_ids()]

    def run(self, trial: Trial) -> TrialResult:
        """Train ``trial`` (:func:`~optbench.study.runner.run_trial`)."""
        return run_trial(trial)


def run_ray(
    store: Store,
    study_ids: Sequence[int],
    options: RunOptions = DEFAULT_OPTIONS,
    *,
    address: str | None = None,
    cpus_per_trial: float = 1,
    gpus_per_trial: float | None = None,
    on_progress: Progress | None = None,
    on_report: Report | None = None,
    heartbeat_interval: float = HEARTBEAT_INTERVAL,
) -> int:
    """Run the studies' pending trials on Ray trial slots; returns how many this call finished.

    ``gpus_per_trial``: the GPUs each trial holds, a fraction of one (0.25: four trials share
    a GPU) or a whole number (:func:`~optbench.executors.placement.check_gpus_per_trial`), at
    most the cluster's GPUs. None asks for one GPU per trial when ``options.device`` is not
    "cpu" and the cluster has GPUs (Ray hides GPUs from slots that do not ask for them), else
    none. ``on_report`` is given a line for each slot as it starts: its host, process and GPUs.
    """
    if not cpus_per_trial > 0:
        raise InvalidParameterError("cpus_per_trial", cpus_per_trial, "a number > 0")
    if gpus_per_trial is not None:
        check_gpus_per_trial(gpus_per_trial)
    ray = _ray()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            address=address, include_dashboard=False, log_to_driver=False, configure_logging=False
        )
    try:
        gpus = ray.cluster_resources().get("GPU", 0)
        if options.device.startswith("cuda") and not gpus:
            expected = "cpu or auto: the Ray cluster has no GPU"
            raise InvalidParameterError("device", options.device, expected)
        if gpus_per_trial is None:
            gpus_per_trial = 1 if options.device != "cpu" and gpus > 0 else 0
        if gpus_per_trial > gpus:
            expected = f"at most the cluster's {gpus:g} GPUs"
            raise InvalidParameterError("gpus_per_trial", gpus_per_trial, expected)
        count = _slots_of_cluster(cpus_per_trial, gpus_per_trial)
        slot = ray.remote(num_cpus=cpus_per_trial, num_gpus=gpus_per_trial)(TrialSlot)
        threads = options.threads or max(1, int(cpus_per_trial))
        options = dataclasses.replace(options, threads=threads)
        driving = _Driving(store, study_ids, options, slot.remote, on_progress, on_report)
        return driving.run(count, heartbeat_interval)
    finally:
        if started_here:
            ray.shutdown()


def _slots_of_cluster(cpus_per_trial: float, gpus_per_trial: float) -> int:
    """How many slots the cluster's live nodes hold, each slot on one node; an error when no
    node can hold one (its actor would wait for ever)."""
    nodes = [node["Resources"] for node in _ray().nodes() if node["Alive"]]
    count = sum(
        slots(node.get("CPU", 0), node.get("GPU", 0), cpus_per_trial, gpus_per_trial)
        for node in nodes
    )
    if count == 0:
        largest = max(nodes, key=lambda node: (node.get("GPU", 0), node.get("CPU", 0)))
        expected = (
            f"what one node holds with gpus_per_trial={gpus_per_trial:g} (the largest node has "
            f"{largest.get('CPU', 0):g} CPUs and {largest.get('GPU', 0):g} GPUs)"
        )
        raise InvalidParameterError("cpus_per_trial", cpus_per_trial, expected)
    return count


class _Driving:
    """One run's driver: claims a trial for every free slot, writes each result as it comes
    back, replaces a slot whose process died, and on the way out stops every slot and gives
    back the trials still running (Ctrl-C, or a slot's trials failing again and again)."""

    def __init__(
        self,
        store: Store,
        study_ids: Sequence[int],
        options: RunOptions,
        start_slot: Callable[[], object],
        on_progress: Progress | None,
        on_report: Report | None,
    ) -> None:
        self.store, self.study_ids, self.options = store, study_ids, options
        self.start_slot, self.on_progress, self.on_report = start_slot, on_progress, on_report
        self.driver = local_worker(":ray")
        self.slots: list = []
        self.starting: dict = {}  # the ``where`` call of each slot not yet reported -> number

    def _start(self, number: int) -> object:
        slot = self.start_slot()
        self.starting[slot.where.remote()] = number
        return slot

    def _reported(self, ref: object) -> None:
        ray, number = _ray(), self.starting.pop(ref)
        try:
            host, pid, gpu_ids = ray.get(ref)
        except ray.exceptions.RayActorError:
            return  # the slot died starting: its trial fails and a new slot reports
        if self.on_report:
            gpus = f"GPU {', '.join(gpu_ids)}" if gpu_ids else "no GPU"
            self.on_report(f"ray slot {number}: {host}, pid {pid}, {gpus}")

    def run(self, count: int, heartbeat_interval: float) -> int:
        ray, store = _ray(), self.store
        store.requeue_abandoned(self.study_ids, self.driver.host, process_alive, HEARTBEAT_TIMEOUT)
        self.slots = [self._start(number) for number in range(1, count + 1)]
        idle, in_flight = list(range(count))[::-1], {}  # ref -> (slot index, claim)
        finished, streak = 0, FailureStreak()
        try:
            with Heartbeat(store, self.driver, heartbeat_interval):
                while True:
                    while idle:
                        claim = store.claim(self.study_ids, self.driver)
                        if claim is None:
                            break
                        index = idle.pop()
                        trial = trial_of(claim, self.options)
                        in_flight[self.slots[index].run.remote(trial)] = (index, claim)
                    if not in_flight:
                        return finished
                    ready, _ = ray.wait([*in_flight, *self.starting], num_returns=1)
                    if ready[0] in self.starting:
                        self._reported(ready[0])
                        continue
                    index, claim = in_flight.pop(ready[0])
                    outcome = self._outcome(ready[0], index)
                    idle.append(index)
                    finished += store.finish(claim.trial_id, self.driver, outcome)
                    if self.on_progress:
                        self.on_progress()
                    streak.add(outcome)
        finally:
            for slot in self.slots:
                ray.kill(slot)
            for _, claim in in_flight.values():
                store.release(claim.trial_id, self.driver)

    def _outcome(self, ref: object, index: int):
        """The stored outcome of the trial behind ``ref``, run by slot ``index``; a slot whose
        process died is replaced (its trial fails like any trial that kills its worker)."""
        ray = _ray()
        try:
            return outcome_of(ray.get(ref))
        except ray.exceptions.RayActorError as error:
            self.slots[index] = self._start(index + 1)
            return failure(error)
        except Exception as error:  # the trial raised: Ray wraps its error
            return failure(getattr(error, "cause", None) or error)
