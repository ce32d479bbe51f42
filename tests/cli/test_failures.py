"""A failure is never silent and never permanent by accident: failed trials keep their error,
are listed by status, make the run exit 1, are tried again up to --max-attempts, can be put back
with --retry-failed; a worker whose trials keep failing the same way stops."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from optbench.cli import main
from optbench.executors import WorkerStopped, run_inline
from optbench.store import Store
from optbench.study.plan import RunOptions, StudyPlan, prepare
from optbench.workloads import WorkloadSpec, register_spec, unregister


class Line(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(0.0))


class BrokenProblem:
    """Trains ``(w - 1)²``; raises ``RuntimeError(message)`` for the seeds listed in
    ``FAILING`` (by seed, so some trials of a study fail and others do not)."""

    info: dict = {}

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def next_batch(self) -> None:
        return None

    def train_loss(self, model: Line, batch: None) -> torch.Tensor:
        message = FAILING.get(self.seed)
        if message is not None:
            raise RuntimeError(message)
        return (model.w - 1.0) ** 2

    def evaluate(self, model: Line, split: str) -> tuple[float, float]:
        gap = (model.w - 1.0).item()
        return gap * gap, float(abs(gap) > 0.5)


FAILING: dict[int, str] = {}


@dataclass(frozen=True)
class BrokenTask:
    dataset: str = "none"

    def problem(self, batch_size, seed, device, data_path=None) -> BrokenProblem:
        return BrokenProblem(seed)


@pytest.fixture
def flaky():
    """A workload "flaky" whose trials fail for the data seeds put in ``FAILING``."""
    spec = WorkloadSpec("flaky", BrokenTask(), Line, 1, 6, 3, 0.5, 0.1)
    register_spec(spec, replace=True)
    FAILING.clear()
    yield FAILING
    FAILING.clear()
    unregister("flaky")


def _data_seeds(database: str) -> list[int]:
    """The data seed each trial of the study in ``database`` gives its problem."""
    from optbench.study.runner import trial_seeds

    store = Store(database, read_only=True)
    ((study_id, _),) = store.studies()
    seeds = [trial_seeds(t.seed)[1] for t in store.trials(study_id)]
    store.engine.dispose()
    return seeds


RUN = ["run", "--workload", "flaky", "--optimizers", "sgd", "--protocol", "lr-only",
       "--trials", "4", "--threads", "1"]  # fmt: skip


def _states(database: str) -> list[tuple[str, int]]:
    store = Store(database, read_only=True)
    ((study_id, _),) = store.studies()
    rows = [(t.state.value, t.attempts) for t in store.trials(study_id)]
    store.engine.dispose()
    return rows


def test_failed_trials_keep_their_error_are_listed_and_retried(flaky, tmp_path, capsys):
    database = str(tmp_path / "s.db")
    store = Store(database)
    study_id = prepare(store, StudyPlan("flaky", "sgd", "lr-only", trials=4))
    seeds = _data_seeds(database)
    flaky[seeds[1]] = "CUDA error: an illegal memory access"
    flaky[seeds[3]] = "CUDA error: an illegal memory access"
    capsys.readouterr()

    assert main([*RUN, "--db", database]) == 1
    out = capsys.readouterr().out
    assert "2 trials failed (1 distinct errors)" in out
    assert out.count("2 x RuntimeError: CUDA error: an illegal memory access") == 1
    assert _states(database) == [("done", 1), ("failed", 1), ("done", 1), ("failed", 1)]

    assert main(["status", "--db", database, "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["index"], r["attempts"], r["error"]) for r in listed["failed_trials"]] == [
        (1, 1, "RuntimeError: CUDA error: an illegal memory access"),
        (3, 1, "RuntimeError: CUDA error: an illegal memory access"),
    ]
    assert listed["studies"][0]["failed"] == 2 and listed["studies"][0]["id"] == study_id

    flaky.pop(seeds[3])  # the cause of trial 3 is gone: a later run retries both
    assert main([*RUN, "--db", database]) == 1
    assert _states(database) == [("done", 1), ("failed", 2), ("done", 1), ("done", 2)]
    assert main([*RUN, "--db", database, "--max-attempts", "2"]) == 1  # 2 attempts: no more
    assert _states(database) == [("done", 1), ("failed", 2), ("done", 1), ("done", 2)]

    flaky.clear()
    capsys.readouterr()
    assert main([*RUN, "--db", database, "--max-attempts", "2", "--retry-failed"]) == 0
    assert _states(database) == [("done", 1), ("done", 1), ("done", 1), ("done", 2)]
    assert "failed" not in capsys.readouterr().out.split("studies")[-1].split("\n", 3)[-1]


def test_a_worker_whose_trials_keep_failing_alike_stops_and_leaves_the_rest(flaky, tmp_path):
    store = Store(str(tmp_path / "s.db"))
    study_id = prepare(store, StudyPlan("flaky", "sgd", "lr-only", trials=8))
    for seed in _data_seeds(store.database):
        flaky[seed] = "No space left on device"
    with pytest.raises(WorkerStopped, match="3 trials in a row failed .*No space left on device"):
        run_inline(store, [study_id], RunOptions(threads=1))
    assert dict(store.state_counts()[study_id]) == {"failed": 3, "pending": 5}


def test_different_errors_do_not_stop_a_worker(flaky, tmp_path):
    store = Store(str(tmp_path / "s.db"))
    study_id = prepare(store, StudyPlan("flaky", "sgd", "lr-only", trials=6))
    for number, seed in enumerate(_data_seeds(store.database)):
        flaky[seed] = f"error number {number}"
    run_inline(store, [study_id], RunOptions(threads=1))
    assert dict(store.state_counts()[study_id]) == {"failed": 6}


def test_the_worker_command_stops_and_says_why(flaky, tmp_path, capsys):
    database = str(tmp_path / "s.db")
    store = Store(database)
    prepare(store, StudyPlan("flaky", "sgd", "lr-only", trials=5))
    for seed in _data_seeds(database):
        flaky[seed] = "libcudart.so: cannot open shared object file"
    assert main(["worker", "--db", database, "--threads", "1"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "stopped after 3 trials in a row failed" in err
    assert "libcudart.so" in err
    assert sorted(s for s, _ in _states(database)) == ["failed"] * 3 + ["pending"] * 2


@pytest.mark.parametrize("device", ["gpu", "cuda", "cuda:7", "CPU"])
def test_a_device_this_machine_lacks_is_refused_before_anything_is_stored(
    flaky, tmp_path, capsys, device
):
    if device.startswith("cuda") and torch.cuda.device_count() > int(device[5:] or 0):
        pytest.skip(f"this machine has {device}")
    database = tmp_path / "s.db"
    assert main([*RUN, "--db", str(database), "--device", device]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"optbench: error: device='{device}' is invalid") and err.count("\n") == 1
    assert not database.exists()
    assert main(["worker", "--db", str(database), "--device", device]) == 2
    assert not database.exists()


def test_a_spawned_worker_stores_its_failure_with_the_error(flaky, tmp_path):
    # "flaky" is registered in this process only: a spawned worker cannot build it.
    from optbench.executors import run_processes

    store = Store(str(tmp_path / "s.db"))
    study_id = prepare(store, StudyPlan("flaky", "sgd", "lr-only", trials=1))
    run_processes(store, [study_id], RunOptions(threads=1), workers=1)
    (row,) = store.failures([study_id])
    assert "workload='flaky' is invalid" in row.error and row.attempts == 1
