"""Curves: best-of-k against the number of trials (Figs. 6-8), steps against the target
(Fig. 10) and the training curves of each optimizer's best trial.

One line per optimizer in its fixed colour, the 5-95 % band shaded. Parts of a band at +inf
(the best of k can be a diverged trial) are shaded up to the top of the axis.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.ticker import PercentFormatter

from optbench.report.figures.base import (
    FigureFile,
    finite_limits,
    new_figure,
    save,
    title,
    value_axis,
)
from optbench.report.results import GroupResult
from optbench.report.style import optimizer_color

MAX_COLUMNS = 3


def best_of_k_limits(values: list[float]) -> tuple[float, float]:
    """The best-of-k axis: it spans the medians and lower edges given; upper edges (a single
    trial can land at chance level) run off the top rather than flatten the region where the
    curves differ. Error rates (every finite value at most 1) never get an axis past 100 %."""
    low, high = finite_limits(values) or (0.0, 1.0)
    top = high + 0.4 * (high - low)
    rates = max((v for v in values if np.isfinite(v)), default=0.0) <= 1.0
    return low, min(top, 1.0) if rates else top


def best_of_k_figure(result: GroupResult, directory: Path, stem: str) -> FigureFile:
    """Figs. 6-8: the best-of-k outcome against k on a log2 axis, one panel per optimizer."""
    g = result.group
    validation = result.curves["validation_error"]
    test = result.curves.get("test_error", {})
    names = list(validation)
    ncols = min(len(names), MAX_COLUMNS)
    figure, axes = new_figure(ncols, math.ceil(len(names) / ncols), sharey=True)
    values = [v for c in validation.values() for v in (*c.median, *c.lower)]
    limits = best_of_k_limits(values + [v for c in test.values() for v in c.median])
    for j, ax in enumerate(axes.flat):
        if j >= len(names):
            ax.set_visible(False)
            continue
        name, curve = names[j], validation[names[j]]
        color = optimizer_color(name)
        ax.set_ylim(*limits)
        for other in names:
            if other != name:
                ax.plot(validation[other].ks, validation[other].median, color="#cccccc", lw=0.8)
        upper = np.where(np.isfinite(curve.upper), curve.upper, limits[1])
        ax.fill_between(curve.ks, curve.lower, upper, color=color, alpha=0.2, linewidth=0)
        ax.plot(curve.ks, curve.median, color=color, marker=".", label="validation")
        if name in test:
            ax.plot(test[name].ks, test[name].median, color=color, ls="--", label="test")
        flat = result.flattening["validation_error"][name]
        k = int(np.flatnonzero(curve.ks == flat)[0])
        if np.isfinite(curve.median[k]):
            ax.plot([flat], [curve.median[k]], marker="o", mfc="none", mec="black", ms=10)
        ax.set_title(f"{name} (flat from k = {flat})")
        ax.set_xscale("log", base=2)
        ax.set_xlabel("number of trials k")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        if j % ncols == 0:
            ax.set_ylabel("error of the best of k trials")
    axes.flat[0].legend(loc="upper right")
    heading = title(figure, f"{g.setting}, {g.protocol}: best of k trials", g.partial)
    caption = (
        "Each panel one optimizer: the final validation error of the best of k trials drawn "
        "with replacement (line: median of 1000 bootstrap samples; shade: 5-95 % band; dashed: "
        "the test error of the same selections), k on a log2 axis; grey: the other "
        "optimizers' medians. The circle marks where the curve flattens, the first k whose "
        "median lies in the band at k = N (paper's Figs. 6-8)."
    )
    return save(figure, directory, stem, heading, caption)


def target_sweep_figure(result: GroupResult, directory: Path, stem: str) -> FigureFile | None:
    """Fig. 10: the fewest steps to reach each target of the group's target metric (the
    validation error, or the validation loss for a workload whose target is a loss)."""
    g = result.group
    metric = g.target_metric
    if result.targets is None or not result.sweeps:
        return None
    figure, axes = new_figure(1)
    ax = axes[0][0]
    values = [v for w in result.sweeps.values() for v in (*w.median, *w.lower, *w.upper)]
    limits = finite_limits(values) or (0.0, 1.0)
    ax.set_ylim(max(0.0, limits[0]), limits[1])
    for name, sweep in result.sweeps.items():
        color = optimizer_color(name)
        median = np.where(np.isfinite(sweep.median), sweep.median, np.nan)
        lower = np.where(np.isfinite(sweep.lower), sweep.lower, np.nan)
        upper = np.where(np.isfinite(sweep.upper), sweep.upper, limits[1])
        ax.fill_between(sweep.targets, lower, upper, color=color, alpha=0.15, linewidth=0)
        ax.plot(sweep.targets, median, color=color, label=name)
    if g.target is not None:
        ax.axvline(g.target, color="black", linestyle="--", linewidth=1)
        ax.annotate("target", (g.target, 1.0), xycoords=("data", "axes fraction"), fontsize=7)
    unit = f" ({metric.unit})" if metric.unit else ""
    ax.set_xlabel(f"target {metric.label}{unit}")
    ax.set_ylabel("steps to target (best trial)")
    if metric.rate:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(loc="best")
    heading = title(figure, f"{g.setting}, {g.protocol}: steps against target", g.partial)
    dashed = ""
    if g.target is not None:
        dashed = f"; dashed: the workload's target, {metric.describe(g.target)}"
    caption = (
        f"For each target {metric.label}, the fewest steps the best trial needs (line: "
        "median of the best of N; shade: 5-95 % band, up to the top where the band is "
        f"unreached); a line ends where no trial reaches the target{dashed} (paper's Fig. 10)."
    )
    return save(figure, directory, stem, heading, caption)


def training_curves_figure(result: GroupResult, directory: Path, stem: str) -> FigureFile:
    """The training loss and the target metric (validation error or loss) of each
    optimizer's best trial, by step."""
    g = result.group
    target = g.target_metric
    panels = [("train_loss", "training loss"), (target.name, target.label)]
    figure, axes = new_figure(len(panels))
    for ax, (metric, label) in zip(axes[0], panels, strict=True):
        values = []
        for name, study in g.studies.items():
            curve = study.curves[result.best[name].index].get(metric)
            if curve is not None and np.any(np.isfinite(curve.values)):
                ax.plot(curve.steps, curve.values, color=optimizer_color(name), label=name)
                values += curve.values.tolist()
        limits = finite_limits(values, log=True) or (0.01, 1.0)
        value_axis(ax, limits, percent=metric == target.name and target.rate)
        ax.set_xlabel("step")
        ax.set_ylabel(label)
        ax.legend(loc="best")
    heading = f"{g.setting}, {g.protocol}: training curves of the best trials"
    heading = title(figure, heading, g.partial)
    caption = (
        f"Training loss (mean since the previous evaluation) and {target.label} of each "
        "optimizer's best trial (lowest final validation error), at every evaluation."
    )
    return save(figure, directory, stem, heading, caption)
