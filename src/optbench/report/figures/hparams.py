"""Validation error against each searched hyperparameter of a study (the paper's Appendix E).

One panel per dimension of the search space, the x axis in the dimension's own scale: log for
``log``, 1 - x on a log axis for ``one_minus_log`` (momentum, beta1, beta2, rho), linear for
``linear``, the listed values for ``choice``. Every finished point is a dot (final validation
error, log axis), the best a black-edged star; diverged points are red crosses along the top
edge. Dashed lines are the space's bounds, red and labelled when the best point lies within
5 % of that bound (``analysis.boundary_checks``), the paper's reason to widen a space.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import LogLocator, NullLocator

from optbench.analysis import BoundaryCheck
from optbench.report.data import StudyData
from optbench.report.figures.base import (
    FigureFile,
    finite_limits,
    new_figure,
    save,
    title,
    value_axis,
)
from optbench.report.style import WARNING_COLOR, optimizer_color
from optbench.tuning.scales import Hyperparameter

MAX_COLUMNS = 3


def axis_values(h: Hyperparameter, unit: np.ndarray) -> tuple[np.ndarray, str]:
    """The x coordinates of unit coordinates ``unit`` on ``h``'s axis, and the axis label."""
    if h.scale == "choice":
        return np.minimum((unit * len(h.values)).astype(int), len(h.values) - 1), h.name
    values = np.array([float(h.from_unit(u)) for u in unit])
    if h.scale == "one_minus_log":
        return 1.0 - values, f"1 − {h.name}"
    return values, h.name


def _bounds(h: Hyperparameter) -> tuple[float, float] | None:
    if h.scale == "choice":
        return None
    if h.scale == "one_minus_log":
        return 1.0 - h.low, 1.0 - h.high
    return h.low, h.high


def _pad_x(ax: Axes, bounds: list[float], log: bool) -> None:
    """Show the whole range with a little room beyond both bounds, so both bound lines show."""
    low, high = bounds
    if log:
        room = (high / low) ** 0.04
        ax.set_xlim(low / room, high * room)
    else:
        room = 0.04 * (high - low)
        ax.set_xlim(low - room, high + room)


def _panel(ax: Axes, study: StudyData, j: int, check: BoundaryCheck | None, best: int) -> None:
    name = study.dimensions[j]
    h = study.space.get(name)
    x, label = axis_values(h, study.unit[:, j])
    label = label.replace(h.name, name)
    error = study.final["validation_error"]
    finite = np.isfinite(error) & ~study.diverged
    color = optimizer_color(study.optimizer_name)
    ax.scatter(x[finite], error[finite], s=14, color=color, alpha=0.7, linewidths=0)
    if finite[best]:
        ax.scatter([x[best]], [error[best]], s=110, marker="*", color=color, edgecolors="black")
    top = ax.get_ylim()[1]
    if study.diverged.any():
        ax.scatter(
            x[study.diverged],
            np.full(study.diverged.sum(), top),
            marker="x",
            color=WARNING_COLOR,
            s=22,
            clip_on=False,
            zorder=3,
        )
    if h.scale in ("log", "one_minus_log"):
        ax.set_xscale("log")
        low, high = sorted(_bounds(h))
        if high / low > 1e4:  # many decades: fewer ticks, no minor ones (faster, readable)
            ax.xaxis.set_major_locator(LogLocator(base=10, numticks=6))
            ax.xaxis.set_minor_locator(NullLocator())
    if h.scale == "choice":
        ax.set_xticks(range(len(h.values)), [str(v) for v in h.values])
    bounds = _bounds(h)
    if bounds is not None:
        _pad_x(ax, sorted(bounds), h.scale in ("log", "one_minus_log"))
        for side, value in zip(("lower", "upper"), bounds, strict=True):
            hit = check is not None and getattr(check, f"near_{side}")
            ax.axvline(
                value,
                color=WARNING_COLOR if hit else "#999999",
                linestyle="--",
                linewidth=1.5 if hit else 0.8,
            )
    ax.set_xlabel(f"{label} ({h.scale})")
    if check is not None and check.flagged:
        side = "lower" if check.near_lower else "upper"
        value = h.low if check.near_lower else h.high
        ax.set_title(
            f"best at the {side} bound, {h.name} = {value:g}", color=WARNING_COLOR, fontsize=8
        )


def hparams_figure(
    study: StudyData,
    checks: tuple[BoundaryCheck, ...] | None,
    best: int,
    directory: Path,
    stem: str,
) -> FigureFile | None:
    """The Appendix E figure of one study (module docstring); None if nothing is searched."""
    if study.space is None or not study.dimensions:
        return None
    n = len(study.dimensions)
    ncols = min(n, MAX_COLUMNS)
    figure, axes = new_figure(ncols, math.ceil(n / ncols), sharey=True)
    error = study.final["validation_error"]
    limits = finite_limits(error[~study.diverged], log=True) or (0.01, 1.0)
    for j, ax in enumerate(axes.flat):
        if j >= n:
            ax.set_visible(False)
            continue
        value_axis(ax, limits, percent=True)
        _panel(ax, study, j, None if checks is None else checks[j], best)
        if j % ncols == 0:
            ax.set_ylabel("final validation error")
    diverged = int(study.diverged.sum())
    heading = f"{study.label}: {study.n_points} points, {diverged} diverged"
    heading = title(figure, heading, study.partial)
    caption = (
        "Every finished point of the study (dots; star: the best), diverged points as red "
        "crosses at the top, the space's bounds dashed (red: the best point lies within 5 % "
        "of that bound, in the space's own scale; paper's Appendix E)."
    )
    return save(figure, directory, stem, heading, caption)
