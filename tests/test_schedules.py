"""Schedules at their boundaries (step 0, the decay end, the last step), against hand values."""

import math
import pickle

import pytest

from optbench import schedules
from optbench.errors import InvalidParameterError


def test_constant_is_one_at_every_step():
    schedule = schedules.build("constant", 100)
    assert [schedule(t) for t in (0, 50, 99)] == [1.0, 1.0, 1.0]


def test_linear_decay_reaches_end_factor_at_decay_end_then_stays():
    # budget 1000, decay over the first 0.5 * 1000 = 500 steps down to 0.01
    schedule = schedules.build("linear_decay", 1000, end_factor=0.01, decay_fraction=0.5)
    assert schedule(0) == 1.0
    assert schedule(250) == pytest.approx(1 - 0.99 * 0.5)  # 0.505, halfway
    assert schedule(500) == pytest.approx(0.01)  # the decay end
    assert schedule(999) == pytest.approx(0.01)  # the last step: flat after the decay


def test_linear_decay_over_the_whole_budget_is_not_yet_at_end_factor_on_last_step():
    schedule = schedules.build("linear_decay", 10, end_factor=0.0, decay_fraction=1.0)
    assert schedule(9) == pytest.approx(0.1)  # 1 - 9/10
    assert schedule(10) == 0.0


def test_step_decay_multiplies_by_factor_at_each_boundary():
    schedule = schedules.build("step_decay", 1000, factor=0.1, boundaries=(0.5, 0.75))
    assert [schedule(t) for t in (0, 499, 500, 749, 750, 999)] == pytest.approx(
        [1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
    )


def test_cosine_at_start_middle_end_and_last_step():
    schedule = schedules.build("cosine", 1000, end_factor=0.1)
    assert schedule(0) == 1.0
    assert schedule(500) == pytest.approx(0.55)  # 0.1 + 0.9 * (1 + cos(pi / 2)) / 2
    assert schedule(1000) == pytest.approx(0.1)
    # last step 999: 0.1 + 0.45 * (1 - cos(0.001 pi)) ~ 0.1 + 0.45 * (0.001 pi)^2 / 2
    assert schedule(999) == pytest.approx(0.1 + 0.45 * (0.001 * math.pi) ** 2 / 2, rel=1e-9)


def test_schedules_are_frozen_values_that_pickle():
    schedule = schedules.build("linear_decay", 100, end_factor=0.1, decay_fraction=0.5)
    assert pickle.loads(pickle.dumps(schedule)) == schedule
    assert pickle.loads(pickle.dumps(schedule))(50) == pytest.approx(0.1)


def test_unknown_schedule_name_suggests_close_match():
    with pytest.raises(InvalidParameterError, match="linear_decay"):
        schedules.build("linear_decy", 100)


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("linear_decay", {"end_factor": 1.5, "decay_fraction": 0.5}, "end_factor"),
        ("linear_decay", {"end_factor": 0.1, "decay_fraction": 0.0}, "decay_fraction"),
        ("step_decay", {"factor": 0.1, "boundaries": (0.75, 0.5)}, "boundaries"),
        ("cosine", {"end_factor": -0.1}, "end_factor"),
    ],
)
def test_invalid_schedule_parameters_name_the_field(name, params, field):
    with pytest.raises(InvalidParameterError, match=field) as info:
        schedules.build(name, 100, **params)
    assert info.value.parameter == field


def test_missing_schedule_parameter_is_reported():
    with pytest.raises(InvalidParameterError, match="decay_fraction"):
        schedules.build("linear_decay", 100, end_factor=0.1)


def test_budget_must_be_a_positive_integer():
    with pytest.raises(InvalidParameterError, match="budget"):
        schedules.build("constant", 0)
