"""Seed noise versus search luck, for studies with several seeds per point (beyond the paper).

A trial's metric x_ps at hyperparameter point p and seed s is modelled as one-way random
effects, x_ps = mu + a_p + e_ps, with a_p ~ (0, sigma2_point) the luck of where the search
landed and e_ps ~ (0, sigma2_seed) the noise of the seed at a fixed point. With P points,
n_p seeds at point p, N = sum_p n_p, point means xbar_p and the grand mean xbar over trials,
the method-of-moments (ANOVA) estimators, unbiased also when the n_p differ, are

    MS_within  = sum_p sum_s (x_ps - xbar_p)^2 / (N - P)
    MS_between = sum_p n_p (xbar_p - xbar)^2 / (P - 1)
    n_0        = (N - sum_p n_p^2 / N) / (P - 1)
    sigma2_seed  = MS_within
    sigma2_point = max(0, (MS_between - MS_within) / n_0)

and ``seed_fraction`` = sigma2_seed / (sigma2_seed + sigma2_point) is the share of one trial's
variance that re-running the same point would reproduce as noise. A point with a non-finite
value (a diverged seed) has no finite variance and is left out; ``partly_diverged`` counts the
points where some seeds diverged and others did not, which is seed noise of its own kind.
``best_fraction`` < 1 restricts the estimate to the best points by mean (at least 2), the
region a best-of-k selection draws from, where seed noise matters most.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from optbench.errors import InvalidParameterError


@dataclass(frozen=True)
class SeedNoise:
    """Variance components of a study's metric (module docstring): ``seed_variance`` =
    sigma2_seed, ``point_variance`` = sigma2_point, over ``n_points`` points and ``n_trials``
    trials; ``excluded_points`` had a non-finite value, ``partly_diverged`` of them only on
    some seeds."""

    seed_variance: float
    point_variance: float
    seed_fraction: float
    n_points: int
    n_trials: int
    excluded_points: int
    partly_diverged: int


def seed_noise(points: ArrayLike, values: ArrayLike, best_fraction: float = 1.0) -> SeedNoise:
    """Split the variance of ``values`` into seed noise and point-to-point (search) spread.

    ``points[i]`` identifies trial i's hyperparameter point (any integer or string id) and
    ``values[i]`` is its metric; trials sharing a point are its seeds.
    """
    ids = np.asarray(points)
    x = np.asarray(values, dtype=np.float64)
    if ids.ndim != 1 or ids.shape != x.shape:
        raise InvalidParameterError("points", ids.shape, f"a 1-D array shaped like {x.shape}")
    if not 0.0 < best_fraction <= 1.0:
        raise InvalidParameterError("best_fraction", best_fraction, "a number in (0, 1]")
    _, group = np.unique(ids, return_inverse=True)
    finite_per_group = np.bincount(group, weights=np.isfinite(x))
    counts_all = np.bincount(group)
    usable = finite_per_group == counts_all
    partly = int(np.sum((finite_per_group > 0) & ~usable))
    keep = usable[group]
    group, x = np.unique(group[keep], return_inverse=True)[1], x[keep]
    counts = np.bincount(group)
    means = np.bincount(group, weights=x) / np.maximum(counts, 1)
    if best_fraction < 1.0 and counts.size > 2:
        best = np.argsort(means, kind="stable")[: max(2, math.ceil(best_fraction * counts.size))]
        chosen = np.isin(group, best)
        group, x = np.unique(group[chosen], return_inverse=True)[1], x[chosen]
        counts = np.bincount(group)
        means = np.bincount(group, weights=x) / counts
    n, p = x.size, counts.size
    if p < 2 or n - p < 1:
        raise InvalidParameterError(
            "points", f"{p} usable points, {n} trials", "at least 2 finite points, one with 2 seeds"
        )
    ms_within = float(np.sum((x - means[group]) ** 2) / (n - p))
    ms_between = float(np.sum(counts * (means - x.mean()) ** 2) / (p - 1))
    n0 = (n - np.sum(counts**2) / n) / (p - 1)
    point_variance = max(0.0, (ms_between - ms_within) / n0)
    total = ms_within + point_variance
    return SeedNoise(
        seed_variance=ms_within,
        point_variance=point_variance,
        seed_fraction=ms_within / total if total > 0 else float("nan"),
        n_points=p,
        n_trials=n,
        excluded_points=int(np.sum(~usable)),
        partly_diverged=partly,
    )
