"""A study survives its worker: kill -9, Ctrl-C, and two workers on one study, through the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from optbench.store import Store
from optbench.study.plan import prepare

RUN = [
    sys.executable, "-m", "optbench.cli", "run", "--workload", "fmnist_mlp_cpu",
    "--optimizers", "adam", "--protocol", "lr-only", "--trials", "4", "--budget", "300",
    "--eval-every", "150", "--threads", "1",
]  # fmt: skip
ROWS_PER_TRIAL = 2 * 4 + 2  # two evaluations; the test split after the last only


def _start(database: str, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*RUN, *flags, "--db", database],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_until_one_done_and_one_running(database: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        if os.path.exists(database):
            states = [t.state.value for t in _trials(database)]
            if "done" in states and "running" in states:
                return
        time.sleep(0.05)
    raise AssertionError("the study never had a trial done and one running")


def _trials(database: str):
    """The trials of the one study in ``database`` ([] before the study exists)."""
    store = Store(database)
    try:
        return [trial for study_id, _ in store.studies() for trial in store.trials(study_id)]
    finally:
        store.engine.dispose()


def _measurement_count(database: str) -> int:
    store = Store(database)
    ((study_id, _),) = store.studies()
    count = len(store.measurements(study_id))
    store.engine.dispose()
    return count


def test_kill_9_mid_trial_then_the_same_command_finishes_every_trial_once(real_fmnist, tmp_path):
    database = str(tmp_path / "optbench.db")
    process = _start(database)
    _wait_until_one_done_and_one_running(database, process)
    process.kill()
    process.wait()
    killed = [t.index for t in _trials(database) if t.state.value == "running"]
    assert len(killed) == 1

    rerun = subprocess.run([*RUN, "--db", database], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    trials = _trials(database)
    assert [t.state.value for t in trials] == ["done"] * 4
    assert [t.attempts for t in trials] == [2 if t.index in killed else 1 for t in trials]
    assert _measurement_count(database) == 4 * ROWS_PER_TRIAL


@pytest.mark.parametrize("executor", ["inline", "processes"])
def test_ctrl_c_gives_the_running_trial_back_and_marks_nothing_done_that_is_not(
    real_fmnist, tmp_path, executor
):
    database = str(tmp_path / "optbench.db")
    process = _start(database, "--executor", executor)  # SIGINT reaches the parent alone
    _wait_until_one_done_and_one_running(database, process)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "run the same command again to continue" in output
    states = [t.state.value for t in _trials(database)]
    assert "running" not in states and "done" in states and "pending" in states
    done_before = states.count("done")
    assert _measurement_count(database) == done_before * ROWS_PER_TRIAL

    rerun = subprocess.run([*RUN, "--db", database], capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert [t.state.value for t in _trials(database)] == ["done"] * 4
    assert _measurement_count(database) == 4 * ROWS_PER_TRIAL


def test_two_worker_processes_finish_a_study_without_running_a_trial_twice(
    real_fmnist, tmp_path, small_plan, rows_per_trial
):
    database = str(tmp_path / "optbench.db")
    store = Store(database)
    study = prepare(store, small_plan(trials=6))
    command = [sys.executable, "-m", "optbench.cli", "worker", "--db", database, "--threads", "1"]
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0]
    finished = sorted(int(output.split("finished ")[1].split()[0]) for output in outputs)
    assert sum(finished) == 6
    trials = store.trials(study)
    assert [(t.state.value, t.attempts) for t in trials] == [("done", 1)] * 6
    assert len(store.measurements(study)) == 6 * rows_per_trial


def test_sigterm_stops_a_run_like_ctrl_c_even_when_started_ignoring_sigint(
    real_fmnist, tmp_path
):
    # A shell starts a background command with SIGINT ignored; a scheduler stops it with
    # SIGTERM: the run still gives its trial back and can be continued.
    database = str(tmp_path / "optbench.db")
    process = subprocess.Popen(
        [*RUN, "--db", database],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    _wait_until_one_done_and_one_running(database, process)
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    states = [t.state.value for t in _trials(database)]
    assert "running" not in states and "done" in states and "pending" in states
