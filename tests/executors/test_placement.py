"""Several trials per GPU: the placement rule of the processes executor (a pure function of the
visible GPUs), its refusals, the share of a GPU a Ray trial asks for, and the processes executor
placing and reporting its workers on the CPU."""

from __future__ import annotations

import re

import pytest
import torch

from optbench.errors import InvalidParameterError
from optbench.executors import ExecutorSettings, run_processes
from optbench.executors.placement import (
    check_gpus_per_trial,
    gpu_share,
    place_workers,
    placement_lines,
    slots,
)
from optbench.study.plan import RunOptions

C0, C1, C2 = "cuda:0", "cuda:1", "cuda:2"


@pytest.mark.parametrize(
    ("device", "visible", "workers", "trials_per_gpu", "placed"),
    [
        ("cuda", 2, None, 4, [C0, C1] * 4),  # GPUs x trials per GPU, the GPUs in turn
        ("cuda", 3, None, 2, [C0, C1, C2, C0, C1, C2]),
        ("cuda", 2, None, None, [C0, C1]),  # one per GPU by default
        ("cuda", 2, 4, 2, [C0, C1, C0, C1]),  # both given, and they agree
        ("cuda", 2, 3, None, [C0, C1, C0]),  # workers alone: spread over the GPUs in turn
        ("cuda:1", 2, None, 3, [C1, C1, C1]),  # one named GPU
        ("auto", 2, None, 2, [C0, C1, C0, C1]),  # auto with GPUs is CUDA
        ("auto", 0, None, None, ["cpu", "cpu"]),  # auto without is the CPU, 2 workers
        ("cpu", 4, 3, None, ["cpu"] * 3),  # the CPU on a GPU machine
        ("mps", 0, 1, None, ["mps"]),
    ],
)
def test_workers_fill_the_visible_gpus(device, visible, workers, trials_per_gpu, placed):
    assert place_workers(device, visible, workers, trials_per_gpu) == placed


@pytest.mark.parametrize(
    ("device", "visible", "workers", "trials_per_gpu", "message"),
    [
        ("cuda", 0, None, 4, "device='cuda' is invalid: expected a device of this machine: "
         "it has no CUDA device"),
        ("cuda:2", 2, None, 1, "device='cuda:2' is invalid: expected a device of this machine: "
         "it has 2 CUDA device(s)"),
        ("cpu", 2, None, 4, "trials_per_gpu=4 is invalid: expected no value on cpu"),
        ("auto", 0, None, 4, "trials_per_gpu=4 is invalid: expected no value on cpu"),
        ("cuda", 2, 3, 2, "workers=3 is invalid: expected 2 GPUs x 2 trials per GPU = 4"),
        ("cuda", 8, None, 200, "workers=1600 is invalid: expected an integer in [1, 1024]"),
        ("cuda", 1, None, 0, "trials_per_gpu=0 is invalid: expected an integer in [1, 256]"),
        ("cuda", 1, None, 257, "trials_per_gpu=257 is invalid"),
    ],
)  # fmt: skip
def test_a_placement_this_machine_cannot_hold_is_refused(
    device, visible, workers, trials_per_gpu, message
):
    with pytest.raises(InvalidParameterError) as error:
        place_workers(device, visible, workers, trials_per_gpu)
    assert str(error.value).startswith(message)


def test_the_report_has_one_line_per_device_naming_its_workers():
    placed = place_workers("cuda", 2, trials_per_gpu=2)
    assert placement_lines(placed, [101, 102, 103, 104]) == [
        "cuda:0: workers 1, 3 (pids 101, 103)",
        "cuda:1: workers 2, 4 (pids 102, 104)",
    ]
    assert placement_lines(["cuda:1"], [7]) == ["cuda:1: worker 1 (pid 7)"]


@pytest.mark.parametrize("share", [0.25, 0.3, 1 / 256, 1, 1.0, 2, 8])
def test_a_share_of_a_gpu_ray_can_give_is_accepted(share):
    assert check_gpus_per_trial(share) == share


@pytest.mark.parametrize("share", [0, -0.5, 1 / 512, 1.5, 2.25, float("nan"), float("inf"), True,
                                   "0.5"])  # fmt: skip
def test_a_share_ray_cannot_give_is_refused(share):
    with pytest.raises(InvalidParameterError, match="gpus_per_trial=.* is invalid: expected a "
                       r"fraction of a GPU in \[1/256, 1\] or a whole number"):  # fmt: skip
        check_gpus_per_trial(share)


@pytest.mark.parametrize(
    ("trials_per_gpu", "share", "fit"),
    [(1, 1.0, 1), (2, 0.5, 2), (3, 0.3333, 3), (4, 0.25, 4), (7, 0.1428, 7), (256, 0.0039, 256)],
)
def test_trials_per_gpu_asks_ray_for_a_share_that_many_trials_fit(trials_per_gpu, share, fit):
    assert gpu_share(trials_per_gpu) == share
    assert ExecutorSettings(trials_per_gpu=trials_per_gpu).ray_gpus_per_trial() == share
    assert slots(cpus=1024, gpus=1, cpus_per_trial=1, gpus_per_trial=share) == fit


def test_slots_count_in_rays_units_and_the_scarcer_resource():
    assert (1 // 0.1, 0.6 // 0.2) == (9, 2)  # what float division would give
    assert slots(cpus=16, gpus=1, cpus_per_trial=1, gpus_per_trial=0.1) == 10
    assert slots(cpus=4, gpus=0.6, cpus_per_trial=1, gpus_per_trial=0.2) == 3
    assert slots(cpus=2, gpus=2, cpus_per_trial=0.5, gpus_per_trial=0.5) == 4
    assert slots(cpus=2, gpus=2, cpus_per_trial=1, gpus_per_trial=0.5) == 2  # CPU-bound
    assert slots(cpus=3, gpus=0, cpus_per_trial=1, gpus_per_trial=0) == 3  # no GPU asked for
    assert slots(cpus=8, gpus=2, cpus_per_trial=1, gpus_per_trial=3) == 0


def test_explicit_gpus_per_trial_wins_and_none_asks_nothing():
    assert ExecutorSettings(gpus_per_trial=0.5).ray_gpus_per_trial() == 0.5
    assert ExecutorSettings().ray_gpus_per_trial() is None
    with pytest.raises(InvalidParameterError, match="gpus_per_trial=1.5 is invalid"):
        ExecutorSettings(gpus_per_trial=1.5)
    with pytest.raises(InvalidParameterError, match="trials_per_gpu=0 is invalid"):
        ExecutorSettings(trials_per_gpu=0)


def test_processes_on_the_cpu_place_and_report_every_worker(small_study):
    store, study = small_study
    lines: list[str] = []
    run_processes(store, [study], RunOptions(threads=1), workers=3, on_report=lines.append)
    assert store.state_counts()[study] == {"done": 4}
    (line,) = lines
    found = re.fullmatch(r"cpu: workers 1, 2, 3 \(pids (\d+), (\d+), (\d+)\)", line)
    assert found and len(set(found.groups())) == 3, line
    workers = {int(t.worker.rpartition(":")[2]) for t in store.trials(study)}
    assert workers <= {int(pid) for pid in found.groups()}
    assert {t.device for t in store.trials(study)} == {"cpu"}


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize(
    ("device", "message"),
    [("cuda", "device='cuda' is invalid"), ("auto", "trials_per_gpu=2 is invalid")],
)
def test_trials_per_gpu_without_a_gpu_is_refused_before_any_trial_is_claimed(
    small_study, device, message
):
    store, study = small_study
    with pytest.raises(InvalidParameterError, match=message):
        run_processes(store, [study], RunOptions(device=device, threads=1), trials_per_gpu=2)
    assert [(t.state.value, t.attempts) for t in store.trials(study)] == [("pending", 0)] * 4
