import time

import numpy as np
import pytest

from optbench.analysis import (
    best_of_k,
    best_of_k_indices,
    best_of_k_probabilities,
    expected_best_of_k,
)
from optbench.errors import InvalidParameterError

# Three trials; trials 0 and 2 tie on the selection metric, so trial 0 ranks before trial 2.
SELECT = np.array([0.2, 0.1, 0.2])
REPORT = np.array([1.0, 2.0, 4.0])


# Ranks: trial 1 (i = 1), trial 0 (i = 2), trial 2 (i = 3); P(i) = ((4 - i)^k - (3 - i)^k) / 3^k.
@pytest.mark.parametrize(
    ("k", "expected"),
    [
        (1, (2.0 + 1.0 + 4.0) / 3),
        (2, (5 * 2.0 + 3 * 1.0 + 1 * 4.0) / 9),  # P = 5/9, 3/9, 1/9
        (3, (19 * 2.0 + 7 * 1.0 + 1 * 4.0) / 27),  # P = 19/27, 7/27, 1/27
    ],
)
def test_closed_form_on_three_trials_computed_by_hand(k, expected):
    assert expected_best_of_k(SELECT, REPORT, k) == pytest.approx(expected, rel=1e-15)


def test_probabilities_by_hand_follow_trial_order():
    assert best_of_k_probabilities(SELECT, 2) == pytest.approx([3 / 9, 5 / 9, 1 / 9])
    assert best_of_k_probabilities(SELECT, 1) == pytest.approx([1 / 3] * 3)
    assert best_of_k_probabilities(SELECT, 200) == pytest.approx([0, 1, 0], abs=1e-30)


@pytest.mark.parametrize(
    ("seed", "n", "unreached", "k"),
    [(1, 7, 2, 1), (2, 20, 5, 3), (3, 50, 10, 8), (4, 33, 20, 33), (5, 100, 0, 4)],
)
def test_bootstrap_mean_within_three_standard_errors_of_closed_form(
    study_with_ties, seed, n, unreached, k
):
    select, report = study_with_ties(seed, n, levels=4, unreached=unreached)
    samples = best_of_k(select, report, k, n_boot=4000, seed=seed)
    exact = expected_best_of_k(select, report, k)
    standard_error = samples.std(ddof=1) / np.sqrt(samples.size)
    assert np.isfinite(exact)
    assert abs(samples.mean() - exact) < 3 * standard_error


def test_bootstrap_frequencies_match_rank_probabilities(study_with_ties):
    select, _ = study_with_ties(6, 12, levels=3, unreached=2, diverged=2)
    n_boot, k = 20000, 3
    frequencies = np.bincount(best_of_k_indices(select, k, n_boot, seed=9), minlength=12) / n_boot
    p = best_of_k_probabilities(select, k)
    assert np.all(np.abs(frequencies - p) <= 4.5 * np.sqrt(p * (1 - p) / n_boot) + 1e-12)


def test_a_literal_resampling_agrees_with_the_closed_form(study_with_ties):
    """The reference the fast draw replaces: k indices per resample, best by (select, index)."""
    select, report = study_with_ties(7, 15, levels=3, unreached=4)
    k, n_boot = 4, 20000
    draws = np.random.default_rng(0).integers(0, select.size, size=(n_boot, k))
    rank_of = np.empty(select.size, dtype=np.int64)
    rank_of[np.argsort(select, kind="stable")] = np.arange(select.size)
    best = np.take_along_axis(draws, rank_of[draws].argmin(axis=1)[:, None], axis=1)[:, 0]
    literal = report[best]
    fast = best_of_k(select, report, k, n_boot, seed=0)
    exact = expected_best_of_k(select, report, k)
    for samples in (literal, fast):
        assert abs(samples.mean() - exact) < 3 * samples.std(ddof=1) / np.sqrt(n_boot)


def test_diverged_report_makes_the_mean_infinite_and_appears_at_its_rate(study_with_ties):
    select, report = study_with_ties(8, 10, levels=3, diverged=5)
    k, n_boot = 2, 20000
    assert expected_best_of_k(select, report, k) == np.inf
    samples = best_of_k(select, report, k, n_boot, seed=1)
    rate = 0.25  # all k draws among the 5 diverged of 10: (5/10)^2
    assert abs(np.mean(np.isinf(samples)) - rate) < 4 * np.sqrt(rate * (1 - rate) / n_boot)
    capped = np.minimum(report, 2.0)  # a finite stand-in for +inf: the mean is defined again
    exact = expected_best_of_k(select, capped, k)
    p, finite = best_of_k_probabilities(select, k), np.isfinite(report)
    assert exact == pytest.approx(rate * 2.0 + np.sum(p[finite] * report[finite]))
    assert abs(np.minimum(samples, 2.0).mean() - exact) < 3 * capped.std() / np.sqrt(n_boot)


def test_same_seed_same_samples_other_seed_other_samples(study_with_ties):
    select, report = study_with_ties(9, 40)
    first = best_of_k(select, report, 4, n_boot=500, seed=3)
    assert np.array_equal(first, best_of_k(select, report, 4, n_boot=500, seed=3))
    assert not np.array_equal(first, best_of_k(select, report, 4, n_boot=500, seed=4))


def test_cost_does_not_grow_with_k():
    select = np.random.default_rng(0).random(1000)
    start = time.perf_counter()
    samples = best_of_k(select, select, 10**9, n_boot=100_000)
    assert time.perf_counter() - start < 1.0
    assert np.all(samples == select.min())  # a billion draws from 1000 trials find the best


@pytest.mark.parametrize(("k", "n_boot"), [(0, 10), (1.5, 10), (True, 10), (2, 0)])
def test_k_and_n_boot_must_be_positive_integers(k, n_boot):
    with pytest.raises(InvalidParameterError):
        best_of_k([0.1, 0.2], [0.1, 0.2], k, n_boot=n_boot)


def test_select_and_report_must_have_the_same_length():
    with pytest.raises(InvalidParameterError, match="report"):
        expected_best_of_k([0.1, 0.2], [0.1], 1)
