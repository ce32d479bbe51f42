"""The Ray executor: each trial a Ray task, the driver claiming trials and writing results.

``run_ray(store, study_ids)`` starts a local Ray cluster unless ``address`` names one to join
(``"auto"`` for the cluster this machine belongs to, or ``"ray://host:10001"``). The driver
holds at most as many trials as the cluster can run at once, so that the rest stay pending for
other drivers and workers. Workers need optbench installed (the same version) on their nodes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from optbench.errors import InvalidParameterError
from optbench.executors.common import (
    HEARTBEAT_INTERVAL,
    HEARTBEAT_TIMEOUT,
    FailureStreak,
    Heartbeat,
    Progress,
    failure,
    local_worker,
    process_alive,
)
from optbench.store import Store
from optbench.study.plan import DEFAULT_OPTIONS, RunOptions, outcome_of, trial_of
from optbench.study.runner import run_trial


def _ray():
    try:
        import ray
    except ImportError:
        raise InvalidParameterError(
            "executor", "ray", "Ray installed: pip install 'optbench[ray]'"
        ) from None
    return ray


def run_ray(
    store: Store,
    study_ids: Sequence[int],
    options: RunOptions = DEFAULT_OPTIONS,
    *,
    address: str | None = None,
    cpus_per_trial: float = 1,
    gpus_per_trial: float | None = None,
    on_progress: Progress | None = None,
    heartbeat_interval: float = HEARTBEAT_INTERVAL,
) -> int:
    """Run the studies' pending trials as Ray tasks; returns how many this call finished.

    ``gpus_per_trial=None`` asks for one GPU per trial when ``options.device`` is not "cpu" and
    the cluster has GPUs (Ray hides GPUs from tasks that do not ask for them), else none.
    """
    if not cpus_per_trial > 0:
        raise InvalidParameterError("cpus_per_trial", cpus_per_trial, "a number > 0")
    ray = _ray()
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            address=address, include_dashboard=False, log_to_driver=False, configure_logging=False
        )
    try:
        resources = ray.cluster_resources()
        gpus = resources.get("GPU", 0)
        if options.device.startswith("cuda") and not gpus:
            expected = "cpu or auto: the Ray cluster has no GPU"
            raise InvalidParameterError("device", options.device, expected)
        if gpus_per_trial is None:
            gpus_per_trial = 1 if options.device != "cpu" and gpus > 0 else 0
        if gpus_per_trial > gpus:
            expected = f"at most the cluster's {gpus:g} GPUs"
            raise InvalidParameterError("gpus_per_trial", gpus_per_trial, expected)
        parallel = max(1, int(resources.get("CPU", 1) // cpus_per_trial))
        if gpus_per_trial > 0:
            parallel = min(parallel, int(gpus // gpus_per_trial))
        remote = ray.remote(num_cpus=cpus_per_trial, num_gpus=gpus_per_trial)(run_trial)
        threads = options.threads or max(1, int(cpus_per_trial))
        options = dataclasses.replace(options, threads=threads)
        return _drive(store, study_ids, options, remote, parallel, on_progress, heartbeat_interval)
    finally:
        if started_here:
            ray.shutdown()


def _drive(store, study_ids, options, remote, parallel, on_progress, heartbeat_interval) -> int:
    ray = _ray()
    driver = local_worker(":ray")
    store.requeue_abandoned(study_ids, driver.host, process_alive, HEARTBEAT_TIMEOUT)
    in_flight, finished, streak = {}, 0, FailureStreak()
    with Heartbeat(store, driver, heartbeat_interval):
        try:
            while True:
                while len(in_flight) < parallel:
                    claim = store.claim(study_ids, driver)
                    if claim is None:
                        break
                    in_flight[remote.remote(trial_of(claim, options))] = claim
                if not in_flight:
                    return finished
                ready, _ = ray.wait(list(in_flight), num_returns=1)
                claim = in_flight.pop(ready[0])
                try:
                    outcome = outcome_of(ray.get(ready[0]))
                except Exception as error:  # the task raised, or its worker died
                    outcome = failure(getattr(error, "cause", None) or error)
                finished += store.finish(claim.trial_id, driver, outcome)
                if on_progress:
                    on_progress()
                streak.add(outcome)
        except BaseException:  # Ctrl-C: cancel what runs and give it back to the queue
            for ref, claim in in_flight.items():
                ray.cancel(ref, force=True)
                store.release(claim.trial_id, driver)
            raise
