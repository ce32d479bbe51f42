"""The two stages of a two-stage protocol in a report: the initial and the final space of every
optimizer, the best trial of each stage, and whether the final result is an artefact of the
narrowing.

A final study names the key of the initial study it was refined from (``settings["stage"]``);
the report finds that study among the workload's initial studies. Per optimizer it compares
the best initial point with the best final one by final validation error: the final stage
should be at least as good, since its space was chosen around the initial optimum. When it is
worse, the report says whether the final space still contains the best initial point (then
the difference is search or seed noise, or too few final trials) or not (then the narrowing
cut the initial optimum off).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from optbench import analysis
from optbench.report.data import StudyData
from optbench.report.groups import Group
from optbench.tuning.refine_axes import describe_range
from optbench.tuning.scales import RANGE_SCALES, Hyperparameter
from optbench.tuning.spaces import SearchSpace


@dataclass(frozen=True)
class SpaceRow:
    """One hyperparameter of one optimizer: its initial and final range, and why."""

    dimension: str
    initial: str
    final: str
    reason: str


@dataclass(frozen=True, eq=False)
class StageComparison:
    """One optimizer's two stages: the studies, their best points by validation error, whether
    the final space contains the best initial point, and the ranges side by side."""

    optimizer: str
    initial: StudyData | None
    final: StudyData
    initial_best: analysis.Selection | None
    final_best: analysis.Selection | None
    initial_best_inside: bool | None
    spaces: tuple[SpaceRow, ...]

    @property
    def final_as_good(self) -> bool | None:
        """The best final validation error is at most the best initial one (None: either
        stage has no finished point)."""
        if self.initial_best is None or self.final_best is None:
            return None
        return self.final_best.value <= self.initial_best.value


@dataclass(frozen=True, eq=False)
class TwoStages:
    """The stages of every optimizer of one two-stage protocol on one workload."""

    protocol: str
    optimizers: dict[str, StageComparison]


def best(study: StudyData | None) -> analysis.Selection | None:
    """The study's best point by final validation error, with its test error."""
    if study is None or study.n_points == 0:
        return None
    metrics = {m: np.where(np.isnan(study.final[m]), np.inf, study.final[m])
               for m in ("validation_error", "test_error")}  # fmt: skip
    return analysis.select_best(metrics, report=("validation_error", "test_error"))


def _contains(h: Hyperparameter | None, value: object) -> bool:
    if h is None:
        return False
    if h.scale in RANGE_SCALES:
        tolerance = 1e-9 * max(abs(h.low), abs(h.high))
        return h.low - tolerance <= value <= h.high + tolerance
    return value in h.values if h.scale == "choice" else value == h.value


def _inside(initial: StudyData, row: int, final: SearchSpace) -> bool:
    """Whether the final space holds every searched value of the initial point ``row``."""
    return all(
        _contains(final.get(name), h.from_unit(u))
        for (name, h), u in zip(initial.space.dimensions, initial.unit[row], strict=True)
    )


def _ranges(initial: SearchSpace | None, final: SearchSpace, reasons: dict) -> tuple[SpaceRow, ...]:
    names = [h.name for h in final.hyperparameters]
    names += [f"schedule.{h.name}" for h in final.schedule_hyperparameters]
    names += [f"workload.{h.name}" for h in final.workload_hyperparameters]
    rows = []
    for name in names:
        before = initial.get(name) if initial is not None else None
        rows.append(
            SpaceRow(name, describe_range(before), describe_range(final.get(name)),
                     reasons.get(name, ""))
        )  # fmt: skip
    return tuple(rows)


def two_stages(group: Group, initial: list[StudyData]) -> TwoStages | None:
    """The stages of ``group`` when its studies are the final stage of a two-stage protocol
    (``initial``: the workload's initial studies); None for a single-stage protocol."""
    by_key = {study.spec.key: study for study in initial}
    found = {}
    for optimizer, final in group.studies.items():
        stage = final.stage
        if stage.get("name") != "final" or final.space is None:
            continue
        first = by_key.get(stage.get("initial_study"))
        first_best = best(first)
        inside = None
        if first_best is not None and first.space is not None:
            inside = _inside(first, first_best.index, final.space)
        found[optimizer] = StageComparison(
            optimizer,
            first,
            final,
            first_best,
            best(final),
            inside,
            _ranges(first.space if first else None, final.space, stage.get("reasons", {})),
        )
    return TwoStages(group.protocol, found) if found else None


def _percent(value: float) -> str:
    return "∞ (diverged)" if math.isinf(value) else f"{100 * value:.2f}%"


def comparison_sentences(stages: TwoStages) -> list[str]:
    """Per optimizer, the best initial and final validation errors in words, and what a worse
    final result means."""
    lines = []
    for name, c in stages.optimizers.items():
        if c.initial_best is None or c.final_best is None:
            missing = "initial" if c.initial_best is None else "final"
            lines.append(f"{name}: the {missing} stage has no finished point yet.")
            continue
        first, last = _percent(c.initial_best.value), _percent(c.final_best.value)
        if c.final_as_good:
            lines.append(f"{name}: best final {last} against best initial {first}: the final "
                         "stage is at least as good, so its result is not an artefact of the "
                         "narrowing.")  # fmt: skip
        elif c.initial_best_inside:
            lines.append(f"{name}: best final {last} is WORSE than best initial {first}, although "
                         "the final space contains the best initial point: search or seed noise, "
                         "or too few final trials.")  # fmt: skip
        else:
            lines.append(f"{name}: best final {last} is WORSE than best initial {first}, and the "
                         "final space does not contain the best initial point: the narrowing cut "
                         "it off; widen the final space.")  # fmt: skip
    return lines


def comparison_rows(stages: TwoStages) -> tuple[list[str], list[list[str]]]:
    """The table of best points: optimizer, each stage's study, points and best validation
    (and test) error, and whether the final one is at least as good."""
    header = ["optimizer", "initial study", "initial points", "best initial", "final study",
              "final points", "best final", "final at least as good"]  # fmt: skip
    rows = []
    for name, c in stages.optimizers.items():
        def cells(study, selection):
            if study is None:
                return ["–", "0", "–"]
            value = "–" if selection is None else _percent(selection.value)
            return [str(study.id), str(study.n_points), value]

        good = {None: "–", True: "yes", False: "NO"}[c.final_as_good]
        rows.append([name, *cells(c.initial, c.initial_best), *cells(c.final, c.final_best), good])
    return header, rows


def space_rows(stages: TwoStages) -> tuple[list[str], list[list[str]]]:
    """Every optimizer's hyperparameters: initial range, final range and the reason."""
    header = ["optimizer", "hyperparameter", "initial", "final", "why"]
    rows, schedule = [], {}
    for name, c in stages.optimizers.items():
        for row in c.spaces:
            if row.dimension.startswith(("schedule.", "workload.")):  # shared: once, for all
                schedule.setdefault(row.dimension, ["all", *_cells(row)])
            else:
                rows.append([name, *_cells(row)])
    return header, rows + list(schedule.values())


def _cells(row: SpaceRow) -> list[str]:
    return [row.dimension, row.initial, row.final, row.reason]
