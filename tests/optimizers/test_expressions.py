"""Map expressions are arithmetic only: evaluated by walking a whitelist, never eval."""

from __future__ import annotations

import math

import pytest

from optbench.errors import InvalidParameterError
from optbench.optimizers.expressions import Expression


def test_arithmetic_functions_and_names_evaluate():
    e = Expression.parse("eps / sqrt(1 - beta2 ** (step + 1))", ["eps", "beta2", "step"])
    assert e.names == {"eps", "beta2", "step"}
    assert e({"eps": 1e-8, "beta2": 0.999, "step": 0}) == pytest.approx(1e-8 / math.sqrt(0.001))
    assert Expression.parse("-min(lr, 2) * max(1, inf)", ["lr"])({"lr": 0.5}) == -math.inf


def test_failing_arithmetic_gives_nan_not_an_exception():
    assert math.isnan(Expression.parse("1 / (1 - m)", ["m"])({"m": 1.0}))
    assert math.isnan(Expression.parse("(-8) ** 0.5", [])({}))
    assert math.isnan(Expression.parse("10.0 ** 10 ** 10", [])({}))


@pytest.mark.parametrize(
    "text",
    ['__import__("os").system("true")', "lr.real", "x + 1", "sqrt", "lambda: 1", "[lr]",
     "min(lr, key=1)", "1 if lr else 2", '"text"', "True + 1", "lr; lr", ""],
)  # fmt: skip
def test_anything_but_arithmetic_over_the_given_names_is_refused(text):
    with pytest.raises(InvalidParameterError, match="expression="):
        Expression.parse(text, ["lr"])
