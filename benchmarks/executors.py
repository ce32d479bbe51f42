"""The same 8-trial study on fmnist_mlp_cpu, run directly and by each executor, in one session.

- direct:      ``run_trial`` on the 8 trials in this process, no store (the baseline).
- inline:      the study through the store in this process: the store's overhead.
- two plain:   2 subprocesses each calling ``run_trial`` on 4 trials, no store: what two
               1-thread trials get out of this machine.
- processes:   ``run_processes`` with 2 workers: its share of that throughput.
- ray:         ``run_ray`` on a local 2-CPU Ray cluster: its overhead per trial over two plain.

Every trial uses one torch thread. Medians over ``--repeats`` runs; needs the real
Fashion-MNIST (``make data``).

    .venv/bin/python benchmarks/executors.py [--budget 1500] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from optbench.executors import run_inline, run_processes, run_ray
from optbench.store import Store
from optbench.study.plan import RunOptions, StudyPlan, prepare, trial_of
from optbench.study.runner import run_trial

TRIALS = 8
OPTIONS = RunOptions(threads=1)


def _fresh_study(folder: Path, budget: int) -> tuple[Store, int]:
    store = Store(str(folder / f"{time.monotonic_ns()}.db"))
    plan = StudyPlan("fmnist_mlp_cpu", "momentum", "lr-only", trials=TRIALS, budget=budget)
    return store, prepare(store, plan)


def _trials(store: Store, study_id: int) -> list:
    """The study's trials as the runner sees them (claimed by nobody: read from the rows)."""
    from optbench.store import Claim, QueuedTrial

    spec = dict(store.studies())[study_id]
    rows = store.trials(study_id)
    fields = QueuedTrial.__dataclass_fields__
    return [
        trial_of(Claim(r.id, spec, QueuedTrial(**{f: getattr(r, f) for f in fields})), OPTIONS)
        for r in rows
    ]


def _timed_executor(folder: Path, budget: int, execute) -> tuple[float, float]:
    """(wall seconds of ``execute(store, study_ids)`` on a fresh copy of the study, the sum of
    its trials' own seconds: setup, training and evaluation, as each trial measured them)."""
    store, study = _fresh_study(folder, budget)
    start = time.perf_counter()
    execute(store, [study])
    wall = time.perf_counter() - start
    rows = store.trials(study)
    return wall, sum(r.setup_seconds + r.train_seconds + r.eval_seconds for r in rows)


EXECUTORS = {
    "inline": lambda store, ids: run_inline(store, ids, OPTIONS),
    "processes": lambda store, ids: run_processes(store, ids, OPTIONS, workers=2),
    "ray": lambda store, ids: run_ray(store, ids, OPTIONS),
}


def _two_plain(trials: list) -> float:
    """Two subprocesses, each running half the trials with run_trial."""
    import pickle

    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for half in (trials[::2], trials[1::2]):
            path = Path(folder) / f"{len(paths)}.pkl"
            path.write_bytes(pickle.dumps(half))
            paths.append(path)
        code = (
            "import pickle, sys\nfrom optbench.study.runner import run_trial\n"
            "for trial in pickle.load(open(sys.argv[1], 'rb')): run_trial(trial)\n"
        )
        start = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, "-c", code, str(p)]) for p in paths]
        for worker in workers:
            worker.wait()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=1500, help="steps per trial")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {k: [] for k in ("direct", "two plain", *EXECUTORS)}
    overheads: dict[str, list[float]] = {k: [] for k in EXECUTORS}
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        store, study = _fresh_study(folder, args.budget)
        trials = _trials(store, study)
        run_trial(trials[0])  # warm the data cache and torch
        import ray

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        for _ in range(args.repeats):
            start = time.perf_counter()
            for trial in trials:
                run_trial(trial)
            times["direct"].append(time.perf_counter() - start)
            times["two plain"].append(_two_plain(trials))
            for name, execute in EXECUTORS.items():
                wall, trial_seconds = _timed_executor(folder, args.budget, execute)
                slots = 1 if name == "inline" else 2
                times[name].append(wall)
                overheads[name].append((wall * slots - trial_seconds) / TRIALS)
        ray.shutdown()
    median = {k: statistics.median(v) for k, v in times.items()}
    overhead = {k: statistics.median(v) for k, v in overheads.items()}
    print(f"{TRIALS} trials of fmnist_mlp_cpu, {args.budget} steps, 1 thread each; "
          f"median of {args.repeats} (seconds)")  # fmt: skip
    for name, seconds in median.items():
        print(f"  {name:<10} {seconds:8.2f}")
    per_trial = median["direct"] / TRIALS
    print("wall time per trial beyond the trial's own (setup, training, evaluation):")
    for name, seconds in overhead.items():
        print(f"  {name:<10} {seconds:+6.3f} s  ({seconds / per_trial:+.1%} of a trial)")
    print(f"store overhead (inline):            {overhead['inline'] / per_trial:+.2%} (goal < 1 %)")
    share = median["two plain"] / median["processes"]
    print(f"processes / two plain throughput:   {share:.2f}    (goal >= 0.90)")
    print(f"ray overhead per trial:             {overhead['ray']:+.2f} s (goal < 0.5 s)")


if __name__ == "__main__":
    main()
