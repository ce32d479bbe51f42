"""``optbench run`` and ``optbench worker``: the commands that train trials.

Everything ``run`` needs is checked before the store is touched: a bad workload, optimizer,
protocol, experiment file, budget or database ends the command with one line and status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from collections import Counter
from collections.abc import Iterator

import torch
from rich.console import Console

from optbench import executors, optimizers, workloads
from optbench.cli.options import database_option, integer, number
from optbench.cli.terminal import StudyProgress, console, render, summary_listing
from optbench.errors import InvalidParameterError, check_int
from optbench.executors import first_line
from optbench.executors.placement import visible_gpus
from optbench.limits import INTEGER_FIELDS
from optbench.store import Store
from optbench.study import experiment, stages
from optbench.study.plan import RunOptions, plan_study, store_study
from optbench.study.trial import check_device
from optbench.tuning import protocols, samplers

# flag attribute -> experiment field; LISTED fields are comma-separated on the command line
RUN_FLAGS = {
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
    "max_attempts": "max_attempts",
    "precision": "precision",
    "two_stage": "two_stage",
    "initial_trials": "initial_trials",
    "trials_per_gpu": "trials_per_gpu",
    "gpus_per_trial": "gpus_per_trial",
}
LISTED = ("workloads", "optimizers", "protocols", "two_stage")


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


def check_data(workload_names: list[str], data_path: str | None) -> None:
    """Fail before anything is stored when a workload's data cannot be found or read: each
    workload's data is loaded once, as a trial would load it (then cached in this process)."""
    for name in dict.fromkeys(workload_names):
        spec = workloads.create(name)
        spec.task.problem(spec.batch_size, 0, torch.device("cpu"), data_path)


def _check_here(spec: experiment.Experiment) -> None:
    """Where trials run on this machine, its device and data are checked before anything is
    stored; a Ray cluster's nodes check their own (a failure is stored and retried)."""
    if spec.precision == "tf32" and not spec.device.startswith("cuda"):
        raise InvalidParameterError("precision", "tf32", f"float32 or bfloat16 on {spec.device}")
    if spec.executor != "ray":
        check_device(spec.device, present=True)
        check_data(spec.workloads, spec.data_path)
    if spec.executor == "processes":
        executors.place_workers(spec.device, visible_gpus(), spec.workers, spec.trials_per_gpu)


def report_failures(store: Store, study_ids: list[int], out: Console) -> int:
    """Print each distinct error of the failed trials once, with how many trials it failed;
    the exit status: 1 when any trial failed, else 0."""
    failed = store.failures(study_ids)
    if not failed:
        return 0
    errors = Counter(first_line(row.error) for row in failed)
    out.print(f"{len(failed)} trials failed ({len(errors)} distinct errors):", markup=False)
    for error, count in errors.most_common():
        out.print(f"  {count} x {error}", markup=False, soft_wrap=True)
    out.print(
        "They run again in the next run, up to --max-attempts in all; "
        "--retry-failed runs them again whatever their attempts.", markup=False
    )
    return 1


@contextlib.contextmanager
def stopped_like_ctrl_c() -> Iterator[None]:
    """While the body runs, SIGTERM (a scheduler's preemption, ``kill``) stops it as Ctrl-C
    does, giving the running trials back; and Ctrl-C works even where a shell started the
    command ignoring it (``optbench run ... &``)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for stop in saved:
        signal.signal(stop, signal.default_int_handler)
    try:
        yield
    finally:
        for stop, handler in saved.items():
            signal.signal(stop, handler)


def run(args: argparse.Namespace) -> int:
    with stopped_like_ctrl_c():
        return _plan_and_run(args)


def _plan_and_run(args: argparse.Namespace) -> int:
    spec = _experiment(args)
    plans = spec.plans()
    planned = [plan_study(plan) for plan in plans]
    _check_here(spec)
    with Store(args.db) as store:
        study_ids = [store_study(store, study) for study in planned]
        initial = [
            stages.Stored(plan, study_id, study.spec.key)
            for plan, study_id, study in zip(plans, study_ids, planned, strict=True)
        ]
        if args.enqueue_only:
            final_ids, waiting = _final_stages(store, spec, initial, args.db, console())
            render([summary_listing(store, study_ids + final_ids)], "table", console())
            return int(waiting)
        return _run(store, spec, study_ids, initial, args)


def _execute(
    store: Store, spec: experiment.Experiment, study_ids: list[int], out: Console
) -> bool:
    """Run the pending trials of ``study_ids`` with a progress bar; False when interrupted."""
    with StudyProgress(store, study_ids, out) as progress:
        try:
            executors.execute(
                spec.executor,
                store,
                study_ids,
                spec.run_options(),
                spec.executor_settings(),
                progress.update,
                lambda line: out.print(line, markup=False, soft_wrap=True),
            )
        except KeyboardInterrupt:
            progress.update()
            out.print(
                "interrupted: finished trials are stored; run the same command again to continue"
            )
            return False
        except executors.ExecutorError as error:
            progress.update()
            out.print(f"optbench: error: {error}", markup=False, soft_wrap=True)
    return True


def _run(
    store: Store,
    spec: experiment.Experiment,
    study_ids: list[int],
    initial: list[stages.Stored],
    args: argparse.Namespace,
) -> int:
    if args.retry_failed:
        store.retry_failed(study_ids)
    out = console()
    out.print(f"{len(study_ids)} studies in {store.shown}, executor {spec.executor}", markup=False)
    initial_ids = [s.study_id for group in stages.initial_groups(initial) for s in group]
    for _ in range(spec.max_attempts):  # failed initial trials are tried again before refine
        if not _execute(store, spec, study_ids, out):
            return 130
        if stages.initial_waiting(store, initial_ids, spec.max_attempts) is None:
            break
    try:
        final_ids, waiting = _final_stages(store, spec, initial, args.db, out)
    except KeyboardInterrupt:
        out.print("interrupted before the final stage: run the same command again to continue")
        return 130
    if final_ids:
        if args.retry_failed:
            store.retry_failed(final_ids)
        out.print(f"{len(final_ids)} final studies", markup=False)
        if not _execute(store, spec, final_ids, out):
            return 130
    render([summary_listing(store, study_ids + final_ids)], "table", out)
    return max(report_failures(store, study_ids + final_ids, out), int(waiting))


def _final_stages(
    store: Store,
    spec: experiment.Experiment,
    initial: list[stages.Stored],
    database: str,
    out: Console,
) -> tuple[list[int], bool]:
    """Refine every two-stage protocol whose initial stage is complete, write its final
    protocol beside the database and store its final studies; their ids, and whether a final
    stage is still waiting (or cannot start: too few finished initial points)."""
    final_ids, waiting = [], False
    for group in stages.initial_groups(initial):
        trials = spec.trials or protocols.load_protocol(group[0].plan.protocol).trials
        where = f"{group[0].plan.stage.protocol} on {group[0].plan.workload}"
        try:
            final = stages.final_stage(store, group, trials=trials, max_attempts=spec.max_attempts)
        except InvalidParameterError as error:
            out.print(f"the final stage of {where} cannot start: {error}", markup=False,
                      soft_wrap=True)  # fmt: skip
            waiting = True
            continue
        if final.waiting is not None:
            out.print(f"the final stage of {where} waits: {final.waiting}", markup=False)
            waiting = True
            continue
        path = stages.final_protocol_path(database, final.workload, final.protocol)
        path.write_text(final.proposal.yaml)
        out.print(f"refined {where}: final protocol in {path}", markup=False, soft_wrap=True)
        for line in final.proposal.inclusion_lines():
            out.print(f"  {line}", markup=False, soft_wrap=True)
        final_ids += [store_study(store, plan_study(plan)) for plan in final.plans]
    return final_ids, waiting


def _check_worker(args: argparse.Namespace) -> None:
    """The worker's flags, checked before the store is opened."""
    for study_id in args.study or ():
        check_int("study", study_id, 1)
    check_int("threads", args.threads, *INTEGER_FIELDS["threads"], optional=True)
    experiment.check_data_path(args.data_path)


def worker(args: argparse.Namespace) -> int:
    with stopped_like_ctrl_c():
        return _work(args)


def _work(args: argparse.Namespace) -> int:
    _check_worker(args)
    options = RunOptions(device=args.device, threads=args.threads, data_path=args.data_path)
    given = {} if args.max_attempts is None else {"max_attempts": args.max_attempts}
    settings = executors.ExecutorSettings(**given)
    check_device(args.device, present=True)
    with Store(args.db, read_only=True) as store:  # a worker needs studies: it creates none
        studies = dict(store.studies())
    study_ids = args.study or list(studies)
    for study_id in study_ids:
        if study_id not in studies:
            raise InvalidParameterError("--study", study_id, f"a study id of {store.shown}")
    for study_id in study_ids:  # an optimizer given by import path must import here too
        optimizers.resolve(studies[study_id].optimizer, parameter=f"optimizer of study {study_id}")
    check_data([studies[study_id].workload for study_id in study_ids], args.data_path)
    with Store(args.db) as store:
        store.retry_failed(study_ids, None if args.retry_failed else settings.max_attempts)
        try:
            finished = executors.run_inline(store, study_ids, options)
        except KeyboardInterrupt:
            print("interrupted: the running trial went back to the queue")
            return 130
        except executors.WorkerStopped as stopped:
            print(f"optbench: error: worker {stopped}", file=sys.stderr)
            return 1
        print(f"worker finished {finished} trials; none is left pending")
        return report_failures(store, study_ids, console())


def register(commands: argparse._SubParsersAction) -> None:
    run_parser = commands.add_parser(
        "run", parents=[database_option()], help="run the studies of an experiment"
    )
    run_parser.add_argument("experiment", nargs="?", help="experiment YAML (flags override it)")
    run_parser.add_argument("--workload", help="workload name(s), comma-separated")
    run_parser.add_argument("--optimizers", help="optimizer names, comma-separated")
    run_parser.add_argument("--protocol", help="protocol name(s) or YAML file(s), comma-separated")
    run_parser.add_argument(
        "--two-stage",
        dest="two_stage",
        help="protocol name(s) to run in two stages: initial studies, refine, final studies",
    )
    for flag in ("trials", "initial_trials", "seeds", "seed", "budget", "eval_every", "workers",
                 "threads", "trials_per_gpu"):  # fmt: skip
        run_parser.add_argument(f"--{flag.replace('_', '-')}", dest=flag, type=integer)
    run_parser.add_argument(
        "--gpus-per-trial", dest="gpus_per_trial", type=number,
        help="the share of a GPU each Ray trial holds (0.25: four trials per GPU)",
    )  # fmt: skip
    run_parser.add_argument("--sampler", choices=samplers.available())
    run_parser.add_argument("--executor", choices=executors.available())
    run_parser.add_argument("--device", help="cpu, cuda, cuda:N, mps or auto")
    run_parser.add_argument(
        "--precision", help="float32 (default), tf32 (CUDA) or bfloat16 (autocast)"
    )
    run_parser.add_argument("--ray-address", dest="ray_address", help="join this Ray cluster")
    run_parser.add_argument("--data-path", dest="data_path", help="where the datasets are")
    _add_retry_flags(run_parser)
    run_parser.add_argument(
        "--enqueue-only",
        dest="enqueue_only",
        action="store_true",
        help="create the studies and their pending trials, train none (for optbench worker)",
    )
    run_parser.set_defaults(handler=run)

    worker_parser = commands.add_parser(
        "worker", parents=[database_option()], help="run pending trials of a shared store"
    )
    worker_parser.add_argument("--study", type=integer, action="append", help="only this study id")
    worker_parser.add_argument("--device", default="cpu")
    worker_parser.add_argument("--threads", type=integer)
    worker_parser.add_argument("--data-path", dest="data_path")
    _add_retry_flags(worker_parser)
    worker_parser.set_defaults(handler=worker)


def _add_retry_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-attempts",
        dest="max_attempts",
        type=int,
        help="try a trial that fails at most this many times in all (default: 3)",
    )
    parser.add_argument(
        "--retry-failed",
        dest="retry_failed",
        action="store_true",
        help="put every failed trial back, whatever its attempts",
    )
