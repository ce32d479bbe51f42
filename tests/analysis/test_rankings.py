import numpy as np
import pytest

from optbench.analysis import (
    beat_probability,
    best_of_k_curves,
    overtakes,
    rank_optimizers,
    study_seed,
    win_probabilities,
)
from optbench.errors import InvalidParameterError


def _study(seed, n, centre, spread=0.02):
    values = centre + spread * np.random.default_rng(seed).random(n)
    return values, values + 0.01


STUDIES = {"slow": _study(0, 30, 0.40), "fast": _study(1, 30, 0.10), "middle": _study(2, 30, 0.25)}


def test_ranking_orders_by_best_of_n_and_reports_the_best_trial():
    ranking = rank_optimizers(STUDIES, n_boot=400)
    assert ranking.names == ("fast", "middle", "slow")
    fast = ranking["fast"]
    select, report = STUDIES["fast"]
    assert (fast.rank, fast.n_trials, fast.k) == (1, 30, 30)
    assert fast.best == report[np.argmin(select)]
    assert fast.band.median == fast.best  # at k = N the median is the study's best trial
    assert fast.band.lower <= fast.band.median <= fast.band.upper


def test_ranking_at_k_uses_best_of_k_samples():
    ranking = rank_optimizers(STUDIES, k=1, n_boot=400, percentiles=(0, 100))
    select, report = STUDIES["slow"]
    band = ranking["slow"].band
    assert ranking["slow"].k == 1
    assert report.min() <= band.lower and band.upper <= report.max()
    assert band.upper - band.lower > 0.015  # one trial per draw: the whole study's spread


def test_samples_depend_only_on_seed_and_name():
    alone = rank_optimizers({"fast": STUDIES["fast"]}, n_boot=200, seed=7)
    together = rank_optimizers(STUDIES, n_boot=200, seed=7)
    assert np.array_equal(alone.samples["fast"], together.samples["fast"])
    assert study_seed(7, "fast") != study_seed(7, "slow")


def test_diverged_study_ranks_last():
    studies = dict(STUDIES, broken=(np.full(5, np.inf), np.full(5, np.inf)))
    ranking = rank_optimizers(studies, n_boot=100)
    assert ranking.names[-1] == "broken"
    assert ranking["broken"].band.median == np.inf


def test_beat_probability_counts_every_pair_and_ties_as_half():
    # pairs (1,2) win, (1,3) win, (2,2) tie, (2,3) win: 3.5 of 4
    assert beat_probability([1.0, 2.0], [2.0, 3.0]) == 0.875
    assert beat_probability([2.0, 3.0], [1.0, 2.0]) == 0.125
    assert beat_probability([np.inf], [np.inf]) == 0.5
    assert beat_probability([0.3, np.inf], [0.5]) == 0.5


def test_win_matrix_is_complementary():
    ranking = rank_optimizers(dict(STUDIES, twin=STUDIES["middle"]), k=2, n_boot=300)
    wins = win_probabilities(ranking)
    assert wins.names == ranking.names
    assert np.allclose(wins.matrix + wins.matrix.T, 1.0)
    assert np.allclose(np.diag(wins.matrix), 0.5)
    assert wins("fast", "slow") == 1.0 and wins("slow", "fast") == 0.0
    assert 0.2 < wins("middle", "twin") < 0.8  # same study, independent streams
    with pytest.raises(InvalidParameterError, match="name"):
        wins("fast", "sloww")


def test_a_study_with_rare_good_trials_overtakes_a_steady_one():
    # 8 of 64 trials at 0.1, the rest 0.9: the best of k misses them all with P = (7/8)^k,
    # 11.8 % at k = 16 (above the 5 % band edge) and 1.4 % at k = 32.
    rare = np.where(np.arange(64) % 8 == 0, 0.1, 0.9)
    steady = np.full(64, 0.5)
    curves = best_of_k_curves({"rare": (rare, rare), "steady": (steady, steady)}, n_boot=2000)
    found = overtakes(curves)
    assert [(o.winner, o.loser, o.k) for o in found] == [("rare", "steady", 32)]
    assert found[0].describe() == "rare overtakes steady at k = 32"


def test_no_studies_is_an_error():
    with pytest.raises(InvalidParameterError, match="studies"):
        rank_optimizers({})
