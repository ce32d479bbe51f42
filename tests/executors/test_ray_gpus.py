"""Ray trial slots on a local cluster that declares 2 GPUs (Ray schedules declared resources
without a physical GPU): fractional shares pack several slots on one GPU, each slot sees the
GPU it was given, and shares the cluster cannot give are refused. The trials themselves run on
the CPU: what is tested is the resource request and where Ray put it."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest
import ray

from optbench.errors import InvalidParameterError
from optbench.executors import ExecutorSettings, execute, run_ray
from optbench.study.plan import RunOptions, prepare

ONE_THREAD = RunOptions(threads=1)
SLOT = re.compile(r"ray slot (\d+): [^,]+, pid (\d+), GPU (\d+)")


@pytest.fixture(scope="module")
def two_gpu_cluster():
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_four_trials_at_half_a_gpu_run_four_at_a_time_on_two_gpus(two_gpu_cluster, small_study):
    store, study = small_study  # 4 trials
    lines, free_gpus = [], []

    def report(line: str) -> None:
        lines.append(line)
        free_gpus.append(ray.available_resources().get("GPU", 0))

    finished = run_ray(
        store, [study], ONE_THREAD, cpus_per_trial=0.5, gpus_per_trial=0.5, on_report=report
    )
    assert finished == 4 and store.state_counts()[study] == {"done": 4}
    slots = [SLOT.fullmatch(line) for line in lines]
    assert all(slots) and len(slots) == 4, lines
    assert sorted(int(s[1]) for s in slots) == [1, 2, 3, 4]
    assert len({s[2] for s in slots}) == 4  # four processes
    assert Counter(s[3] for s in slots) == {"0": 2, "1": 2}  # two slots on each GPU
    assert free_gpus[-1] == 0  # all four held their half at once: the two GPUs are taken
    assert _eventually_free_gpus() == 2  # and given back: the run stopped its slots


def _eventually_free_gpus(seconds: float = 60) -> float:
    """The cluster's free GPUs once they are all free, or after ``seconds`` (a killed actor
    gives its resources back a moment later)."""
    deadline = time.monotonic() + seconds
    while ray.available_resources().get("GPU", 0) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    return ray.available_resources().get("GPU", 0)


def test_trials_per_gpu_asks_ray_for_its_share(two_gpu_cluster, small_study):
    store, study = small_study
    lines: list[str] = []
    settings = ExecutorSettings(trials_per_gpu=2)  # 0.5 GPU each; 1 CPU each: 2 slots
    execute("ray", store, [study], ONE_THREAD, settings, on_report=lines.append)
    assert store.state_counts()[study] == {"done": 4}
    assert len(lines) == 2 and all(SLOT.fullmatch(line) for line in lines), lines


@pytest.mark.parametrize(
    ("share", "message"),
    [
        (3, "gpus_per_trial=3 is invalid: expected at most the cluster's 2 GPUs"),
        (1.5, "gpus_per_trial=1.5 is invalid: expected a fraction of a GPU in [1/256, 1]"),
        (0, "gpus_per_trial=0 is invalid: expected a fraction of a GPU"),
    ],
)
def test_a_share_the_cluster_cannot_give_is_refused_before_any_claim(
    two_gpu_cluster, real_fmnist, tmp_path, small_plan, share, message
):
    from optbench.store import Store

    store = Store(str(tmp_path / "s.db"))
    study = prepare(store, small_plan(trials=2))
    with pytest.raises(InvalidParameterError) as error:
        run_ray(store, [study], ONE_THREAD, gpus_per_trial=share)
    assert str(error.value).startswith(message)
    assert [(t.state.value, t.attempts) for t in store.trials(study)] == [("pending", 0)] * 2


def test_a_request_no_node_holds_is_refused(two_gpu_cluster, small_study):
    store, study = small_study
    expected = "cpus_per_trial=4 is invalid: expected what one node holds with gpus_per_trial=1 "
    expected += "(the largest node has 2 CPUs and 2 GPUs)"
    with pytest.raises(InvalidParameterError, match=re.escape(expected)):
        run_ray(store, [study], ONE_THREAD, cpus_per_trial=4, gpus_per_trial=1)
