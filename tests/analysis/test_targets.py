import numpy as np
import pytest

from optbench.analysis import steps_to_target, target_sweep
from optbench.errors import InvalidParameterError

STEPS = [np.array([100, 200, 300]), np.array([100, 200, 300]), np.array([100])]
ERRORS = [np.array([0.5, 0.3, 0.2]), np.array([0.5, 0.2, 0.4]), np.array([0.25])]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (0.6, [100, 100, 100]),
        (0.3, [200, 200, 100]),
        (0.25, [300, 200, 100]),
        (0.2, [300, 200, np.inf]),
        (0.1, [np.inf, np.inf, np.inf]),
    ],
)
def test_first_evaluation_at_or_below_target(target, expected):
    assert steps_to_target(STEPS, ERRORS, target).tolist() == expected


def test_several_targets_give_one_column_each():
    result = steps_to_target(STEPS, ERRORS, [0.3, 0.2])
    assert result.shape == (3, 2)
    assert result.tolist() == [[200, 300], [200, 200], [100, np.inf]]


def test_diverged_trial_never_reaches_even_if_it_did_before():
    result = steps_to_target(STEPS, ERRORS, 0.3, diverged=[False, True, False])
    assert result.tolist() == [200, np.inf, 100]


def test_nan_errors_and_empty_trials_do_not_reach():
    result = steps_to_target([[10, 20], []], [[np.nan, 0.1], []], 0.5)
    assert result.tolist() == [20, np.inf]


def test_nan_padded_array_equals_ragged_lists():
    padded_steps = np.array([[100, 200, 300], [100, 200, 300], [100, np.nan, np.nan]])
    padded_errors = np.array([[0.5, 0.3, 0.2], [0.5, 0.2, 0.4], [0.25, np.nan, np.nan]])
    targets = [0.6, 0.3, 0.25, 0.2]
    assert np.array_equal(
        steps_to_target(padded_steps, padded_errors, targets),
        steps_to_target(STEPS, ERRORS, targets),
    )


def test_bad_steps_are_rejected():
    with pytest.raises(InvalidParameterError, match=r"steps\[0\]"):
        steps_to_target([[200, 100]], [[0.1, 0.2]], 0.5)
    with pytest.raises(InvalidParameterError, match=r"errors\[0\]"):
        steps_to_target([[100, 200]], [[0.1]], 0.5)
    with pytest.raises(InvalidParameterError, match="errors"):
        steps_to_target([[100]], [[0.1], [0.2]], 0.5)


def test_sweep_best_reached_and_bands():
    sweep = target_sweep(STEPS, ERRORS, [0.3, 0.2, 0.1], n_boot=2000)
    assert sweep.best.tolist() == [100, 200, np.inf]
    assert sweep.reached.tolist() == pytest.approx([1.0, 2 / 3, 0.0])
    assert sweep.k == 3
    # Per trial at target 0.2: 300, 200, +inf. The best of 3 draws is 200 with probability
    # 1 - (2/3)^3 = 19/27, 300 with 7/27 and +inf with 1/27 < 5 %.
    assert sweep.median.tolist() == [100, 200, np.inf]
    assert sweep.lower.tolist() == [100, 200, np.inf]
    assert sweep.upper.tolist() == [200, 300, np.inf]


def test_sweep_with_one_trial_per_draw_is_the_per_trial_spread():
    steps = [np.arange(1, 101)] * 20
    errors = [np.linspace(1.0, 0.0, 100) ** (1 + i / 10) for i in range(20)]
    sweep = target_sweep(steps, errors, [0.5], k=1, n_boot=4000, seed=2)
    per_trial = steps_to_target(steps, errors, 0.5)
    assert sweep.k == 1
    assert abs(sweep.median[0] - np.median(per_trial)) <= 3
    assert sweep.best[0] == per_trial.min()
