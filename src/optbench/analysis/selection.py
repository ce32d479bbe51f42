"""Selecting a study's best trial (Choi et al. 2019, Section 4; docs/method.md, section 8.1).

A study is N trials; each metric is an array with one value per trial, lower is better. The
best trial is the one with the lowest *selection metric* (final validation error by default;
final training loss or steps to target are the alternatives), and the study reports that trial's
*reported metrics* (validation and test error). A diverged trial is +inf in every metric and
stays in the pool, so it is selected only when every trial is +inf. Ties go to the lowest trial
index, so the choice never depends on anything but the arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from optbench.analysis._checks import as_metric
from optbench.errors import InvalidParameterError, unknown_name

#: The selection metrics the paper uses, in order of preference.
SELECTION_METRICS: tuple[str, ...] = ("validation_error", "training_loss", "steps_to_target")


@dataclass(frozen=True)
class Selection:
    """The best trial of a study: its ``index`` (0-based), the selection metric ``by`` and its
    value ``value`` there, and ``reported``: each reported metric's value at that trial."""

    index: int
    by: str
    value: float
    reported: Mapping[str, float]


def rank_order(select: ArrayLike) -> np.ndarray:
    """Trial indices from best to worst by ``select``; ties keep index order (a stable sort).

    ``rank_order(select)[i - 1]`` is the trial of rank i, the rank used by the closed form of
    the best-of-k distribution.
    """
    return np.argsort(as_metric(select, "select"), kind="stable")


def best_index(select: ArrayLike) -> int:
    """argmin_i select_i, the lowest index among ties (all +inf: trial 0)."""
    return int(np.argmin(as_metric(select, "select")))


def select_best(
    metrics: Mapping[str, ArrayLike],
    by: str = "validation_error",
    report: Sequence[str] = ("validation_error", "test_error"),
    diverged: ArrayLike | None = None,
) -> Selection:
    """The trial with the lowest ``metrics[by]`` and its values of the ``report`` metrics.

    ``metrics`` maps a metric name to its per-trial array (all the same length N); the names
    of ``SELECTION_METRICS`` are the usual ones but any name present may be used. ``diverged``
    (a boolean array of length N) sets those trials to +inf in every metric; NaN is read as
    +inf too. Reported metrics that ``metrics`` lacks raise, so a typo is not silently dropped.
    """
    if by not in metrics:
        raise unknown_name("by", by, metrics.keys())
    pools = {}
    for name in (by, *report):
        if name not in metrics:
            raise unknown_name("report", name, metrics.keys())
        pools[name] = as_metric(metrics[name], name, diverged)
    size = pools[by].size
    for name, pool in pools.items():
        if pool.size != size:
            raise InvalidParameterError(name, f"{pool.size} values", f"{size} values, like {by}")
    index = int(np.argmin(pools[by]))
    return Selection(
        index=index,
        by=by,
        value=float(pools[by][index]),
        reported={name: float(pools[name][index]) for name in report},
    )
