"""Best of k trials: the bootstrap and its exact law (Choi et al. 2019, Section 4;
docs/method.md, section 8.2).

A study has N trials. Drawing k of them with replacement and keeping the best by the selection
metric tells how good a study of k trials would have been. Sort the trials by the selection
metric, ties by index, and call rank i (1 = best) the i-th of that order. The best of k draws
has rank >= i exactly when all k draws do, with probability ((N - i + 1) / N)^k, so

    P(best of k = rank i) = ((N - i + 1)^k - (N - i)^k) / N^k,        i = 1, ..., N,

and the expected reported metric is E_k = sum_i P(rank i) * report[rank i]. Every rank has a
positive probability (all k draws may land on it), so E_k = +inf as soon as one trial reports
+inf, e.g. a diverged one; the bootstrap's median and percentiles stay informative then.

The bootstrap draws the best rank directly rather than k ranks per resample: with V_1..V_k
uniform on [0, 1), the ranks floor(N V_j) are k uniform draws from {0, ..., N - 1} and their
minimum is floor(N min_j V_j), while min_j V_j has the law of 1 - U^(1/k) for one uniform U.
So one uniform per resample gives the best rank of k draws, exactly, in O(n_boot) time and
memory whatever k is, and one array of uniforms serves every k (the curves in ``curves.py``
reuse it, so that each resample's best rank never worsens as k grows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from optbench.analysis._checks import as_metric, as_pair
from optbench.analysis.selection import rank_order
from optbench.errors import check_int

Seed = int | Sequence[int]


def uniforms(n_boot: int, seed: Seed) -> np.ndarray:
    """``n_boot`` uniforms in (0, 1] from ``np.random.default_rng(seed)``: one per resample."""
    check_int("n_boot", n_boot, 1)
    return 1.0 - np.random.default_rng(seed).random(n_boot)


def best_ranks(u: np.ndarray, n: int, k: int) -> np.ndarray:
    """0-based rank of the best of k draws from n trials, one per uniform in ``u``:
    floor(n (1 - u^(1/k))), with 1 - u^(1/k) computed as -expm1(log(u) / k)."""
    check_int("k", k, 1)
    ranks = np.floor(-n * np.expm1(np.log(u) / k)).astype(np.int64)
    return np.clip(ranks, 0, n - 1)


def best_of_k_indices(select: ArrayLike, k: int, n_boot: int = 1000, seed: Seed = 0) -> np.ndarray:
    """Trial index of the best-of-k trial in each of ``n_boot`` resamples (shape ``(n_boot,)``).

    Use the same indices for several reported metrics (validation and test error) so that both
    describe the same selected trials.
    """
    select_array = as_metric(select, "select")
    order = rank_order(select_array)
    return order[best_ranks(uniforms(n_boot, seed), select_array.size, check_int("k", k, 1))]


def best_of_k(
    select: ArrayLike, report: ArrayLike, k: int, n_boot: int = 1000, seed: Seed = 0
) -> np.ndarray:
    """Bootstrap samples (shape ``(n_boot,)``) of ``report`` at the best-of-k trial by ``select``.

    Each sample: draw k of the N trials with replacement, keep the one with the lowest
    ``select`` (ties: lowest index), record its ``report``. Diverged trials are +inf in both.
    """
    select_array, report_array = as_pair(select, report)
    return report_array[best_of_k_indices(select_array, k, n_boot, seed)]


def best_of_k_probabilities(select: ArrayLike, k: int) -> np.ndarray:
    """P(trial j is the best of k draws), per trial j in index order; sums to 1.

    The trial of rank i gets ((N - i + 1) / N)^k - ((N - i) / N)^k.
    """
    select_array = as_metric(select, "select")
    n = select_array.size
    at_least = (np.arange(n, -1, -1, dtype=np.float64) / n) ** check_int("k", k, 1)  # P(rank >= i)
    by_rank = at_least[:-1] - at_least[1:]
    probabilities = np.empty(n)
    probabilities[rank_order(select_array)] = by_rank
    return probabilities


def expected_best_of_k(select: ArrayLike, report: ArrayLike, k: int) -> float:
    """E[report of the best of k], exactly: sum_j P(j is best of k) report_j.

    +inf if any trial reports +inf, since every trial has a positive probability.
    """
    select_array, report_array = as_pair(select, report)
    probabilities = best_of_k_probabilities(select_array, k)
    if np.isinf(report_array).any():
        return float("inf")
    return float(probabilities @ report_array)
