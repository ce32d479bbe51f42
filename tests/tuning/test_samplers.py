"""Samplers: point i is a pure function of (space, seed, i); bounds, scales, spread, grids."""

import math
import subprocess
import sys
import time

import numpy as np
import pytest
from scipy.stats import qmc

from optbench.errors import InvalidParameterError
from optbench.tuning import samplers
from optbench.tuning.protocols import load_preset
from optbench.tuning.samplers import Grid, QuasiRandom, Random, derive_key
from optbench.tuning.scales import Hyperparameter
from optbench.tuning.spaces import SearchSpace


@pytest.fixture(scope="module")
def adam():
    return load_preset("full", "adam")


CHILD = """
from optbench.tuning import samplers
from optbench.tuning.protocols import load_preset
space = load_preset("full", "adam")
for name in ("quasirandom", "random"):
    sampler = samplers.make(name, space, seed=3)
    print(repr(sampler.unit(5000)), repr(sampler.unit(37)))
    print(repr(sampler(37).hyperparameters))
"""


def test_points_are_identical_in_another_process_whatever_was_drawn_before(adam):
    child = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    expected = []
    for name in ("quasirandom", "random"):
        sampler = samplers.make(name, adam, seed=3)
        [sampler.unit(i) for i in range(40)]  # a different history than the child's
        expected.append(f"{sampler.unit(5000)!r} {sampler.unit(37)!r}")
        expected.append(repr(sampler(37).hyperparameters))
    assert child == expected


@pytest.mark.parametrize("name", ["quasirandom", "random"])
def test_different_seeds_give_different_points_and_same_seed_the_same(adam, name):
    a, b = samplers.make(name, adam, seed=0), samplers.make(name, adam, seed=1)
    again = samplers.make(name, adam, seed=0)
    for i in range(20):
        assert a.unit(i) == again.unit(i)
        assert all(x != y for x, y in zip(a.unit(i), b.unit(i), strict=True))


def test_the_space_hash_enters_the_points(adam):
    nadam = load_preset("full", "nadam")  # same dimensions and ranges, another optimizer
    assert len(nadam.dimensions) == len(adam.dimensions)
    assert samplers.make("quasirandom", adam).unit(0) != samplers.make("quasirandom", nadam).unit(0)


def test_blocks_give_exactly_the_sequential_halton_points():
    key = derive_key("quasirandom", "some space", 7)
    sampler = QuasiRandom(4, key)
    indices = [2100, 5, 1023, 1024, 1025, 0, 2047, 2048, 1500]  # across block boundaries
    blocked = np.array([sampler.unit(i) for i in indices])
    sequential = qmc.Halton(4, scramble=True, rng=np.random.default_rng(key)).random(2101)
    np.testing.assert_array_equal(blocked, sequential[indices])


def test_a_far_point_costs_one_block_not_all_the_points_before_it():
    sampler = QuasiRandom(6, derive_key("quasirandom", "x", 0))
    start = time.perf_counter()
    point = sampler.unit(10_000_000)  # sequentially: 10 M points, many seconds
    assert time.perf_counter() - start < 1.0
    assert len(point) == 6 and all(0.0 <= x < 1.0 for x in point)


@pytest.mark.parametrize("name", ["quasirandom", "random"])
def test_first_1000_points_are_distinct_and_in_bounds_on_their_scales(adam, name):
    sampler = samplers.make(name, adam, seed=11)
    points = [sampler(i) for i in range(1000)]
    assert len({p.unit for p in points}) == 1000
    assert len({tuple(sorted(p.hyperparameters.items())) for p in points}) == 1000
    searched = {n: np.array([p.searched[n] for p in points]) for n, _ in adam.dimensions}
    for n, h in adam.dimensions:
        assert searched[n].min() >= h.low and searched[n].max() <= h.high, n
    lr = np.array([p.hyperparameters["lr"] for p in points])
    np.testing.assert_allclose(lr, searched["lr_over_eps"] * searched["eps"], rtol=1e-12)
    # log scale: half the points below the geometric middle; linear: below the middle
    tolerance = 0.02 if name == "quasirandom" else 0.06
    eps, ratio = adam.get("eps"), adam.get("lr_over_eps")
    middle_eps, middle_ratio = math.sqrt(eps.low * eps.high), math.sqrt(ratio.low * ratio.high)
    assert np.mean(searched["eps"] < middle_eps) == pytest.approx(0.5, abs=tolerance)
    assert np.mean(searched["lr_over_eps"] < middle_ratio) == pytest.approx(0.5, abs=tolerance)
    # one_minus_log on [0, 0.999]: 1 - beta1 is log-uniform on [1e-3, 1], middle 10 ** -1.5
    one_minus = 1 - searched["beta1"]
    assert np.mean(one_minus < 10**-1.5) == pytest.approx(0.5, abs=tolerance)
    assert np.mean(one_minus < 1e-2) == pytest.approx(1 / 3, abs=tolerance)
    assert np.mean(searched["schedule.decay_fraction"] < 0.75) == pytest.approx(0.5, abs=tolerance)


@pytest.mark.parametrize("dims", range(2, 9))
def test_quasirandom_points_are_more_even_than_random_ones(dims):
    for seed in range(3):
        key = derive_key("test", "discrepancy", seed)
        quasi = np.array([QuasiRandom(dims, key).unit(i) for i in range(64)])
        uniform = np.array([Random(dims, key).unit(i) for i in range(64)])
        assert qmc.discrepancy(quasi) < qmc.discrepancy(uniform)


def test_grid_over_lr_grid_preset_is_36_log_spaced_values():
    space = load_preset("lr-grid", "sgd")
    sampler = samplers.make("grid", space, size=36)
    lrs = [sampler(i).hyperparameters["lr"] for i in range(36)]
    np.testing.assert_allclose(lrs, np.logspace(-5, 2, 36), rtol=1e-12)
    assert (lrs[0], lrs[5], lrs[-1]) == (1e-5, 1e-4, 100.0)
    expected = r"index=36 is invalid: expected an integer in \[0, 35\]"
    with pytest.raises(InvalidParameterError, match=expected):
        sampler(36)


def test_grid_is_the_product_of_axes_with_choice_values_enumerated():
    space = SearchSpace(
        "momentum",
        (
            Hyperparameter("lr", "log", 1e-3, 1e-1),
            Hyperparameter("momentum", "choice", values=(0.0, 0.9)),
        ),
    )
    sampler = samplers.make("grid", space, size=6)  # 3 lr levels x 2 momentum values
    points = [
        (p.hyperparameters["lr"], p.hyperparameters["momentum"]) for p in map(sampler, range(6))
    ]
    expected = [(lr, m) for lr in (1e-3, 1e-2, 1e-1) for m in (0.0, 0.9)]
    np.testing.assert_allclose(points, expected, rtol=1e-12)


def test_grid_size_must_factor_over_the_axes():
    assert Grid([None, None], 9).levels == [3, 3]
    assert Grid([None, 4], 20).levels == [5, 4]
    with pytest.raises(InvalidParameterError, match="size"):
        Grid([None, None], 10)
    with pytest.raises(InvalidParameterError, match="size"):
        samplers.make("grid", load_preset("lr-grid", "sgd"))


def test_space_without_searched_dimensions_has_one_point():
    space = SearchSpace("sgd", (Hyperparameter("lr", "fixed", value=0.1),))
    for name in ("quasirandom", "random"):
        sampler = samplers.make(name, space, seed=0)
        assert sampler.unit(12) == ()
        assert sampler(12).hyperparameters == {"lr": 0.1}


def test_unknown_sampler_and_bad_index_or_seed_are_rejected(adam):
    with pytest.raises(InvalidParameterError, match="quasirandom"):
        samplers.make("quasi", adam)
    with pytest.raises(InvalidParameterError, match="seed"):
        samplers.make("random", adam, seed=-1)
    with pytest.raises(InvalidParameterError, match="index"):
        samplers.make("quasirandom", adam).unit(-1)
