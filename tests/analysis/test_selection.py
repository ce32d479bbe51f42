import numpy as np
import pytest

from optbench.analysis import best_index, rank_order, select_best
from optbench.errors import InvalidParameterError

METRICS = {
    "validation_error": np.array([0.30, 0.12, 0.25, 0.12]),
    "test_error": np.array([0.31, 0.14, 0.27, 0.11]),
    "training_loss": np.array([0.9, 0.5, 0.2, 0.6]),
}


def test_best_trial_is_lowest_validation_error_and_reports_its_test_error():
    chosen = select_best(METRICS)
    assert chosen.index == 1  # ties with trial 3 go to the lower index
    assert chosen.by == "validation_error"
    assert chosen.value == 0.12
    assert chosen.reported == {"validation_error": 0.12, "test_error": 0.14}


def test_selection_by_training_loss_picks_another_trial():
    chosen = select_best(METRICS, by="training_loss", report=["test_error"])
    assert (chosen.index, chosen.value, chosen.reported) == (2, 0.2, {"test_error": 0.27})


def test_diverged_trial_is_worst_in_every_metric_but_stays_in_the_pool():
    chosen = select_best(METRICS, diverged=[False, True, False, False])
    assert chosen.index == 3
    everything_diverged = select_best(METRICS, diverged=[True] * 4)
    assert everything_diverged.index == 0
    assert everything_diverged.reported == {"validation_error": np.inf, "test_error": np.inf}


def test_nan_reads_as_diverged():
    assert best_index([np.nan, 0.5, 0.4]) == 2
    assert rank_order([np.nan, 0.5, 0.4]).tolist() == [2, 1, 0]


def test_rank_order_breaks_ties_by_index():
    assert rank_order([0.2, 0.1, 0.2, 0.1, np.inf, 0.0]).tolist() == [5, 1, 3, 0, 2, 4]


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"by": "val_error"}, "by"),
        ({"report": ["test_eror"]}, "report"),
        ({"diverged": [True]}, "diverged"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, parameter):
    with pytest.raises(InvalidParameterError) as error:
        select_best(METRICS, **kwargs)
    assert error.value.parameter == parameter


def test_mismatched_lengths_empty_and_minus_infinity_are_rejected():
    with pytest.raises(InvalidParameterError, match="test_error"):
        select_best({"validation_error": [0.1, 0.2], "test_error": [0.1]})
    with pytest.raises(InvalidParameterError, match="non-empty"):
        best_index([])
    with pytest.raises(InvalidParameterError, match="-inf"):
        best_index([0.1, -np.inf])
