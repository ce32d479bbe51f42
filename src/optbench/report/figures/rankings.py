"""Optimizers side by side with their best-of-N bands: the paper's Figs. 1, 2, 9 and 3-4.

Every panel puts the optimizers in the fixed order (not by rank), each a dot (the median of
the best-of-N bootstrap, i.e. the study's best trial) on a bar (the 5-95 % band), with the
value written beside it. An inclusion that the bands violate is marked: a red ring on the
general optimizer, and the pair named in red under the panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from optbench.analysis import InclusionVerdict
from optbench.report.figures.base import (
    FigureFile,
    categorical_axis,
    finite_limits,
    interval,
    new_figure,
    save,
    title,
    value_axis,
)
from optbench.report.results import Criterion, GroupResult, WorkloadResult
from optbench.report.style import WARNING_COLOR, optimizer_color, order_optimizers

AXES = {
    # criterion: (y label, log scale, percent)
    "validation_error": ("validation error", False, True),
    "test_error": ("test error", False, True),
    "train_loss": ("training loss", True, False),
    "steps_to_target": ("steps to target", False, False),
}


def _format(criterion: str, value: float) -> str:
    if not np.isfinite(value):
        return "∞"
    if AXES[criterion][2]:
        return f"{100 * value:.2f}%"
    return f"{value:.0f}" if criterion == "steps_to_target" else f"{value:.3g}"


def ranking_panel(
    ax: Axes,
    criterion: Criterion,
    limits: tuple[float, float] | None = None,
    marks: Sequence[InclusionVerdict] = (),
) -> None:
    """One criterion's standings in ``ax`` (module docstring); ``limits`` to share a y range."""
    label, log, percent = AXES[criterion.name]
    standings = criterion.ranking.standings
    order = order_optimizers(criterion.ranking.names)
    if limits is None:
        bands = [v for s in standings for v in (s.band.median, s.band.lower, s.band.upper)]
        limits = finite_limits(bands, log) or (0.0, 1.0)
        if criterion.name == "steps_to_target":
            limits = (0.0, limits[1])
    if log:
        value_axis(ax, limits)
    ax.set_ylim(*limits)
    top = limits[1]
    for x, name in enumerate(order):
        band = criterion.ranking[name].band
        interval(ax, x, band.median, band.lower, band.upper, optimizer_color(name), top)
        y = band.median if np.isfinite(band.median) else top
        ax.annotate(
            _format(criterion.name, band.median),
            (x, y),
            xytext=(8, 0),
            textcoords="offset points",
            fontsize=7,
            va="center",
        )
    categorical_axis(ax, order)
    ax.set_ylabel(label)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    violated = [v for v in marks if v.verdict == "violated"]
    for verdict in violated:
        band = criterion.ranking[verdict.general].band
        x = order.index(verdict.general)
        y = band.median if np.isfinite(band.median) else top
        ax.plot([x], [y], marker="o", markersize=14, mfc="none", mec=WARNING_COLOR, mew=1.5)
    if violated:
        pairs = ", ".join(f"{v.special} ⊆ {v.general}" for v in violated)
        ax.set_xlabel(f"violated: {pairs}", color=WARNING_COLOR, fontsize=7, wrap=True)


def _criteria_figure(
    result: GroupResult,
    names: Sequence[str],
    directory: Path,
    stem: str,
    heading: str,
    caption: str,
) -> FigureFile | None:
    present = [result.criteria[n] for n in names if n in result.criteria]
    if not present:
        return None
    figure, axes = new_figure(len(present))
    for ax, criterion in zip(axes[0], present, strict=True):
        ranking_panel(ax, criterion, marks=criterion.verdicts)
        ax.set_title(criterion.label)
    heading = title(figure, heading, result.group.partial)
    return save(figure, directory, stem, heading, caption)


def errors_figure(result: GroupResult, directory: Path, stem: str) -> FigureFile | None:
    """Fig. 1: final validation and test error per optimizer with bootstrap bands."""
    g = result.group
    return _criteria_figure(
        result,
        ("validation_error", "test_error"),
        directory,
        stem,
        f"{g.setting}, {g.protocol}: final error of each optimizer's best trial",
        "The best trial of each study (lowest final validation error): its validation error "
        "and its test error. Bars: 5-95 % bootstrap band of the best of N trials, N the "
        "study's size. Red: an inclusion the bands violate (paper's Fig. 1).",
    )


def train_loss_figure(result: GroupResult, directory: Path, stem: str) -> FigureFile | None:
    """Fig. 9: the ranking when trials are selected by final training loss."""
    g = result.group
    return _criteria_figure(
        result,
        ("train_loss",),
        directory,
        stem,
        f"{g.setting}, {g.protocol}: selected by training loss",
        "Each study's trial with the lowest final training loss, with the 5-95 % best-of-N "
        "band, on a log axis (paper's Fig. 9).",
    )


def steps_figure(result: GroupResult, directory: Path, stem: str) -> FigureFile | None:
    """Fig. 2: steps to reach the workload's target (a validation error or loss)."""
    g = result.group
    if g.target is None:
        return None
    target = g.target_metric.describe(g.target)
    return _criteria_figure(
        result,
        ("steps_to_target",),
        directory,
        stem,
        f"{g.setting}, {g.protocol}: steps to {target}",
        f"Fewest steps any trial needs to reach the target, {target}, with the 5-95 % "
        "best-of-N band; a red cross: no trial reached it (paper's Fig. 2).",
    )


def protocols_figure(result: WorkloadResult, directory: Path, stem: str) -> FigureFile | None:
    """Figs. 3-4: the same optimizers under each protocol, narrowest to fullest, in columns."""
    groups = list(result.groups.values())
    if len(groups) < 2:
        return None
    rows = [n for n in ("validation_error", "test_error") if n in groups[-1].criteria]
    figure, axes = new_figure(len(groups), len(rows))
    for row, name in enumerate(rows):
        criteria = [g.criteria[name] for g in groups if name in g.criteria]
        bands = [
            v
            for c in criteria
            for s in c.ranking.standings
            for v in (s.band.median, s.band.lower, s.band.upper)
        ]
        limits = finite_limits(bands) or (0.0, 1.0)
        for column, group in enumerate(groups):
            ax = axes[row][column]
            if name not in group.criteria:
                ax.set_visible(False)
                continue
            criterion = group.criteria[name]
            ranking_panel(ax, criterion, limits, criterion.verdicts)
            ax.set_title(group.group.protocol + (" (partial)" if group.group.partial else ""))
            if column:
                ax.set_ylabel("")
    caption = (
        "Each column is one tuning protocol, from the narrowest to the fullest; rows: final "
        "validation and test error of each optimizer's best trial, with 5-95 % best-of-N bands "
        "on a shared axis. Red rings and lines: inclusions the bands violate (paper's Figs. 3-4)."
    )
    heading = title(figure, f"{result.workload.name}: protocols side by side")
    return save(figure, directory, stem, heading, caption)
