"""Steps to target (Choi et al. 2019, Figs. 2 and 10; docs/method.md, section 8.4).

A trial reaches a target error e* at its first evaluation step s_j with validation error
err_j <= e*; a trial that never does, or that diverged (even after reaching it: a diverged
trial is worst possible in every statistic), takes +inf steps. NaN errors count as +inf.

For a study the best is the fewest steps over its trials, and its uncertainty is the
best-of-k bootstrap with steps as both the selection and the reported metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from optbench.analysis._checks import check_percentiles, percentile
from optbench.analysis.bootstrap import Seed, best_ranks, uniforms
from optbench.errors import InvalidParameterError, check_int


def _targets(targets: float | ArrayLike) -> np.ndarray:
    array = np.atleast_1d(np.asarray(targets, dtype=np.float64))
    if array.ndim != 1 or array.size == 0 or np.isnan(array).any():
        raise InvalidParameterError("targets", targets, "a number or a non-empty 1-D array")
    return array


def _one_trial(steps: ArrayLike, errors: ArrayLike, targets: np.ndarray, index: int) -> np.ndarray:
    step_array = np.asarray(steps, dtype=np.float64).ravel()
    error_array = np.asarray(errors, dtype=np.float64).ravel()
    if step_array.shape != error_array.shape:
        raise InvalidParameterError(
            f"errors[{index}]", f"{error_array.size} values", f"{step_array.size}, like steps"
        )
    kept = ~np.isnan(step_array)  # rows of a NaN-padded 2-D array
    step_array, error_array = step_array[kept], error_array[kept]
    if np.any(np.diff(step_array) <= 0):
        raise InvalidParameterError(f"steps[{index}]", steps, "strictly increasing steps")
    error_array[np.isnan(error_array)] = np.inf
    best_so_far = np.minimum.accumulate(error_array)  # non-increasing
    first = np.searchsorted(-best_so_far, -targets, side="left")
    padded = np.append(step_array, np.inf)
    return padded[first]


def steps_to_target(
    steps: Sequence[ArrayLike],
    errors: Sequence[ArrayLike],
    targets: float | ArrayLike,
    diverged: ArrayLike | None = None,
) -> np.ndarray:
    """Per trial and target, the first evaluation step with validation error <= target.

    ``steps[i]`` and ``errors[i]`` are trial i's evaluation steps (strictly increasing) and
    validation errors; trials may have different lengths (a list of arrays) or share a
    NaN-padded 2-D array. Returns shape (N,) for one target, (N, T) for T targets; +inf where
    never reached or ``diverged[i]``.
    """
    target_array = _targets(targets)
    if len(steps) != len(errors) or len(steps) == 0:
        raise InvalidParameterError("errors", f"{len(errors)} trials", f"{len(steps)} (>= 1)")
    pairs = enumerate(zip(steps, errors, strict=True))
    result = np.stack([_one_trial(s, e, target_array, i) for i, (s, e) in pairs])
    if diverged is not None:
        mask = np.asarray(diverged, dtype=bool)
        if mask.shape != (len(steps),):
            raise InvalidParameterError("diverged", diverged, f"{len(steps)} booleans")
        result[mask] = np.inf
    return result if np.ndim(targets) else result[:, 0]


@dataclass(frozen=True, eq=False)
class TargetSweep:
    """Steps to each of ``targets``: ``best`` is the fewest over all trials, ``reached`` the
    fraction of trials that reach it, and ``median``/``lower``/``upper`` the bootstrap band of
    the best of ``k`` trials (arrays aligned with ``targets``)."""

    targets: np.ndarray
    best: np.ndarray
    reached: np.ndarray
    median: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    k: int
    percentiles: tuple[float, float]


def target_sweep(
    steps: Sequence[ArrayLike],
    errors: Sequence[ArrayLike],
    targets: ArrayLike,
    k: int | None = None,
    diverged: ArrayLike | None = None,
    n_boot: int = 1000,
    seed: Seed = 0,
    percentiles: tuple[float, float] = (5.0, 95.0),
) -> TargetSweep:
    """Best steps to target over a range of targets, bootstrapped as best of ``k`` (default N).

    The same uniforms serve every target, so the bands move smoothly with the target.
    """
    lower, upper = check_percentiles(percentiles)
    per_trial = steps_to_target(steps, errors, np.atleast_1d(targets), diverged)  # (N, T)
    n = per_trial.shape[0]
    ranks = best_ranks(uniforms(n_boot, seed), n, n if k is None else check_int("k", k, 1))
    samples = np.sort(per_trial, axis=0)[ranks].T  # (T, n_boot): steps are their own selection
    return TargetSweep(
        targets=_targets(targets),
        best=per_trial.min(axis=0),
        reached=np.isfinite(per_trial).mean(axis=0),
        median=percentile(samples, 50.0),
        lower=percentile(samples, lower),
        upper=percentile(samples, upper),
        k=n if k is None else int(k),
        percentiles=(lower, upper),
    )
