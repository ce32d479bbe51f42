"""Argument checks and the one percentile rule shared by the analysis modules.

Every metric array is "lower is better" and float64. A trial that diverged is worst possible:
its value is +inf in every pool, and NaN (a non-finite loss) is read the same way. -inf has no
meaning for an error, a loss or a number of steps and is rejected.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from optbench.errors import InvalidParameterError


def as_metric(
    values: ArrayLike, name: str = "values", diverged: ArrayLike | None = None
) -> np.ndarray:
    """A study's per-trial metric as a 1-D float64 array: NaN and diverged trials become +inf."""
    array = np.array(values, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise InvalidParameterError(name, values, "a non-empty 1-D array with one value per trial")
    array[np.isnan(array)] = np.inf
    if np.any(array == -np.inf):
        raise InvalidParameterError(name, values, "values without -inf (lower is better)")
    if diverged is not None:
        mask = np.asarray(diverged, dtype=bool)
        if mask.shape != array.shape:
            raise InvalidParameterError(
                "diverged", diverged, f"a boolean array of length {array.size}, like {name}"
            )
        array[mask] = np.inf
    return array


def as_pair(select: ArrayLike, report: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """``select`` and ``report`` as metrics of the same study (same length)."""
    select_array = as_metric(select, "select")
    report_array = as_metric(report, "report")
    if select_array.size != report_array.size:
        raise InvalidParameterError(
            "report", f"{report_array.size} values", f"{select_array.size} values, like select"
        )
    return select_array, report_array


def check_percentiles(percentiles: tuple[float, float]) -> tuple[float, float]:
    """A band's (lower, upper) percentiles: 0 <= lower <= 50 <= upper <= 100, lower < upper."""
    try:
        lower, upper = (float(p) for p in percentiles)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            "percentiles", percentiles, "a pair (lower, upper) of numbers"
        ) from None
    if not 0.0 <= lower <= 50.0 <= upper <= 100.0 or lower == upper:
        raise InvalidParameterError(
            "percentiles", percentiles, "0 <= lower <= 50 <= upper <= 100 with lower < upper"
        )
    return lower, upper


def percentile(samples: np.ndarray, q: float) -> np.ndarray:
    """The q-th percentile along the last axis, interpolated linearly as numpy's default does,
    but exact with +inf: between two equal values (+inf included) it is that value, and between
    a finite x and +inf it is x at the lower order statistic itself and +inf past it."""
    ordered = np.sort(samples, axis=-1)
    position = (ordered.shape[-1] - 1) * q / 100.0
    below = int(np.floor(position))
    above = min(below + 1, ordered.shape[-1] - 1)
    fraction = position - below
    low, high = ordered[..., below], ordered[..., above]
    with np.errstate(invalid="ignore"):
        mixed = low + fraction * (high - low)
    return np.where((fraction == 0.0) | (low == high), low, mixed)
