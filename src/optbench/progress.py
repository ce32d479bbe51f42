"""What a running study shows: a live progress bar, and a summary table at the end."""

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

from optbench.store import Store

FINISHED = ("done", "diverged", "failed")


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


def final_errors(store: Store, study_id: int) -> dict[int, tuple[float, float]]:
    """Trial id -> (validation error, test error) at its last evaluation; +inf if diverged."""
    last: dict[int, dict[str, tuple[int, float]]] = defaultdict(dict)
    for row in store.measurements(study_id):
        if row.metric in ("validation_error", "test_error"):
            value = math.nan if row.value is None else row.value
            if row.step >= last[row.trial_id].get(row.metric, (-1, 0.0))[0]:
                last[row.trial_id][row.metric] = (row.step, value)
    errors = {}
    for trial in store.trials(study_id):
        if trial.state.value == "diverged":
            errors[trial.id] = (math.inf, math.inf)
        elif trial.state.value == "done" and trial.id in last:
            metrics = last[trial.id]
            errors[trial.id] = (metrics["validation_error"][1], metrics["test_error"][1])
    return errors


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
        errors = final_errors(store, study_id)
        best = min(errors.values(), key=lambda e: e[0], default=(math.nan, math.nan))
        left = count.get("pending", 0) + count.get("running", 0)
        table.add_row(
            specs[study_id].name,
            *(str(count.get(s, 0)) for s in FINISHED),
            str(left),
            f"{best[0]:.2%}",
            f"{best[1]:.2%}",
        )
    return table
