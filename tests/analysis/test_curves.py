import numpy as np
import pytest

from optbench.analysis import (
    BestOfKCurve,
    best_of_k,
    best_of_k_curve,
    default_ks,
    flattening_k,
    overtake_k,
    summarize,
)
from optbench.errors import InvalidParameterError


def _curve(ks, median, lower, upper):
    ks, median = np.array(ks), np.array(median, dtype=float)
    samples = np.repeat(median[:, None], 3, axis=1)
    return BestOfKCurve(ks, samples, median, np.array(lower), np.array(upper), (5.0, 95.0))


@pytest.mark.parametrize(
    ("n", "ks"), [(1, [1]), (2, [1, 2]), (8, [1, 2, 4, 8]), (10, [1, 2, 4, 8, 10])]
)
def test_default_ks_are_powers_of_two_and_n(n, ks):
    assert default_ks(n) == ks


def test_curve_samples_at_each_k_are_the_best_of_k_samples(study_with_ties):
    select, report = study_with_ties(1, 30, unreached=3)
    curve = best_of_k_curve(select, report, n_boot=300, seed=5)
    assert curve.ks.tolist() == [1, 2, 4, 8, 16, 30]
    for k, samples in zip(curve.ks, curve.samples, strict=True):
        assert np.array_equal(samples, best_of_k(select, report, int(k), n_boot=300, seed=5))
    band = curve.band(8)
    assert band.median == np.median(curve.samples[3])
    assert band.lower == pytest.approx(np.percentile(curve.samples[3], 5))


def test_each_resample_improves_with_k_when_select_is_reported(study_with_ties):
    select, _ = study_with_ties(2, 64, levels=20)
    curve = best_of_k_curve(select, select, n_boot=500)
    assert np.all(np.diff(curve.samples, axis=0) <= 0)
    assert curve.median[-1] == select.min()  # at k = N the median is the study's best
    assert curve.median[0] > curve.median[-1]


def test_narrower_percentiles_give_a_narrower_band(study_with_ties):
    select, report = study_with_ties(3, 40)
    wide = best_of_k_curve(select, report, ks=[4], n_boot=500)
    narrow = best_of_k_curve(select, report, ks=[4], n_boot=500, percentiles=(25, 75))
    assert narrow.lower[0] >= wide.lower[0] and narrow.upper[0] <= wide.upper[0]
    assert narrow.upper[0] - narrow.lower[0] < wide.upper[0] - wide.lower[0]


def test_flattening_is_the_first_median_inside_the_band_at_n():
    curve = _curve(
        [1, 2, 4, 8, 16], [0.5, 0.3, 0.22, 0.2, 0.19], [0] * 4 + [0.17], [1] * 4 + [0.23]
    )
    assert flattening_k(curve) == 4
    flat = best_of_k_curve(np.ones(10), np.ones(10), n_boot=50)
    assert flattening_k(flat) == 1


def test_overtaking_must_last_to_the_largest_k():
    b = _curve([1, 2, 4, 8, 16], [0.5] * 5, [0.45] * 5, [0.55] * 5)
    lasting = _curve(
        [1, 2, 4, 8, 16],
        [0.6, 0.5, 0.4, 0.3, 0.3],
        [0.5, 0.4, 0.3, 0.2, 0.2],
        [0.7, 0.6, 0.44, 0.4, 0.35],
    )
    assert overtake_k(lasting, b) == 4
    assert overtake_k(b, lasting) is None
    crossing_back = _curve(
        [1, 2, 4, 8, 16], [0.3, 0.4, 0.5, 0.3, 0.3], [0.2] * 5, [0.4, 0.44, 0.6, 0.4, 0.4]
    )
    assert overtake_k(crossing_back, b) == 8
    shorter = _curve([1, 2, 4], [0.1] * 3, [0.1] * 3, [0.1] * 3)
    assert overtake_k(shorter, b) == 1  # compared on the shared ks 1, 2, 4


def test_percentiles_handle_infinite_samples():
    band = summarize([0.1, 0.2, np.inf, np.inf, np.inf])
    assert (band.median, band.upper) == (np.inf, np.inf)
    assert band.lower == pytest.approx(0.1 + 0.2 * 0.1)
    half = summarize([0.1, np.inf])  # any step past the finite sample towards +inf is +inf
    assert half.median == np.inf and half.lower == np.inf
    assert summarize([0.1, np.inf], (0, 95)).lower == 0.1
    finite = np.random.default_rng(0).random(101)
    assert summarize(finite, (5, 95)).upper == pytest.approx(np.percentile(finite, 95))


@pytest.mark.parametrize("percentiles", [(60, 90), (5, 40), (50, 50), (-1, 95), (5, 101)])
def test_band_percentiles_must_straddle_the_median(percentiles):
    with pytest.raises(InvalidParameterError, match="percentiles"):
        summarize([0.1, 0.2], percentiles)


def test_curve_rejects_k_below_one():
    with pytest.raises(InvalidParameterError):
        best_of_k_curve([0.1, 0.2], [0.1, 0.2], ks=[0, 1])
