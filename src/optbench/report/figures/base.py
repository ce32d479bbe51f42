"""Shared drawing helpers: figures without pyplot (no global state, any thread), saving as PNG
and SVG, and intervals that may reach +inf (a diverged trial is +inf in every statistic).

A value at +inf cannot be drawn on an axis, so it is drawn at the top edge: an interval whose
upper end is +inf runs to the top and ends in a caret (^), a median at +inf is a cross (x) at
the top. Axis limits come from the finite values only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter, PercentFormatter

from optbench.report.style import WARNING_COLOR

matplotlib.rcParams.update(
    {
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.labelsize": 9,
        "legend.fontsize": 8,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "svg.hashsalt": "optbench",
    }
)
DPI = 110
PANEL = (3.6, 3.0)  # inches per panel
MIN_WIDTH = 5.6  # inches, so that a one-panel figure has room for its title


@dataclass(frozen=True)
class FigureFile:
    """A saved figure: ``stem`` (its name), the PNG and SVG paths, its title and caption."""

    stem: str
    png: Path
    svg: Path
    title: str
    caption: str


def new_figure(ncols: int, nrows: int = 1, sharey: bool = False) -> tuple[Figure, np.ndarray]:
    """A figure of ``nrows`` x ``ncols`` panels (axes always a 2-D array)."""
    size = (max(MIN_WIDTH, PANEL[0] * ncols), PANEL[1] * nrows)
    figure = Figure(figsize=size, dpi=DPI, layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False, sharey=sharey)
    return figure, axes


def save(figure: Figure, directory: Path, stem: str, title: str, caption: str) -> FigureFile:
    """Write ``stem.png`` and ``stem.svg`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    png, svg = directory / f"{stem}.png", directory / f"{stem}.svg"
    figure.savefig(png, dpi=DPI, metadata={"Software": None})
    figure.set_layout_engine("none")  # keep the layout just computed: the SVG needs no other
    figure.savefig(svg, metadata={"Date": None, "Creator": None})
    return FigureFile(stem, png, svg, title, caption)


def finite_limits(values: Iterable[float], log: bool = False) -> tuple[float, float] | None:
    """Padded (low, high) around the finite values (positive ones on a log axis)."""
    array = np.asarray([v for v in values if np.isfinite(v) and (v > 0 or not log)], dtype=float)
    if array.size == 0:
        return None
    low, high = float(array.min()), float(array.max())
    if log:
        ratio = (high / low) ** 0.08 if high > low else 1.3
        return low / ratio, high * ratio * 1.15
    pad = 0.08 * (high - low) if high > low else max(abs(high) * 0.1, 1e-3)
    return low - pad, high + 2 * pad


def interval(
    ax: Axes, x: float, median: float, lower: float, upper: float, color: str, top: float
) -> None:
    """A median with its band at ``x``; +inf ends drawn at ``top`` (module docstring)."""
    if not np.isfinite(median):
        ax.plot([x], [top], marker="x", color=WARNING_COLOR, markersize=9, mew=2, clip_on=False)
        return
    high = upper if np.isfinite(upper) else top
    ax.plot([x, x], [lower, high], color=color, linewidth=2.5, alpha=0.55, solid_capstyle="butt")
    if not np.isfinite(upper):
        ax.plot([x], [top], marker="^", color=color, markersize=6, clip_on=False)
    ax.plot([x], [median], marker="o", color=color, markersize=7, markeredgecolor="white")


def value_axis(ax: Axes, limits: tuple[float, float], percent: bool = False) -> None:
    """A y axis over ``limits``: logarithmic when they span a factor of 4 or more (for errors
    labelled at 1, 2, 3 and 5 times powers of ten, minor ticks unlabelled: faster and
    readable), linear otherwise, where a log axis would show one label or none; error rates
    in percent when ``percent``."""
    low, high = limits
    if low > 0 and high / low >= 4:
        ax.set_yscale("log")
        if percent:
            ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
            ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(low, high)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))


def categorical_axis(ax: Axes, names: Sequence[str]) -> None:
    """Optimizer names on the x axis, in the order given."""
    ax.set_xticks(range(len(names)), names, rotation=30 if len(names) > 4 else 0)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.grid(False, axis="x")


def title(figure: Figure, text: str, partial: bool = False) -> str:
    """Set the figure's title, marked "(partial)" while trials are still to come."""
    text = f"{text}\n(partial: trials still running)" if partial else text
    figure.suptitle(text)
    return text
