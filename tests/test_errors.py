"""The shared error class and argument checks."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from optbench.errors import MAX_INT, InvalidParameterError, check_int, check_positive, shown


def test_an_error_pickles_whole_with_its_location():
    error = InvalidParameterError("budget", 0, "an integer >= 1").renamed("trials").at("x.yaml", 3)
    copy = pickle.loads(pickle.dumps(error))
    assert (
        str(copy)
        == str(error)
        == "trials=0 is invalid: expected an integer >= 1 (line 3 of x.yaml)"
    )
    assert (copy.parameter, copy.value, copy.line, copy.source) == ("trials", 0, 3, "x.yaml")


def test_a_missing_parameter_says_so_and_keeps_saying_so_when_renamed():
    error = InvalidParameterError.required("lr", "optimizer 'adam'").renamed("spaces.adam.lr")
    assert str(error) == "spaces.adam.lr is missing: optimizer 'adam' requires it"
    assert error.missing and error.value is None


def test_an_oversized_value_is_not_echoed_whole():
    error = InvalidParameterError("name", "x" * 10_000, "a short name")
    assert len(str(error)) < 200
    assert "(10002 characters)" in str(error)
    assert shown(12) == "12"


@pytest.mark.parametrize("value", [True, False, 1.0, "3", None, -1, MAX_INT + 1, np.bool_(True)])
def test_check_int_refuses_what_is_not_an_integer_in_range(value):
    with pytest.raises(InvalidParameterError, match=r"^count="):
        check_int("count", value)


def test_check_int_accepts_integers_in_range_and_none_when_optional():
    assert check_int("count", np.int64(7), 1) == 7
    assert type(check_int("count", np.int64(7), 1)) is int
    assert check_int("count", MAX_INT) == MAX_INT
    assert check_int("count", None, optional=True) is None
    with pytest.raises(InvalidParameterError, match=r"in \[1, 5\]"):
        check_int("count", 6, 1, 5)


def test_check_int_names_both_bounds_so_a_value_above_the_stored_maximum_is_explained():
    with pytest.raises(InvalidParameterError) as caught:
        check_int("seed", MAX_INT + 1)
    assert caught.value.expected == "an integer in [0, 9223372036854775807]"


@pytest.mark.parametrize("value", [0, -1.0, float("inf"), float("nan"), True, "1", 10**400])
def test_check_positive_refuses_what_is_not_a_finite_positive_number(value):
    with pytest.raises(InvalidParameterError):
        check_positive("factor", value)
