"""Everything the command line prints: tables of studies, workloads and optimizers, a live
progress bar over running trials, and the summary at the end of a run."""

from __future__ import annotations

import math
from collections import defaultdict

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from optbench import optimizers, workloads
from optbench.analysis import select_best
from optbench.report.data import load_study
from optbench.store import FINISHED_STATES, Store, TrialState

STATES = [state.value for state in TrialState]


def status_table(store: Store) -> Table:
    """Every study of the store with its trials counted by state."""
    table = Table(title=f"studies in {store.database}")
    table.add_column("id", justify="right")
    table.add_column("study", overflow="fold")
    for state in STATES:
        table.add_column(state, justify="right")
    counts = store.state_counts()
    for study_id, spec in store.studies():
        count = counts.get(study_id, {})
        table.add_row(str(study_id), spec.name, *(str(count.get(s, 0)) for s in STATES))
    return table


def workload_table() -> Table:
    table = Table(title="workloads")
    for column in ("name", "batch", "budget", "eval every", "target", "base lr", "about"):
        table.add_column(column)
    for name in workloads.available():
        spec = workloads.create(name)
        target = "-" if spec.target is None else f"{spec.target:.1%}"
        table.add_row(
            name,
            str(spec.batch_size),
            str(spec.budget),
            str(spec.eval_every),
            target,
            f"{spec.base_lr:g}",
            spec.description,
        )
    return table


def optimizer_table() -> Table:
    table = Table(title="optimizers")
    table.add_column("name")
    table.add_column("class")
    table.add_column("hyperparameters (default)")
    for name in optimizers.available():
        entry = optimizers.get(name)
        hparams = ", ".join(
            key
            if default is None
            else f"{key}={default:g}"
            if isinstance(default, float)
            else f"{key}={default}"
            for key, default in entry.hyperparameters.items()
        )
        table.add_row(name, entry.optimizer_class.__name__, hparams)
    return table



FINISHED = [state.value for state in FINISHED_STATES]


class StudyProgress:
    """A progress bar over the trials of ``study_ids``: finished / total, diverged and failed
    counts, elapsed time and ETA. ``update()`` re-reads the counts from the store."""

    def __init__(self, store: Store, study_ids: list[int], console: Console) -> None:
        self.store, self.study_ids = store, study_ids
        self.progress = Progress(
            TextColumn("trials"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[diverged]} diverged, {task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
        )
        self.task = self.progress.add_task("trials", total=None, diverged=0, failed=0)

    def update(self) -> None:
        totals: dict[str, int] = defaultdict(int)
        for counts in self.store.state_counts(self.study_ids).values():
            for state, count in counts.items():
                totals[state] += count
        self.progress.update(
            self.task,
            completed=sum(totals[s] for s in FINISHED),
            total=sum(totals.values()),
            diverged=totals["diverged"],
            failed=totals["failed"],
        )

    def __enter__(self) -> StudyProgress:
        self.progress.start()
        self.update()
        return self

    def __exit__(self, *_: object) -> None:
        self.update()
        self.progress.stop()


def summary_table(store: Store, study_ids: list[int]) -> Table:
    """One row per study: trials by state, and the best trial by final validation error."""
    table = Table(title="studies")
    for column in (
        "study",
        "done",
        "diverged",
        "failed",
        "left",
        "best val. error",
        "its test error",
    ):
        if column == "study":
            table.add_column(column, overflow="fold")
        else:
            table.add_column(column, justify="right")
    specs = dict(store.studies())
    counts = store.state_counts(study_ids)
    for study_id in study_ids:
        count = counts.get(study_id, {})
        study = load_study(store, study_id, specs[study_id], dict(count))
        best = (math.nan, math.nan)
        if study.points.size:
            selection = select_best(study.final, diverged=study.diverged)
            best = (selection.reported["validation_error"], selection.reported["test_error"])
        left = count.get("pending", 0) + count.get("running", 0)
        table.add_row(
            specs[study_id].name,
            *(str(count.get(s, 0)) for s in FINISHED),
            str(left),
            f"{best[0]:.2%}",
            f"{best[1]:.2%}",
        )
    return table
