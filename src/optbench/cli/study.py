"""``optbench run`` and ``optbench worker``: the commands that train trials.

Everything ``run`` needs is checked before the store is touched: a bad workload, optimizer,
protocol, experiment file, budget or database ends the command with one line and status 2.
"""

from __future__ import annotations

import argparse

from rich.console import Console

from optbench import data, executors, workloads
from optbench.cli.options import database_option, integer
from optbench.cli.terminal import StudyProgress, summary_table
from optbench.errors import check_int
from optbench.limits import INTEGER_FIELDS
from optbench.store import Store
from optbench.study import experiment
from optbench.study.plan import RunOptions, prepare
from optbench.tuning import samplers

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
LISTED = ("workloads", "optimizers", "protocols")  # comma-separated on the command line


def _split(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _experiment(args: argparse.Namespace) -> experiment.Experiment:
    overrides = {}
    for flag, field in RUN_FLAGS.items():
        value = getattr(args, flag)
        if value is not None:
            overrides[field] = _split(value) if field in LISTED else value
    if args.experiment:
        return experiment.load(args.experiment, **overrides)
    return experiment.from_data(overrides)


def _check_data(spec: experiment.Experiment) -> None:
    """Fail before any trial runs when a workload's data cannot be found."""
    for name in spec.workloads:
        data.locate(workloads.create(name).task.dataset, spec.data_path)


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
            executors.execute(
                spec.executor,
                store,
                study_ids,
                spec.run_options(),
                spec.executor_settings(),
                progress.update,
            )
        except KeyboardInterrupt:
            progress.update()
            console.print(
                "interrupted: finished trials are stored; run the same command again to continue"
            )
            return 130
    console.print(summary_table(store, study_ids))
    return 0


def _check_worker(args: argparse.Namespace) -> None:
    """The worker's flags, checked before the store is opened."""
    for study_id in args.study or ():
        check_int("study", study_id, 1)
    check_int("threads", args.threads, *INTEGER_FIELDS["threads"], optional=True)
    experiment.check_data_path(args.data_path)


def worker(args: argparse.Namespace) -> int:
    _check_worker(args)
    store = Store(args.db)
    study_ids = args.study or [study_id for study_id, _ in store.studies()]
    options = RunOptions(device=args.device, threads=args.threads, data_path=args.data_path)
    try:
        finished = executors.run_inline(store, study_ids, options)
    except KeyboardInterrupt:
        print("interrupted: the running trial went back to the queue")
        return 130
    print(f"worker finished {finished} trials; none is left pending")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    run_parser = commands.add_parser(
        "run", parents=[database_option()], help="run the studies of an experiment"
    )
    run_parser.add_argument("experiment", nargs="?", help="experiment YAML (flags override it)")
    run_parser.add_argument("--workload", help="workload name(s), comma-separated")
    run_parser.add_argument("--optimizers", help="optimizer names, comma-separated")
    run_parser.add_argument("--protocol", help="protocol name(s) or YAML file(s), comma-separated")
    for flag in ("trials", "seeds", "seed", "budget", "eval_every", "workers", "threads"):
        run_parser.add_argument(f"--{flag.replace('_', '-')}", dest=flag, type=integer)
    run_parser.add_argument("--sampler", choices=samplers.available())
    run_parser.add_argument("--executor", choices=executors.available())
    run_parser.add_argument("--device", help="cpu, cuda, cuda:N or auto")
    run_parser.add_argument("--ray-address", dest="ray_address", help="join this Ray cluster")
    run_parser.add_argument("--data-path", dest="data_path", help="where the datasets are")
    run_parser.set_defaults(handler=run)

    worker_parser = commands.add_parser(
        "worker", parents=[database_option()], help="run pending trials of a shared store"
    )
    worker_parser.add_argument("--study", type=integer, action="append", help="only this study id")
    worker_parser.add_argument("--device", default="cpu")
    worker_parser.add_argument("--threads", type=integer)
    worker_parser.add_argument("--data-path", dest="data_path")
    worker_parser.set_defaults(handler=worker)
