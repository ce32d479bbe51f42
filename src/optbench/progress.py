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

from optbench.analysis import select_best
from optbench.report.data import load_study
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
