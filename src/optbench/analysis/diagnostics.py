"""Diagnostics of a study's search space: optima at a bound, and where trials diverge.

Coordinates are the space's own scale mapped to the unit cube, u in [0, 1]^d (a log-scaled
learning rate from 1e-4 to 1 maps 1e-2 to 0.5), so "within 5 % of a bound" means u <= 0.05 or
u >= 0.95 whatever the scale.

*Boundary check* (the paper's reason to widen a space, Section 4 and Appendix E): a
hyperparameter is flagged at a bound when the study's best trial (lowest ``select``, ties by
index, the trial the study reports) lies within ``margin`` of it. The best trial alone decides,
as in the paper; as context each check also gives the share of the *top group*, the best
ceil(top_fraction * F) of the F non-diverged trials (at least one), that lies within the margin
of each bound (about ``margin`` under a uniform spread; much more means the optimum presses
against the bound). A study with no finite trial is never flagged.

*Divergence by region*: per hyperparameter, the unit axis cut into ``n_bins`` equal bins
[j/n_bins, (j+1)/n_bins) (the last bin closed), and the share of trials in each that diverged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from optbench.analysis._checks import as_metric
from optbench.errors import InvalidParameterError, check_int


def _unit(unit: ArrayLike, names: Sequence[str], n: int | None = None) -> np.ndarray:
    array = np.asarray(unit, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != len(names) or array.shape[0] == 0:
        raise InvalidParameterError(
            "unit", array.shape, f"an (N, {len(names)}) array, one column per name"
        )
    if n is not None and array.shape[0] != n:
        raise InvalidParameterError("unit", array.shape, f"{n} rows, one per trial")
    if not np.all((array >= 0.0) & (array <= 1.0)):
        raise InvalidParameterError("unit", "values outside [0, 1]", "unit-cube coordinates")
    return array


@dataclass(frozen=True)
class BoundaryCheck:
    """Hyperparameter ``name``: the best trial's unit coordinate ``best``, whether it is within
    the margin of the lower or upper bound, and the top group's share near each bound."""

    name: str
    best: float
    near_lower: bool
    near_upper: bool
    top_near_lower: float
    top_near_upper: float
    n_top: int

    @property
    def flagged(self) -> bool:
        return self.near_lower or self.near_upper


def boundary_checks(
    unit: ArrayLike,
    names: Sequence[str],
    select: ArrayLike,
    margin: float = 0.05,
    top_fraction: float = 0.1,
) -> tuple[BoundaryCheck, ...]:
    """One check per hyperparameter of ``names`` (module docstring)."""
    if not 0.0 < margin < 0.5:
        raise InvalidParameterError("margin", margin, "a number in (0, 0.5)")
    if not 0.0 < top_fraction <= 1.0:
        raise InvalidParameterError("top_fraction", top_fraction, "a number in (0, 1]")
    select_array = as_metric(select, "select")
    coords = _unit(unit, names, select_array.size)
    finite = np.flatnonzero(np.isfinite(select_array))
    if finite.size == 0:
        nan = float("nan")
        return tuple(BoundaryCheck(name, nan, False, False, nan, nan, 0) for name in names)
    order = finite[np.argsort(select_array[finite], kind="stable")]
    top = coords[order[: max(1, math.ceil(top_fraction * finite.size))]]
    best = coords[order[0]]
    return tuple(
        BoundaryCheck(
            name=name,
            best=float(best[j]),
            near_lower=bool(best[j] <= margin),
            near_upper=bool(best[j] >= 1.0 - margin),
            top_near_lower=float(np.mean(top[:, j] <= margin)),
            top_near_upper=float(np.mean(top[:, j] >= 1.0 - margin)),
            n_top=top.shape[0],
        )
        for j, name in enumerate(names)
    )


@dataclass(frozen=True, eq=False)
class DivergenceProfile:
    """Hyperparameter ``name``: bin ``edges`` (n_bins + 1) on its unit axis, the number of
    ``trials`` and of ``diverged`` trials per bin, and their ratio ``rate`` (NaN if empty)."""

    name: str
    edges: np.ndarray
    trials: np.ndarray
    diverged: np.ndarray
    rate: np.ndarray


def divergence_by_region(
    unit: ArrayLike, names: Sequence[str], diverged: ArrayLike, n_bins: int = 5
) -> tuple[DivergenceProfile, ...]:
    """Divergence rate along each hyperparameter's unit axis, in ``n_bins`` equal bins."""
    n_bins = check_int("n_bins", n_bins, 1)
    mask = np.asarray(diverged, dtype=bool)
    coords = _unit(unit, names)
    if mask.shape != (coords.shape[0],):
        raise InvalidParameterError("diverged", diverged, f"{coords.shape[0]} booleans")
    bins = np.minimum(np.floor(coords * n_bins).astype(np.int64), n_bins - 1)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    profiles = []
    for j, name in enumerate(names):
        trials = np.bincount(bins[:, j], minlength=n_bins)
        failed = np.bincount(bins[:, j], weights=mask, minlength=n_bins).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(trials > 0, failed / trials, np.nan)
        profiles.append(DivergenceProfile(name, edges, trials, failed, rate))
    return tuple(profiles)
