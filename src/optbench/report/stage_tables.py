"""The tables of two-stage protocols (:mod:`optbench.report.stages`), in the form of
:mod:`optbench.report.tables`: ``stages.csv`` (the best point of each stage per optimizer) and
``stage_spaces.csv`` (each hyperparameter's initial and final range, and why)."""

from __future__ import annotations

from dataclasses import dataclass

from optbench.report.results import WorkloadResult
from optbench.report.tables import GroupRow, Table, group_items


@dataclass(frozen=True)
class StageRow(GroupRow):
    """``stages.csv``: one optimizer of a two-stage protocol, its best point in each stage."""

    optimizer: str
    initial_study_id: int | None
    final_study_id: int
    initial_points: int
    final_points: int
    initial_best_point: int | None
    initial_best_validation_error: float | None
    initial_best_test_error: float | None
    final_best_point: int | None
    final_best_validation_error: float | None
    final_best_test_error: float | None
    final_at_least_as_good: bool | None
    initial_best_inside_final: bool | None


def _point(study, selection) -> int | None:
    return None if selection is None else int(study.points[selection.index])


def _value(selection, metric: str) -> float | None:
    return None if selection is None else selection.reported[metric]


def stages_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        StageRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            optimizer=name,
            initial_study_id=None if c.initial is None else c.initial.id,
            final_study_id=c.final.id,
            initial_points=0 if c.initial is None else c.initial.n_points,
            final_points=c.final.n_points,
            initial_best_point=_point(c.initial, c.initial_best),
            initial_best_validation_error=_value(c.initial_best, "validation_error"),
            initial_best_test_error=_value(c.initial_best, "test_error"),
            final_best_point=_point(c.final, c.final_best),
            final_best_validation_error=_value(c.final_best, "validation_error"),
            final_best_test_error=_value(c.final_best, "test_error"),
            final_at_least_as_good=c.final_as_good,
            initial_best_inside_final=c.initial_best_inside,
        )
        for workload, precision, protocol, group in group_items(results)
        if group.stages is not None
        for name, c in group.stages.optimizers.items()
    ]
    return Table("stages", StageRow, rows)


@dataclass(frozen=True)
class StageSpaceRow(GroupRow):
    """``stage_spaces.csv``: one hyperparameter of one optimizer in both stages."""

    optimizer: str
    hyperparameter: str
    initial_range: str
    final_range: str
    reason: str


def stage_spaces_table(results: dict[str, WorkloadResult]) -> Table:
    rows = [
        StageSpaceRow(
            workload=workload,
            precision=precision,
            protocol=protocol,
            optimizer=name,
            hyperparameter=row.dimension,
            initial_range=row.initial,
            final_range=row.final,
            reason=row.reason,
        )
        for workload, precision, protocol, group in group_items(results)
        if group.stages is not None
        for name, c in group.stages.optimizers.items()
        for row in c.spaces
    ]
    return Table("stage_spaces", StageSpaceRow, rows)
