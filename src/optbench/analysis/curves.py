"""Best-of-k curves: how a study's outcome improves with its number of trials
(docs/method.md, sections 8.3 and 9.3).

For each k in 1, 2, 4, ..., N (and N itself) the curve holds the bootstrap samples of the
reported metric of the best of k trials, their median and a percentile band (5-95 % unless
told). All k share the same uniforms, so a resample's best rank never worsens as k grows.

*Flattening*: the smallest k whose median lies inside the band of the curve's largest k
(N by default): lower_N <= median_k <= upper_N. More trials than that buy nothing the
bootstrap can tell apart from the full study.

*Overtaking* (beyond the paper): A overtakes B at k when A's band lies wholly below B's,
upper_A(k') < lower_B(k'), at k and at every larger k' of both curves; None when not at the
largest common k. A momentary crossing that does not last is not an overtake.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from optbench.analysis._checks import as_pair, check_percentiles, percentile
from optbench.analysis.bootstrap import Seed, best_ranks, uniforms
from optbench.analysis.selection import rank_order
from optbench.errors import InvalidParameterError, check_int


@dataclass(frozen=True)
class Band:
    """The median of bootstrap samples and their (``percentiles``) band [lower, upper]."""

    median: float
    lower: float
    upper: float
    percentiles: tuple[float, float] = (5.0, 95.0)


def summarize(samples: ArrayLike, percentiles: tuple[float, float] = (5.0, 95.0)) -> Band:
    """Median and percentile band of 1-D samples; +inf samples are order statistics like any
    other (the median is +inf when more than half are)."""
    lower, upper = check_percentiles(percentiles)
    array = np.asarray(samples, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise InvalidParameterError("samples", samples, "a non-empty 1-D array")
    return Band(
        float(percentile(array, 50.0)),
        float(percentile(array, lower)),
        float(percentile(array, upper)),
        (lower, upper),
    )


def default_ks(n: int) -> list[int]:
    """1, 2, 4, ... up to n, and n itself: the paper's log2 axis."""
    ks = [1 << power for power in range(check_int("n", n, 1).bit_length())]
    return ks if ks[-1] == n else [*ks, n]


@dataclass(frozen=True, eq=False)
class BestOfKCurve:
    """``samples[j]`` are the bootstrap samples at ``ks[j]``; ``median``, ``lower`` and
    ``upper`` summarize them per k (arrays aligned with ``ks``)."""

    ks: np.ndarray
    samples: np.ndarray
    median: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    percentiles: tuple[float, float]

    def band(self, k: int) -> Band:
        """The band at ``k`` (one of ``ks``)."""
        where = np.flatnonzero(self.ks == k)
        if where.size == 0:
            raise InvalidParameterError("k", k, f"one of {self.ks.tolist()}")
        j = int(where[0])
        return Band(
            float(self.median[j]), float(self.lower[j]), float(self.upper[j]), self.percentiles
        )


def best_of_k_curve(
    select: ArrayLike,
    report: ArrayLike,
    ks: Sequence[int] | None = None,
    n_boot: int = 1000,
    seed: Seed = 0,
    percentiles: tuple[float, float] = (5.0, 95.0),
) -> BestOfKCurve:
    """The best-of-k curve of one study; ``ks`` defaults to ``default_ks(N)`` and is sorted.

    At each k the samples equal ``best_of_k(select, report, k, n_boot, seed)``.
    """
    select_array, report_array = as_pair(select, report)
    lower, upper = check_percentiles(percentiles)
    n = select_array.size
    wanted = default_ks(n) if ks is None else ks
    grid = np.array(sorted({check_int("k", k, 1) for k in wanted}))
    if grid.size == 0:
        raise InvalidParameterError("ks", ks, "at least one k >= 1")
    order = rank_order(select_array)
    u = uniforms(n_boot, seed)
    samples = np.stack([report_array[order[best_ranks(u, n, int(k))]] for k in grid])
    return BestOfKCurve(
        ks=grid,
        samples=samples,
        median=percentile(samples, 50.0),
        lower=percentile(samples, lower),
        upper=percentile(samples, upper),
        percentiles=(lower, upper),
    )


def flattening_k(curve: BestOfKCurve) -> int:
    """Smallest k whose median lies in the band of the curve's largest k."""
    inside = (curve.median >= curve.lower[-1]) & (curve.median <= curve.upper[-1])
    return int(curve.ks[np.flatnonzero(inside)[0]])


def overtake_k(a: BestOfKCurve, b: BestOfKCurve) -> int | None:
    """Smallest k from which on A's band lies below B's (upper_A < lower_B at k and at every
    larger k both curves have); None if never. Only the ks both curves share are compared."""
    common, in_a, in_b = np.intersect1d(a.ks, b.ks, return_indices=True)
    below = a.upper[in_a] < b.lower[in_b]
    if common.size == 0 or not below[-1]:
        return None
    not_below = np.flatnonzero(~below)
    start = 0 if not_below.size == 0 else int(not_below[-1]) + 1
    return int(common[start])
