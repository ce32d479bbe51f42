"""The report's tables: plain rows built from the results, written as CSV (one file each) and
reused by ``summary.md`` and the HTML page, so every number appears once, computed once.

Numbers are written in full precision (Python's ``repr`` of a float; ``inf`` for +inf, empty
for a missing value), so a CSV reads back to exactly the values the analysis returned.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optbench.report.data import StudyData
from optbench.report.results import GroupResult, WorkloadResult


@dataclass(frozen=True)
class Table:
    """A named table: ``columns`` and ``rows`` (tuples aligned with ``columns``)."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple]

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def write_csv(table: Table, directory: Path) -> Path:
    """Write ``table`` to ``directory/<name>.csv``."""
    path = directory / f"{table.name}.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.columns)
        writer.writerows([_cell(v) for v in row] for row in table.rows)
    return path


def group_items(results: dict[str, WorkloadResult]) -> Iterable[tuple[str, str, GroupResult]]:
    for workload, result in results.items():
        for protocol, group in result.groups.items():
            yield workload, protocol, group


def study_status(study: StudyData, results: dict[str, WorkloadResult]) -> str:
    """compared, superseded (a newer study of the same triple is compared) or waiting."""
    result = results.get(study.spec.workload)
    group = result.groups.get(study.spec.protocol) if result else None
    if group is not None and group.group.studies.get(study.spec.optimizer) is study:
        return "compared"
    return "waiting" if study.n_points == 0 else "superseded"


def studies_table(studies: list[StudyData], results: dict[str, WorkloadResult]) -> Table:
    columns = (
        "study_id",
        "name",
        "workload",
        "protocol",
        "optimizer",
        "sampler",
        "seed",
        "budget",
        "eval_every",
        "target",
        "planned_points",
        "seeds",
        "points",
        "done",
        "diverged",
        "failed",
        "pending",
        "running",
        "partial",
        "status",
        "space_hash",
    )
    rows = []
    for s in studies:
        spec, counts = s.spec, s.counts
        rows.append(
            (
                s.id,
                spec.name,
                spec.workload,
                spec.protocol,
                spec.optimizer,
                spec.sampler,
                spec.seed,
                spec.budget,
                spec.eval_every,
                s.target,
                spec.settings.get("trials"),
                spec.settings.get("seeds"),
                s.n_points,
                *(counts.get(k, 0) for k in ("done", "diverged", "failed", "pending", "running")),
                s.partial,
                study_status(s, results),
                spec.space_hash,
            )
        )
    return Table("studies", columns, rows)


def rankings_table(results: dict[str, WorkloadResult]) -> Table:
    columns = (
        "workload",
        "protocol",
        "criterion",
        "rank",
        "optimizer",
        "n_points",
        "k",
        "best",
        "median",
        "lower",
        "upper",
        "flattening_k",
    )
    rows = []
    for workload, protocol, group in group_items(results):
        for name, criterion in group.criteria.items():
            flat = group.flattening.get(name, {})
            for s in criterion.ranking.standings:
                rows.append(
                    (
                        workload,
                        protocol,
                        name,
                        s.rank,
                        s.name,
                        s.n_trials,
                        s.k,
                        s.best,
                        s.band.median,
                        s.band.lower,
                        s.band.upper,
                        flat.get(s.name),
                    )
                )
    return Table("rankings", columns, rows)


def best_trials_table(results: dict[str, WorkloadResult]) -> Table:
    columns = (
        "workload",
        "protocol",
        "optimizer",
        "point",
        "validation_error",
        "test_error",
        "train_loss",
        "hparams",
        "schedule_params",
    )
    rows = []
    for workload, protocol, group in group_items(results):
        for name, selection in group.best.items():
            study = group.group.studies[name]
            point = int(study.points[selection.index])
            reported = selection.reported
            rows.append(
                (
                    workload,
                    protocol,
                    name,
                    point,
                    reported["validation_error"],
                    reported["test_error"],
                    reported["train_loss"],
                    study.hparams[selection.index],
                    study.schedule_params[selection.index],
                )
            )
    return Table("best_trials", columns, rows)


def verdicts_table(results: dict[str, WorkloadResult]) -> Table:
    columns = (
        "workload",
        "protocol",
        "criterion",
        "special",
        "general",
        "verdict",
        "special_median",
        "special_lower",
        "special_upper",
        "general_median",
        "general_lower",
        "general_upper",
        "p_general_beats",
    )
    rows = []
    for workload, protocol, group in group_items(results):
        for name, criterion in group.criteria.items():
            for v in criterion.verdicts:
                s, g = v.special_band, v.general_band
                rows.append(
                    (
                        workload,
                        protocol,
                        name,
                        v.special,
                        v.general,
                        v.verdict,
                        s.median,
                        s.lower,
                        s.upper,
                        g.median,
                        g.lower,
                        g.upper,
                        v.p_general_beats,
                    )
                )
    return Table("verdicts", columns, rows)


def wins_table(results: dict[str, WorkloadResult]) -> Table:
    columns = ("workload", "protocol", "criterion", "optimizer", "opponent", "p_beats")
    rows = [
        (workload, protocol, name, a, b, float(criterion.wins(a, b)))
        for workload, protocol, group in group_items(results)
        for name, criterion in group.criteria.items()
        for a in criterion.wins.names
        for b in criterion.wins.names
        if a != b
    ]
    return Table("win_probabilities", columns, rows)


def best_of_k_table(results: dict[str, WorkloadResult]) -> Table:
    columns = ("workload", "protocol", "metric", "optimizer", "k", "median", "lower", "upper")
    rows = [
        (workload, protocol, metric, name, int(k), float(m), float(lo), float(hi))
        for workload, protocol, group in group_items(results)
        for metric, curves in group.curves.items()
        for name, c in curves.items()
        for k, m, lo, hi in zip(c.ks, c.median, c.lower, c.upper, strict=True)
    ]
    return Table("best_of_k", columns, rows)


def steps_table(results: dict[str, WorkloadResult]) -> Table:
    columns = (
        "workload",
        "protocol",
        "optimizer",
        "target",
        "best",
        "reached",
        "k",
        "median",
        "lower",
        "upper",
    )
    rows = [
        (
            workload,
            protocol,
            name,
            float(t),
            float(b),
            float(r),
            w.k,
            float(m),
            float(lo),
            float(hi),
        )
        for workload, protocol, group in group_items(results)
        for name, w in group.sweeps.items()
        for t, b, r, m, lo, hi in zip(
            w.targets, w.best, w.reached, w.median, w.lower, w.upper, strict=True
        )
    ]
    return Table("steps_to_target", columns, rows)
