"""The study commands: ``optbench run``, ``status``, ``list``, ``export`` and ``worker``.

Everything a command needs is checked before the store is touched: a bad workload, optimizer,
protocol, experiment file, budget or database ends the command with one line and status 2.
"""

from __future__ import annotations

import argparse

from rich.console import Console

from optbench import experiment, protocols, workloads
from optbench.executors import EXECUTORS, run_inline, run_processes, run_ray
from optbench.progress import StudyProgress, summary_table
from optbench.store import DEFAULT_DATABASE, Store
from optbench.study import RunOptions, prepare
from optbench.tables import export_csv, optimizer_table, status_table, workload_table

RUN_FLAGS = {  # flag attribute -> experiment field
    "workload": "workloads",
    "optimizers": "optimizers",
    "protocol": "protocols",
    "trials": "trials",
    "seeds": "seeds",
    "seed": "seed",
    "budget": "budget",
    "eval_every": "eval_every",
    "sampler": "sampler",
    "executor": "executor",
    "workers": "workers",
    "threads": "threads",
    "device": "device",
    "ray_address": "ray_address",
    "data_path": "data_path",
}


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _experiment(args: argparse.Namespace) -> experiment.Experiment:
    overrides = {}
    for flag, field in RUN_FLAGS.items():
        value = getattr(args, flag)
        if value is not None:
            listed = field in ("workloads", "optimizers", "protocols")
            overrides[field] = _split(value) if listed else value
    if args.experiment:
        return experiment.load(args.experiment, **overrides)
    return experiment.from_data(overrides)


def _check_data(spec: experiment.Experiment) -> None:
    """Fail before any trial runs when a workload's data cannot be found."""
    from optbench import data

    for name in spec.workloads:
        data.locate(workloads.create(name).task.dataset, spec.data_path)


def _execute(store: Store, study_ids: list[int], spec: experiment.Experiment, progress) -> None:
    options = RunOptions(device=spec.device, threads=spec.threads, data_path=spec.data_path)
    if spec.executor == "inline":
        run_inline(store, study_ids, options, on_progress=progress)
    elif spec.executor == "processes":
        run_processes(store, study_ids, options, workers=spec.workers, on_progress=progress)
    else:
        run_ray(store, study_ids, options, address=spec.ray_address, on_progress=progress)


def run(args: argparse.Namespace) -> int:
    spec = _experiment(args)
    plans = spec.plans()
    _check_data(spec)
    store = Store(args.db)
    study_ids = [prepare(store, plan) for plan in plans]
    console = Console()
    console.print(f"{len(study_ids)} studies in {args.db}, executor {spec.executor}")
    with StudyProgress(store, study_ids, console) as progress:
        try:
            _execute(store, study_ids, spec, progress.update)
        except KeyboardInterrupt:
            progress.update()
            console.print(
                "interrupted: finished trials are stored; run the same command again to continue"
            )
            return 130
    console.print(summary_table(store, study_ids))
    return 0


def worker(args: argparse.Namespace) -> int:
    store = Store(args.db)
    study_ids = args.study or [study_id for study_id, _ in store.studies()]
    options = RunOptions(device=args.device, threads=args.threads, data_path=args.data_path)
    try:
        finished = run_inline(store, study_ids, options)
    except KeyboardInterrupt:
        print("interrupted: the running trial went back to the queue")
        return 130
    print(f"worker finished {finished} trials; none is left pending")
    return 0


def status(args: argparse.Namespace) -> int:
    Console().print(status_table(Store(args.db)))
    return 0


def list_things(args: argparse.Namespace) -> int:
    console = Console()
    if args.what == "workloads":
        console.print(workload_table())
    elif args.what == "optimizers":
        console.print(optimizer_table())
    else:
        console.print(protocols.describe_protocols())
    return 0


def export(args: argparse.Namespace) -> int:
    for path in export_csv(Store(args.db), args.out):
        print(path)
    return 0


def _db_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=DEFAULT_DATABASE, help="SQLite file or database URL (default: %(default)s)"
    )


def add_study_commands(commands: argparse._SubParsersAction) -> None:
    """``optbench run|worker|status|list|export``."""
    run_parser = commands.add_parser("run", help="run the studies of an experiment")
    run_parser.add_argument("experiment", nargs="?", help="experiment YAML (flags override it)")
    run_parser.add_argument("--workload", help="workload name(s), comma-separated")
    run_parser.add_argument("--optimizers", help="optimizer names, comma-separated")
    run_parser.add_argument("--protocol", help="protocol name(s) or YAML file(s), comma-separated")
    for flag in ("trials", "seeds", "seed", "budget", "eval_every", "workers", "threads"):
        run_parser.add_argument(f"--{flag.replace('_', '-')}", dest=flag, type=int)
    run_parser.add_argument("--sampler", choices=("quasirandom", "random", "grid"))
    run_parser.add_argument("--executor", choices=EXECUTORS)
    run_parser.add_argument("--device", help="cpu, cuda, cuda:N or auto")
    run_parser.add_argument("--ray-address", dest="ray_address", help="join this Ray cluster")
    run_parser.add_argument("--data-path", dest="data_path", help="where the datasets are")
    _db_flag(run_parser)
    run_parser.set_defaults(handler=run)

    worker_parser = commands.add_parser("worker", help="run pending trials of a shared store")
    _db_flag(worker_parser)
    worker_parser.add_argument("--study", type=int, action="append", help="only this study id")
    worker_parser.add_argument("--device", default="cpu")
    worker_parser.add_argument("--threads", type=int)
    worker_parser.add_argument("--data-path", dest="data_path")
    worker_parser.set_defaults(handler=worker)

    status_parser = commands.add_parser("status", help="studies and their trials by state")
    _db_flag(status_parser)
    status_parser.set_defaults(handler=status)

    list_parser = commands.add_parser("list", help="what optbench knows")
    list_parser.add_argument("what", choices=("workloads", "optimizers", "protocols"))
    list_parser.set_defaults(handler=list_things)

    export_parser = commands.add_parser("export", help="trials and measurements as tables")
    _db_flag(export_parser)
    export_parser.add_argument("--format", choices=("csv",), default="csv")
    export_parser.add_argument("--out", default=".", help="directory for the CSV files")
    export_parser.set_defaults(handler=export)
