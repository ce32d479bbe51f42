"""Inclusions a user declares: parsed safely, and checked on a small model the way the built-in
maps are (trajectories agree, or converge as the limit is approached)."""

from __future__ import annotations

from pathlib import Path

import pytest

from optbench import optimizers
from optbench.errors import InvalidParameterError
from optbench.optimizers.arguments import parse_arguments
from optbench.optimizers.declared_inclusions import parse_includes, stored_inclusion
from optbench.optimizers.inclusion_check import check_inclusion

QHM = optimizers.resolve(f"{Path(__file__).with_name('user_optimizers.py')}:QHM")
BETAS = parse_arguments({"betas": ["beta1", "beta2"]})
MOMENTUM_IN_QHM = {"map": {"lr": "lr / (1 - momentum)", "beta": "momentum", "nu": 1}}
MOMENTUM_IN_ADAMW = {"map": {
    "beta1": "momentum", "eps": {"limit": "inf"}, "weight_decay": 0,
    "lr": "lr * eps * (1 - momentum ** (step + 1)) / (1 - momentum)",
}}  # fmt: skip


def _one(general, data, arguments=()):
    (inclusion,) = parse_includes(general, data, general_arguments=arguments)
    return inclusion


def test_an_exact_map_holds_to_rounding_and_a_wrong_one_does_not():
    result = check_inclusion(_one(QHM, {"momentum": MOMENTUM_IN_QHM}))
    assert result.holds and result.gaps[0] < 1e-12 < 0.1 < result.movement
    wrong = check_inclusion(_one(QHM, {"momentum": {"map": {"beta": "momentum", "nu": 1}}}))
    assert not wrong.holds and wrong.gaps[0] > 0.01
    assert "does not hold: the trajectories differ by" in wrong.describe()


def test_a_limit_map_holds_as_the_gap_shrinks_a_hundred_times_per_hundred_in_eps():
    inclusion = _one("torch.optim.AdamW", {"momentum": MOMENTUM_IN_ADAMW}, BETAS)
    assert inclusion.limits == ("eps",) and not inclusion.exact
    result = check_inclusion(inclusion)
    first, middle, last = result.gaps
    assert result.holds and first > 30 * middle > 900 * last and last < 1e-6
    without_bias_factor = {"map": {**MOMENTUM_IN_ADAMW["map"], "lr": "lr * eps / (1 - momentum)"}}
    assert not check_inclusion(_one("torch.optim.AdamW", {"momentum": without_bias_factor},
                                    BETAS)).holds  # fmt: skip


def test_a_map_may_set_a_hyperparameter_every_step():
    # torch's AdamW adds eps to the bias-corrected root: Table 1's Adam with eps / sqrt(b2_t)
    per_step = {"adam": {"map": {"lr": "lr", "beta1": "beta1", "beta2": "beta2", "weight_decay": 0,
                                 "eps": "eps / sqrt(1 - beta2 ** (step + 1))"},
                         "at": {"lr": 0.01, "eps": 0.1}}}  # fmt: skip
    result = check_inclusion(_one("torch.optim.AdamW", per_step, BETAS))
    assert result.holds and result.gaps[0] < 1e-12
    constant = {"adam": {"map": {**per_step["adam"]["map"], "eps": "eps"},
                         "at": per_step["adam"]["at"]}}  # fmt: skip
    assert not check_inclusion(_one("torch.optim.AdamW", constant, BETAS)).holds


def test_a_stored_inclusion_reads_back_to_the_same_map():
    inclusion = _one(QHM, {"momentum": {**MOMENTUM_IN_QHM, "at": {"lr": 0.02, "momentum": 0.5}}})
    again = stored_inclusion(QHM, inclusion.settings())
    assert (again.entries, again.at, again.note) == (inclusion.entries, inclusion.at,
                                                      inclusion.note)  # fmt: skip
    assert inclusion.settings()["special_name"] == "momentum" and inclusion.pair == "momentum ⊆ QHM"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"momentum": {"map": {"rho": 1}}}, r"includes.momentum.map.rho='rho' .*a hyperparameter "
         r"of QHM: one of beta, lr, nu"),
        ({"momentum": {"map": {"lr": "lr / gamma"}}}, r"includes.momentum.map.lr=.*'gamma' is not "
         r"one of them"),
        ({"momentum": {"map": {"nu": {"limit": 0}}}}, r"\{limit: inf\}"),
        ({"momentum": {"lr": "lr"}}, r"a mapping \{map: .*at: .*\}"),
        ({"momentum": {"map": {"nu": 1}, "at": {"eps": 1}}}, r"includes.momentum.at.eps"),
        ({"nosuch": {"map": {"nu": 1}}}, r"includes.nosuch='nosuch' is invalid"),
        ({QHM: {"map": {"nu": 1}}}, r"another optimizer"),
    ],
)  # fmt: skip
def test_a_declaration_that_does_not_fit_is_refused_naming_the_field(data, message):
    with pytest.raises(InvalidParameterError, match=message):
        parse_includes(QHM, data)


def test_a_map_that_cannot_build_the_general_optimizer_is_an_error_not_a_verdict():
    inclusion = _one("torch.optim.AdamW", {"sgd": {"map": {"lr": "lr", "beta1": 2.0}}}, BETAS)
    with pytest.raises(InvalidParameterError, match="a map that builds torch.optim.AdamW .*beta"):
        check_inclusion(inclusion)
