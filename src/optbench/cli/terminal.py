"""Everything the command line prints: listings of studies, failed trials, workloads,
optimizers and protocols, a live progress bar over running trials, and the summary of a run.

A listing is records (a name beside each value) with a title; :func:`render` prints it as a
table for a person, or as CSV or JSON for a script. A table printed where stdout is not a
terminal keeps every value whole (no folding at 80 columns), so that ``grep`` finds it.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import time
from collections import defaultdict
from dataclasses import dataclass

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
from optbench.executors import first_line
from optbench.report.data import load_study
from optbench.store import FINISHED_STATES, WAITING_STATES, Store, TrialState
from optbench.tuning import protocols

FORMATS = ("table", "csv", "json")
STATES = [state.value for state in TrialState]
FINISHED = [state.value for state in FINISHED_STATES]
WAITING = [state.value for state in WAITING_STATES]
WIDE = 1_000_000  # console width where stdout is not a terminal: nothing folds


def console() -> Console:
    """A console for stdout: the terminal's width, or unlimited when piped."""
    return Console() if sys.stdout.isatty() else Console(width=WIDE)


@dataclass(frozen=True)
class Listing:
    """Rows of one kind: ``records`` share the keys of ``columns``, in that order."""

    name: str
    title: str
    columns: tuple[str, ...]
    records: list[dict[str, object]]

    def __post_init__(self) -> None:
        for record in self.records:
            if tuple(record) != self.columns:
                raise ValueError(f"{self.name}: a record has {tuple(record)}, not {self.columns}")


def render(listings: list[Listing], output_format: str, out: Console) -> None:
    """Print ``listings``: tables, CSV (the first listing only: one header per output) or
    one JSON object with a list per listing."""
    if output_format == "json":
        data = {listing.name: listing.records for listing in listings}
        print(json.dumps(data, indent=2, default=str))
    elif output_format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(listings[0].columns)
        writer.writerows([record[c] for c in listings[0].columns] for record in listings[0].records)
    else:
        for listing in listings:
            if listing.records or listing is listings[0]:
                out.print(_table(listing))


def _table(listing: Listing) -> Table:
    table = Table(title=listing.title)
    for column in listing.columns:
        numeric = all(isinstance(r[column], (int, float)) for r in listing.records)
        # a name too long for the terminal folds onto more lines rather than losing its end
        justify, overflow = ("right", "ellipsis") if numeric else ("left", "fold")
        table.add_column(column.replace("_", " "), justify=justify, overflow=overflow)
    for record in listing.records:
        table.add_row(*("-" if v is None else str(v) for v in record.values()))
    return table


def status_listings(store: Store) -> list[Listing]:
    """Every study with its trials counted by state, and every failed trial with the first
    line of its error."""
    counts = store.state_counts()
    studies = store.studies()
    names = dict(studies)
    study_records = [
        {
            "id": study_id,
            "study": spec.name,
            **{s: counts.get(study_id, {}).get(s, 0) for s in STATES},
        }
        for study_id, spec in studies
    ]
    failed_records = [
        {
            "study_id": row.study_id,
            "study": names[row.study_id].name,
            "index": row.index,
            "replicate": row.replicate,
            "attempts": row.attempts,
            "error": first_line(row.error),
        }
        for row in store.failures()
    ]
    return [
        Listing("studies", f"studies in {store.shown}", ("id", "study", *STATES), study_records),
        Listing(
            "failed_trials",
            "failed trials (run again up to --max-attempts; --retry-failed for all)",
            ("study_id", "study", "index", "replicate", "attempts", "error"),
            failed_records,
        ),
    ]


def workload_listing() -> Listing:
    records = []
    for name in workloads.available():
        spec = workloads.create(name)
        records.append(
            {
                "name": name,
                "batch": spec.batch_size,
                "budget": spec.budget,
                "eval_every": spec.eval_every,
                "target": spec.target,
                "target_metric": None if spec.target is None else spec.target_metric,
                "base_lr": spec.base_lr,
                "about": spec.description,
            }
        )
    columns = (
        "name",
        "batch",
        "budget",
        "eval_every",
        "target",
        "target_metric",
        "base_lr",
        "about",
    )
    return Listing("workloads", "workloads", columns, records)


def _default(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def optimizer_listing() -> Listing:
    records = []
    for name in optimizers.available():
        entry = optimizers.get(name)
        hparams = ", ".join(
            key if default is None else f"{key}={_default(default)}"
            for key, default in entry.hyperparameters.items()
        )
        records.append(
            {"name": name, "class": entry.optimizer_class.__name__, "hyperparameters": hparams}
        )
    return Listing("optimizers", "optimizers", ("name", "class", "hyperparameters"), records)


def protocol_listing() -> Listing:
    records = []
    for name in protocols.list_protocols():
        protocol = protocols.load_protocol(name)
        records.append(
            {
                "name": protocol.name,
                "sampler": protocol.sampler,
                "trials": protocol.trials,
                "optimizers": ", ".join(protocol.spaces),
                "about": protocol.description,
            }
        )
    columns = ("name", "sampler", "trials", "optimizers", "about")
    return Listing("protocols", "protocols", columns, records)


class StudyProgress:
    """A progress bar over the trials of ``study_ids``: finished / total, diverged and failed
    counts, elapsed time and ETA. ``update()`` re-reads the counts from the store. When the
    output is not a terminal (piped, a log file), a bar cannot redraw: a plain line of the same
    counts is printed instead when they change, at most every :attr:`LINE_EVERY` seconds."""

    LINE_EVERY = 30.0

    def __init__(self, store: Store, study_ids: list[int], out: Console) -> None:
        self.store, self.study_ids, self.out = store, study_ids, out
        self.started = time.monotonic()
        self.last_line: tuple[float, int] | None = None  # (when, finished) of the last line
        self.progress = Progress(
            TextColumn("trials"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[diverged]} diverged, {task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=out,
            disable=not out.is_terminal,
        )
        self.task = self.progress.add_task("trials", total=None, diverged=0, failed=0)

    def update(self, final: bool = False) -> None:
        totals: dict[str, int] = defaultdict(int)
        for counts in self.store.state_counts(self.study_ids).values():
            for state, count in counts.items():
                totals[state] += count
        finished, total = sum(totals[s] for s in FINISHED), sum(totals.values())
        self.progress.update(
            self.task,
            completed=finished,
            total=total,
            diverged=totals["diverged"],
            failed=totals["failed"],
        )
        if not self.out.is_terminal:
            self._line(finished, total, totals["diverged"], totals["failed"], final)

    def _line(self, finished: int, total: int, diverged: int, failed: int, final: bool) -> None:
        now = time.monotonic()
        if self.last_line is not None and not final:
            when, shown = self.last_line
            if finished == shown or now - when < self.LINE_EVERY:
                return
        self.last_line = (now, finished)
        elapsed = int(now - self.started)
        self.out.print(
            f"trials {finished}/{total}, {diverged} diverged, {failed} failed, "
            f"{elapsed // 60}:{elapsed % 60:02d} elapsed",
            highlight=False,
        )

    def __enter__(self) -> StudyProgress:
        self.progress.start()
        self.update()
        return self

    def __exit__(self, *_: object) -> None:
        self.update(final=True)
        self.progress.stop()


def _percent(value: float) -> str | None:
    return f"{value:.2%}" if math.isfinite(value) else ("inf" if value > 0 else None)


def summary_listing(store: Store, study_ids: list[int]) -> Listing:
    """One row per study: trials by state, and the best trial by final validation error."""
    specs = dict(store.studies())
    counts = store.state_counts(study_ids)
    records = []
    for study_id in study_ids:
        count = counts.get(study_id, {})
        study = load_study(store, study_id, specs[study_id], dict(count))
        best: tuple[str | None, str | None] = (None, None)  # no finished trial yet
        if study.points.size:
            selection = select_best(study.final, diverged=study.diverged)
            reported = selection.reported
            best = (_percent(reported["validation_error"]), _percent(reported["test_error"]))
        records.append(
            {
                "study": specs[study_id].name,
                **{s: count.get(s, 0) for s in FINISHED},
                "left": sum(count.get(s, 0) for s in WAITING),
                "best_val_error": best[0],
                "its_test_error": best[1],
            }
        )
    columns = ("study", *FINISHED, "left", "best_val_error", "its_test_error")
    return Listing("summary", "studies", columns, records)
