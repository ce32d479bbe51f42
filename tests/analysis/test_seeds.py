import numpy as np
import pytest

from optbench.analysis import seed_noise
from optbench.errors import InvalidParameterError


def test_balanced_example_by_hand():
    # point means 2 and 7, grand mean 4.5; MS_within = (1 + 1 + 4 + 4) / 2 = 5;
    # MS_between = 2 (2.5^2 + 2.5^2) / 1 = 25; n0 = 2; sigma2_point = (25 - 5) / 2 = 10.
    noise = seed_noise([0, 0, 1, 1], [1.0, 3.0, 5.0, 9.0])
    assert noise.seed_variance == pytest.approx(5.0)
    assert noise.point_variance == pytest.approx(10.0)
    assert noise.seed_fraction == pytest.approx(1 / 3)
    assert (noise.n_points, noise.n_trials) == (2, 4)


def test_unbalanced_example_by_hand():
    # means 2 (3 seeds) and 7 (2 seeds), grand mean 4; SS_within = 2 + 2 = 4 over 3 df;
    # MS_between = 3 * 4 + 2 * 9 = 30; n0 = 5 - 13 / 5 = 2.4.
    noise = seed_noise(["a", "a", "a", "b", "b"], [1.0, 2.0, 3.0, 6.0, 8.0])
    assert noise.seed_variance == pytest.approx(4 / 3)
    assert noise.point_variance == pytest.approx((30 - 4 / 3) / 2.4)


def test_point_variance_is_clipped_at_zero():
    noise = seed_noise([0, 0, 1, 1], [1.0, 3.0, 1.0, 3.0])
    assert noise.point_variance == 0.0 and noise.seed_fraction == 1.0


def test_estimates_recover_simulated_components():
    rng = np.random.default_rng(0)
    points, seeds = 400, 3
    ids = np.repeat(np.arange(points), seeds)
    values = rng.normal(0, 2.0, points)[ids] + rng.normal(0, 0.5, ids.size)
    noise = seed_noise(ids, values)
    assert noise.seed_variance == pytest.approx(0.25, rel=0.1)
    assert noise.point_variance == pytest.approx(4.0, rel=0.15)
    assert noise.seed_fraction == pytest.approx(0.25 / 4.25, rel=0.15)


def test_points_with_a_diverged_seed_are_left_out_and_counted():
    ids = [0, 0, 1, 1, 2, 2, 3, 3]
    values = [1.0, 3.0, 5.0, 9.0, np.inf, 2.0, np.inf, np.nan]
    noise = seed_noise(ids, values)
    assert noise.seed_variance == pytest.approx(5.0)  # the first example again
    assert (noise.excluded_points, noise.partly_diverged) == (2, 1)


def test_best_fraction_keeps_the_best_points():
    ids = np.repeat(np.arange(10), 2)
    values = np.repeat(np.arange(10.0), 2) + np.tile([0.0, 1.0], 10) * (
        1 + np.repeat(np.arange(10), 2)
    )
    # point p has seeds at p and 2p + 1, so its mean is (3p + 1) / 2 and its spread grows with p;
    # the best 20 % are points 0 ({0, 1}: SS 0.5) and 1 ({1, 3}: SS 2), over 4 - 2 df.
    best = seed_noise(ids, values, best_fraction=0.2)
    assert best.n_points == 2
    assert best.seed_variance == pytest.approx((0.5 + 2.0) / 2)
    assert seed_noise(ids, values).seed_variance > 10


def test_needs_two_points_and_a_repeated_seed():
    with pytest.raises(InvalidParameterError, match="points"):
        seed_noise([0, 1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(InvalidParameterError, match="points"):
        seed_noise([0, 0], [0.1, 0.2])
    with pytest.raises(InvalidParameterError, match="best_fraction"):
        seed_noise([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], best_fraction=0)
