"""Ranking optimizers by their best-of-k outcome, with uncertainty (docs/method.md, section 8.5).

``studies`` maps an optimizer's name to its study's ``(select, report)`` arrays (one value per
trial, lower is better, diverged trials +inf). Each study is bootstrapped on its own stream,
seeded by ``(seed, crc32(name))``, so adding an optimizer never changes another's samples.

*Order*: by the median of the best-of-k samples, then by the study's own best trial (its
``report`` at the lowest ``select``), then by the order of ``studies``. At k = N the median is
the study's own best trial, since that trial is the best of N draws with probability
1 - (1 - 1/N)^N > 1 - 1/e > 1/2.

*P(A beats B at k)*: with a_1..a_n and b_1..b_m the two bootstrap samples (independent),

    P = (1 / (n m)) sum_i sum_j ( [a_i < b_j] + 1/2 [a_i = b_j] ),

every pair compared rather than the i-th with the i-th, so the estimate has the least variance
the samples allow. Ties (two diverged outcomes included: +inf = +inf) count as half a win.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from optbench.analysis._checks import as_pair
from optbench.analysis.bootstrap import best_of_k
from optbench.analysis.curves import Band, BestOfKCurve, best_of_k_curve, overtake_k, summarize
from optbench.errors import InvalidParameterError, check_int, unknown_name

Studies = Mapping[str, tuple[ArrayLike, ArrayLike]]


def study_seed(seed: int, name: str) -> list[int]:
    """The bootstrap seed of optimizer ``name``'s study: ``[seed, crc32(name)]``."""
    return [int(seed), zlib.crc32(name.encode())]


def _checked(studies: Studies) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    if len(studies) == 0:
        raise InvalidParameterError("studies", studies, "at least one optimizer's study")
    return {name: as_pair(*pair) for name, pair in studies.items()}


@dataclass(frozen=True)
class Standing:
    """One optimizer in a ranking: ``rank`` (1 = best), its study's ``n_trials``, the ``k`` of
    the bootstrap, ``best`` (the report of its best trial over all N) and the best-of-k ``band``."""

    name: str
    rank: int
    n_trials: int
    k: int
    best: float
    band: Band


@dataclass(frozen=True, eq=False)
class Ranking:
    """Optimizers best first; ``samples[name]`` are the best-of-k bootstrap samples."""

    standings: tuple[Standing, ...]
    samples: Mapping[str, np.ndarray]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(standing.name for standing in self.standings)

    def __getitem__(self, name: str) -> Standing:
        for standing in self.standings:
            if standing.name == name:
                return standing
        raise unknown_name("name", name, self.names)


def rank_optimizers(
    studies: Studies,
    k: int | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    percentiles: tuple[float, float] = (5.0, 95.0),
) -> Ranking:
    """Rank optimizers by best-of-k outcome; ``k`` defaults to each study's own N."""
    checked = _checked(studies)
    rows = []
    for position, (name, (select, report)) in enumerate(checked.items()):
        k_here = select.size if k is None else check_int("k", k, 1)
        samples = best_of_k(select, report, k_here, n_boot, study_seed(seed, name))
        band = summarize(samples, percentiles)
        best = float(report[np.argmin(select)])
        rows.append(((band.median, best, position), name, select.size, k_here, best, band, samples))
    rows.sort(key=lambda row: row[0])
    standings = tuple(
        Standing(name, rank, n, k_here, best, band)
        for rank, (_, name, n, k_here, best, band, _) in enumerate(rows, start=1)
    )
    return Ranking(standings, {row[1]: row[6] for row in rows})


def beat_probability(a: ArrayLike, b: ArrayLike) -> float:
    """P(A beats B) from bootstrap samples of A and B: all pairs, ties half."""
    a_array = np.asarray(a, dtype=np.float64).ravel()
    b_sorted = np.sort(np.asarray(b, dtype=np.float64).ravel())
    if a_array.size == 0 or b_sorted.size == 0:
        raise InvalidParameterError("samples", (a_array.size, b_sorted.size), "non-empty samples")
    below = np.searchsorted(b_sorted, a_array, side="left")  # b_j < a_i
    at_most = np.searchsorted(b_sorted, a_array, side="right")  # b_j <= a_i
    wins = (b_sorted.size - at_most) + 0.5 * (at_most - below)
    return float(wins.sum() / (a_array.size * b_sorted.size))


@dataclass(frozen=True, eq=False)
class WinProbabilities:
    """``matrix[i, j]`` = P(``names[i]`` beats ``names[j]``); ``matrix + matrix.T`` = 1."""

    names: tuple[str, ...]
    matrix: np.ndarray

    def __call__(self, a: str, b: str) -> float:
        """P(a beats b)."""
        for name in (a, b):
            if name not in self.names:
                raise unknown_name("name", name, self.names)
        return float(self.matrix[self.names.index(a), self.names.index(b)])


def win_probabilities(ranking: Ranking) -> WinProbabilities:
    """P(A beats B) at the ranking's k for every pair, in ranking order."""
    names = ranking.names
    matrix = np.array(
        [[beat_probability(ranking.samples[a], ranking.samples[b]) for b in names] for a in names]
    )
    return WinProbabilities(names, matrix)


@dataclass(frozen=True)
class Overtake:
    """``winner``'s band falls below ``loser``'s from ``k`` trials on."""

    winner: str
    loser: str
    k: int

    def describe(self) -> str:
        return f"{self.winner} overtakes {self.loser} at k = {self.k}"


def best_of_k_curves(
    studies: Studies,
    ks: Sequence[int] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    percentiles: tuple[float, float] = (5.0, 95.0),
) -> dict[str, BestOfKCurve]:
    """Each optimizer's best-of-k curve (``ks`` default: 1, 2, 4, ..., its own N)."""
    return {
        name: best_of_k_curve(select, report, ks, n_boot, study_seed(seed, name), percentiles)
        for name, (select, report) in _checked(studies).items()
    }


def overtakes(curves: Mapping[str, BestOfKCurve]) -> tuple[Overtake, ...]:
    """Every ordered pair (A, B) where A overtakes B, with the k it happens at."""
    found = []
    for a, curve_a in curves.items():
        for b, curve_b in curves.items():
            k = None if a == b else overtake_k(curve_a, curve_b)
            if k is not None:
                found.append(Overtake(a, b, k))
    return tuple(found)
