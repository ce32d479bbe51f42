import numpy as np
import pytest

from optbench.analysis import boundary_checks, divergence_by_region
from optbench.errors import InvalidParameterError

NAMES = ["lr", "momentum"]


def test_best_trial_near_a_bound_flags_that_hyperparameter_only():
    unit = np.array([[0.02, 0.5], [0.5, 0.97], [0.04, 0.3], [0.6, 0.6], [0.9, 0.99]])
    select = np.array([0.10, 0.30, 0.12, 0.20, 0.50])
    lr, momentum = boundary_checks(unit, NAMES, select, top_fraction=0.4)
    assert (lr.name, lr.best, lr.near_lower, lr.near_upper, lr.flagged) == (
        "lr",
        0.02,
        True,
        False,
        True,
    )
    assert (lr.n_top, lr.top_near_lower) == (2, 1.0)  # trials 0 and 2
    assert (momentum.best, momentum.flagged, momentum.top_near_upper) == (0.5, False, 0.0)


def test_diverged_trials_are_not_best_and_ties_go_to_the_lower_index():
    unit = np.array([[0.99, 0.5], [0.5, 0.5], [0.01, 0.5]])
    lr = boundary_checks(unit, NAMES, [np.inf, 0.2, 0.2])[0]
    assert lr.best == 0.5 and not lr.flagged and lr.n_top == 1


def test_margin_is_a_parameter():
    unit = np.array([[0.08, 0.5], [0.5, 0.5]])
    assert not boundary_checks(unit, NAMES, [0.1, 0.2])[0].flagged
    assert boundary_checks(unit, NAMES, [0.1, 0.2], margin=0.1)[0].near_lower


def test_all_diverged_is_never_flagged():
    checks = boundary_checks(np.zeros((2, 2)), NAMES, [np.inf, np.nan])
    assert not any(check.flagged for check in checks) and checks[0].n_top == 0


def test_divergence_rate_per_bin():
    unit = np.array([[0.1, 0.9], [0.2, 0.6], [0.6, 1.0], [0.9, 0.55], [1.0, 0.2]])
    diverged = [False, False, True, True, False]
    lr, momentum = divergence_by_region(unit, NAMES, diverged, n_bins=2)
    assert lr.edges.tolist() == [0.0, 0.5, 1.0]
    assert lr.trials.tolist() == [2, 3] and lr.diverged.tolist() == [0, 2]
    assert lr.rate == pytest.approx([0.0, 2 / 3])
    assert momentum.trials.tolist() == [1, 4] and momentum.rate == pytest.approx([0.0, 0.5])
    empty = divergence_by_region(unit, NAMES, diverged, n_bins=10)[0]
    assert np.isnan(empty.rate[0]) and empty.trials[9] == 2  # u = 1.0 in the last bin


@pytest.mark.parametrize(
    ("unit", "names", "select"),
    [
        (np.full((2, 2), 1.5), NAMES, [0.1, 0.2]),
        (np.zeros((2, 3)), NAMES, [0.1, 0.2]),
        (np.zeros((3, 2)), NAMES, [0.1, 0.2]),
    ],
)
def test_bad_coordinates_are_rejected(unit, names, select):
    with pytest.raises(InvalidParameterError, match="unit"):
        boundary_checks(unit, names, select)


def test_divergence_flags_must_match_the_trials():
    with pytest.raises(InvalidParameterError, match="diverged"):
        divergence_by_region(np.zeros((3, 2)), NAMES, [True, False])
