"""No orphans: the workers of the processes executor end when their parent is killed, even with
SIGKILL, giving their trials back; and a script without a __main__ guard is an error, not a
silent no-op."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from optbench.store import Store, StoreError


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in found.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_workers_end_within_seconds_of_their_parents_sigkill(real_fmnist, tmp_path):
    database = str(tmp_path / "s.db")
    command = [sys.executable, "-m", "optbench.cli", "run", "--workload", "fmnist_mlp_cpu",
               "--optimizers", "adam", "--protocol", "lr-only", "--trials", "4", "--budget",
               "3000", "--executor", "processes", "--workers", "2", "--db", database]  # fmt: skip
    parent = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and (len(workers) < 2 or _running(database) < 2):
        workers = [pid for pid in _children(parent.pid) if _alive(pid)]
        time.sleep(0.2)
    assert len(workers) >= 2, "the workers never started"
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    killed = time.monotonic()
    while any(_alive(pid) for pid in workers) and time.monotonic() - killed < 30:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
    assert time.monotonic() - killed < 15
    with Store(database, read_only=True) as store:
        assert store.state_counts()[1].get("running", 0) == 0  # given back, not abandoned
        assert store.state_counts()[1]["pending"] >= 2


def _running(database: str) -> int:
    """How many trials of study 1 are running (0 before the study exists)."""
    try:
        with Store(database, read_only=True) as store:
            return store.state_counts().get(1, {}).get("running", 0)
    except StoreError:
        return 0


def test_a_script_without_a_main_guard_is_an_error_not_a_silent_no_op(real_fmnist, tmp_path):
    script = tmp_path / "study.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from optbench.executors import run_processes
            from optbench.store import Store, StoreError
            from optbench.study import RunOptions, StudyPlan, prepare

            store = Store({str(tmp_path / "s.db")!r})
            study = prepare(store, StudyPlan("fmnist_mlp_cpu", "sgd", "lr-only", trials=2,
                                             budget=5))
            run_processes(store, [study], RunOptions(threads=1), workers=2)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode != 0
    assert "ExecutorError: 2 of 2 worker processes died" in done.stderr
    assert '__name__ == "__main__"' in done.stderr
