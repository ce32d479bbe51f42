"""The report's tables, one CSV file each, from the results computed once; ``summary.md`` and
the HTML page state the same numbers.

A table's rows are instances of one frozen dataclass whose fields are its columns, in order,
and every builder fills a row by keyword, so each value is written beside its column's name;
:func:`write_csv` reads each cell from its row by the column's name. A dataclass rather than
dicts checked against a column tuple: the columns are declared once, with their types, and
Python checks every row (a missing or misspelt column raises ``TypeError`` where the row is
made, a repeated one does not compile), and an empty table still has its header. Rows about
one workload at one precision under one protocol extend :class:`GroupRow`, whose three
columns come first. Each column is named twice, as a field and as a keyword: that is what
makes the module long.

Cells are written in full precision (Python's ``repr`` of a float, ``inf`` for +inf), a missing
value as an empty cell, a dict as JSON with sorted keys and a bool as ``true``/``false``, so a
CSV reads back to exactly the values the analysis returned.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from optbench.report.data import StudyData
from optbench.report.groups import study_setting
from optbench.report.results import GroupResult, WorkloadResult


@dataclass(frozen=True)
class Table:
    """The CSV file ``<name>.csv``: ``rows`` of the dataclass ``row``, whose fields are the
    columns."""

    name: str
    row: type
    rows: Sequence[object]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in fields(self.row))


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
    """Write ``table`` to ``directory/<name>.csv``, each cell read from its row by name."""
    path = directory / f"{table.name}.csv"
    columns = table.columns
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([_cell(getattr(row, c)) for c in columns] for row in table.rows)
    return path


def group_items(
    results: dict[str, WorkloadResult],
) -> Iterator[tuple[str, str, str, GroupResult]]:
    """(workload, precision, protocol, group result) for every group of ``results``."""
    for result in results.values():
        for protocol, group in result.groups.items():
            yield group.group.workload, group.group.precision, protocol, group


def study_status(study: StudyData, results: dict[str, WorkloadResult]) -> str:
    """compared, superseded (a newer study of the same triple at the same precision is
    compared), waiting, or initial stage (of a two-stage protocol)."""
    if study.stage.get("name") == "initial":
        return "initial stage"
    result = results.get(study_setting(study))
    group = result.groups.get(study.spec.protocol) if result else None
    if group is not None and group.group.studies.get(study.optimizer_name) is study:
        return "compared"
    return "waiting" if study.n_points == 0 else "superseded"


@dataclass(frozen=True)
class StudyRow:
    """``studies.csv``: one study, its trial counts and its status."""

    study_id: int
    name: str
    workload: str
    precision: str
    protocol: str
    optimizer: str
    sampler: str
    seed: int
    budget: int
    eval_every: int
    target: float | None
    target_metric: str
    planned_points: int | None
    seeds: int | None
    points: int
    done: int
    diverged: int
    failed: int
    pending: int
    running: int
    partial: bool
    status: str
    space_hash: str


def studies_table(studies: list[StudyData], results: dict[str, WorkloadResult]) -> Table:
    rows = [
        StudyRow(
            study_id=s.id,
            name=s.spec.name,
            workload=s.spec.workload,
            precision=s.precision,
            protocol=s.spec.protocol,
            optimizer=s.spec.optimizer,
            sampler=s.spec.sampler,
            seed=s.spec.seed,
            budget=s.spec.budget,
            eval_every=s.spec.eval_every,
            target=s.target,
            target_metric=s.target_metric.name,
            planned_points=s.spec.settings.get("trials"),
            seeds=s.spec.settings.get("seeds"),
            points=s.n_points,
            done=s.counts.get("done", 0),
            diverged=s.counts.get("diverged", 0),
            failed=s.counts.get("failed", 0),
            pending=s.counts.get("pending", 0),
            running=s.counts.get("running", 0),
            partial=s.partial,
            status=study_status(s, results),
            space_hash=s.spec.space_hash,
        )
        for s in studies
    ]
    return Table("studies", StudyRow, rows)


@dataclass(frozen=True)
class GroupRow:
    """The first three columns of every row about one workload at one precision under one
    protocol."""

    workload: str
    precision: str
    protocol: str


@dataclass(frozen=True)
class RankingRow(GroupRow):
    """``rankings.csv``: one optimizer's standing under one criterion."""

    criterion: str
    rank: int
    optimizer: str
    n_points: int
    k: int
    best: float
    median: float
    lower: float
    upper: float
    flattening_k: int | None


def rankings_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        RankingRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            criterion=name,
            rank=s.rank,
            optimizer=s.name,
            n_points=s.n_trials,
            k=s.k,
            best=s.best,
            median=s.band.median,
            lower=s.band.lower,
            upper=s.band.upper,
            flattening_k=group.flattening.get(name, {}).get(s.name),
        )
        for workload, precision, protocol, group in group_items(results)
        for name, criterion in group.criteria.items()
        for s in criterion.ranking.standings
    ]
    return Table("rankings", RankingRow, rows)


@dataclass(frozen=True)
class BestTrialRow(GroupRow):
    """``best_trials.csv``: an optimizer's best point by validation error."""

    optimizer: str
    point: int
    validation_error: float
    test_error: float
    train_loss: float
    hparams: dict
    schedule_params: dict


def best_trials_table(results: dict[str, WorkloadResult]) -> Table:
    rows = []
    for workload, precision, protocol, group in group_items(results):
        for name, best in group.best.items():
            study = group.group.studies[name]
            rows.append(
                BestTrialRow(
                    workload=workload,
                    precision=precision,
                    protocol=protocol,
                    optimizer=name,
                    point=int(study.points[best.index]),
                    validation_error=best.reported["validation_error"],
                    test_error=best.reported["test_error"],
                    train_loss=best.reported["train_loss"],
                    hparams=study.hparams[best.index],
                    schedule_params=study.schedule_params[best.index],
                )
            )
    return Table("best_trials", BestTrialRow, rows)


@dataclass(frozen=True)
class VerdictRow(GroupRow):
    """``verdicts.csv``: one inclusion's verdict under one criterion, with both bands."""

    criterion: str
    special: str
    general: str
    verdict: str
    special_median: float
    special_lower: float
    special_upper: float
    general_median: float
    general_lower: float
    general_upper: float
    p_general_beats: float


def verdicts_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        VerdictRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            criterion=name,
            special=v.special,
            general=v.general,
            verdict=v.verdict,
            special_median=v.special_band.median,
            special_lower=v.special_band.lower,
            special_upper=v.special_band.upper,
            general_median=v.general_band.median,
            general_lower=v.general_band.lower,
            general_upper=v.general_band.upper,
            p_general_beats=v.p_general_beats,
        )
        for workload, precision, protocol, group in group_items(results)
        for name, criterion in group.criteria.items()
        for v in criterion.verdicts
    ]
    return Table("verdicts", VerdictRow, rows)


@dataclass(frozen=True)
class WinRow(GroupRow):
    """``win_probabilities.csv``: P(optimizer beats opponent) under one criterion."""

    criterion: str
    optimizer: str
    opponent: str
    p_beats: float


def wins_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        WinRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            criterion=name,
            optimizer=a,
            opponent=b,
            p_beats=criterion.wins(a, b),
        )
        for workload, precision, protocol, group in group_items(results)
        for name, criterion in group.criteria.items()
        for a in criterion.wins.names
        for b in criterion.wins.names
        if a != b
    ]
    return Table("win_probabilities", WinRow, rows)


@dataclass(frozen=True)
class BestOfKRow(GroupRow):
    """``best_of_k.csv``: one point of an optimizer's best-of-k curve of one metric."""

    metric: str
    optimizer: str
    k: int
    median: float
    lower: float
    upper: float


def best_of_k_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        BestOfKRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            metric=metric,
            optimizer=name,
            k=int(c.ks[j]),
            median=c.median[j],
            lower=c.lower[j],
            upper=c.upper[j],
        )
        for workload, precision, protocol, group in group_items(results)
        for metric, curves in group.curves.items()
        for name, c in curves.items()
        for j in range(c.ks.size)
    ]
    return Table("best_of_k", BestOfKRow, rows)


@dataclass(frozen=True)
class StepsRow(GroupRow):
    """``steps_to_target.csv``: one target of an optimizer's target sweep."""

    optimizer: str
    target: float
    best: float
    reached: float
    k: int
    median: float
    lower: float
    upper: float


def steps_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        StepsRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            optimizer=name,
            target=w.targets[j],
            best=w.best[j],
            reached=w.reached[j],
            k=w.k,
            median=w.median[j],
            lower=w.lower[j],
            upper=w.upper[j],
        )
        for workload, precision, protocol, group in group_items(results)
        for name, w in group.sweeps.items()
        for j in range(w.targets.size)
    ]
    return Table("steps_to_target", StepsRow, rows)


@dataclass(frozen=True)
class ProtocolChangeRow:
    """``protocol_changes.csv``: an optimizer's rank under two protocols of one workload at
    one precision."""

    workload: str
    precision: str
    first_protocol: str
    second_protocol: str
    optimizer: str
    first_rank: int
    second_rank: int
    changed: bool


def protocol_changes_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        ProtocolChangeRow(
            workload=result.workload.workload,
            precision=result.workload.precision,
            first_protocol=c.first_protocol,
            second_protocol=c.second_protocol,
            optimizer=r.name,
            first_rank=r.first,
            second_rank=r.second,
            changed=r.first != r.second,
        )
        for result in results.values()
        for c in result.comparisons
        for r in c.ranks
    ]
    return Table("protocol_changes", ProtocolChangeRow, rows)


@dataclass(frozen=True)
class OvertakeRow(GroupRow):
    """``overtakes.csv``: the k from which the winner's band stays below the loser's."""

    winner: str
    loser: str
    k: int


def overtakes_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        OvertakeRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            winner=o.winner,
            loser=o.loser,
            k=o.k,
        )
        for workload, precision, protocol, group in group_items(results)
        for o in group.overtakes
    ]
    return Table("overtakes", OvertakeRow, rows)


@dataclass(frozen=True)
class BoundaryRow(GroupRow):
    """``boundary.csv``: where an optimizer's best point lies along one hyperparameter."""

    optimizer: str
    hyperparameter: str
    best_unit: float
    near_lower: bool
    near_upper: bool
    top_near_lower: float
    top_near_upper: float
    n_top: int
    flagged: bool


def boundary_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        BoundaryRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            optimizer=name,
            hyperparameter=c.name,
            best_unit=c.best,
            near_lower=c.near_lower,
            near_upper=c.near_upper,
            top_near_lower=c.top_near_lower,
            top_near_upper=c.top_near_upper,
            n_top=c.n_top,
            flagged=c.flagged,
        )
        for workload, precision, protocol, group in group_items(results)
        for name, checks in group.boundary.items()
        for c in checks
    ]
    return Table("boundary", BoundaryRow, rows)


@dataclass(frozen=True)
class DivergenceRow(GroupRow):
    """``divergence.csv``: the trials and divergences in one bin of one hyperparameter."""

    optimizer: str
    hyperparameter: str
    bin_low: float
    bin_high: float
    trials: int
    diverged: int
    rate: float


def divergence_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        DivergenceRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            optimizer=name,
            hyperparameter=p.name,
            bin_low=p.edges[j],
            bin_high=p.edges[j + 1],
            trials=int(p.trials[j]),
            diverged=int(p.diverged[j]),
            rate=p.rate[j],
        )
        for workload, precision, protocol, group in group_items(results)
        for name, profiles in group.divergence.items()
        for p in profiles
        for j in range(p.trials.size)
    ]
    return Table("divergence", DivergenceRow, rows)


@dataclass(frozen=True)
class SeedNoiseRow(GroupRow):
    """``seed_noise.csv``: an optimizer's seed and point variances (points with seeds > 1)."""

    optimizer: str
    seed_variance: float
    point_variance: float
    seed_fraction: float
    n_points: int
    n_trials: int
    excluded_points: int
    partly_diverged: int


def seed_noise_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        SeedNoiseRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            optimizer=name,
            seed_variance=n.seed_variance,
            point_variance=n.point_variance,
            seed_fraction=n.seed_fraction,
            n_points=n.n_points,
            n_trials=n.n_trials,
            excluded_points=n.excluded_points,
            partly_diverged=n.partly_diverged,
        )
        for workload, precision, protocol, group in group_items(results)
        for name, n in group.seed_noise.items()
    ]
    return Table("seed_noise", SeedNoiseRow, rows)


@dataclass(frozen=True)
class PointRow(GroupRow):
    """``points.csv``: one point's final values, hyperparameters and unit coordinates."""

    optimizer: str
    study_id: int
    point: int
    diverged: bool
    validation_error: float
    test_error: float
    train_loss: float
    validation_loss: float
    hparams: dict
    schedule_params: dict
    unit_point: dict


def points_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        PointRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            optimizer=name,
            study_id=s.id,
            point=int(s.points[i]),
            diverged=bool(s.diverged[i]),
            validation_error=s.final["validation_error"][i],
            test_error=s.final["test_error"][i],
            train_loss=s.final["train_loss"][i],
            validation_loss=s.final["validation_loss"][i],
            hparams=s.hparams[i],
            schedule_params=s.schedule_params[i],
            unit_point=dict(zip(s.dimensions, map(float, s.unit[i]), strict=True)),
        )
        for workload, precision, protocol, group in group_items(results)
        for name, s in group.group.studies.items()
        for i in range(s.n_points)
    ]
    return Table("points", PointRow, rows)
