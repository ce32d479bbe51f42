"""Inclusion reachability: which general spaces can reach the region imitating the special."""

import pytest

from optbench.errors import InvalidParameterError
from optbench.tuning.protocols import load_protocol
from optbench.tuning.reachability import check_inclusions
from optbench.tuning.scales import Hyperparameter as H
from optbench.tuning.spaces import SearchSpace

PAIRS = [
    ("sgd", "momentum"),
    ("sgd", "nesterov"),
    ("momentum", "rmsprop"),
    ("momentum", "adam"),
    ("nesterov", "nadam"),
]


def verdicts(spaces, **kwargs):
    return {(c.special, c.general): c for c in check_inclusions(spaces, **kwargs)}


@pytest.mark.parametrize("base_lr", [None, 0.05, 3.0])
def test_full_presets_reach_every_inclusion_at_any_base_lr(base_lr):
    protocol = load_protocol("full")
    checks = verdicts([protocol.space(name, base_lr) for name in protocol.spaces])
    assert list(checks) == PAIRS
    assert all(check.reachable and not check.reasons for check in checks.values())
    assert "momentum = 0" in checks[("sgd", "momentum")].how
    assert "eps >= 1" in checks[("momentum", "adam")].how


@pytest.mark.parametrize("protocol", ["lr-only", "lr-grid", "lr-schedule"])
def test_lr_only_protocols_break_adam_nadam_and_rmsprop_inclusions(protocol):
    checks = verdicts(load_protocol(protocol).spaces)
    for pair in [("momentum", "adam"), ("nesterov", "nadam")]:
        assert not checks[pair].reachable
        assert "eps is fixed at 1e-08" in str(checks[pair])
        assert "needs eps >= 1" in str(checks[pair])
    rmsprop = checks[("momentum", "rmsprop")]
    assert not rmsprop.reachable
    assert str(rmsprop).startswith("rmsprop cannot imitate momentum: ")
    assert "rho is fixed at 0.9 (the exact map needs rho = 1)" in rmsprop.reasons
    assert "eps is fixed at 1e-08 (the limit needs eps >= 1)" in rmsprop.reasons
    # and momentum fixed at 0.9 cannot be SGD either
    assert "momentum is fixed at 0.9" in str(checks[("sgd", "momentum")])


def momentum(lr=(1e-3, 1e2), gamma=(0.0, 0.999)):
    return SearchSpace("momentum", (H("lr", "log", *lr), H("momentum", "one_minus_log", *gamma)))


def adam(*hparams):
    return SearchSpace("adam", hparams)


def test_adam_lr_over_eps_must_cover_lr_over_one_minus_momentum():
    narrow = adam(
        H("lr_over_eps", "log", 1.0, 100.0),
        H("eps", "log", 1e-10, 1e3),
        H("beta1", "one_minus_log", 0.0, 0.999),
    )
    check = verdicts([momentum(), narrow])[("momentum", "adam")]
    assert not check.reachable
    # target: lr / (1 - momentum) over lr in [1e-3, 1e2], 1 - momentum in [1e-3, 1]
    assert "lr / eps in [1, 100]" in str(check)
    assert "lr / (1 - momentum) in [0.001, 1e+05]" in str(check)


def test_adam_with_raw_lr_reaches_momentum_when_lr_over_large_eps_covers_it():
    # momentum 0.9 fixed, lr in [0.01, 1]: target lr / 0.1 in [0.1, 10]
    special = momentum(lr=(0.01, 1.0))
    special = SearchSpace("momentum", (special.get("lr"), H("momentum", "fixed", value=0.9)))
    # over eps in [1, 1e3]: lr / eps spans [lr_low / 1e3, lr_high / 1]
    wide = adam(
        H("lr", "log", 1e-2, 10.0), H("eps", "log", 1e-8, 1e3), H("beta1", "fixed", value=0.9)
    )
    assert verdicts([special, wide])[("momentum", "adam")].reachable
    short = adam(
        H("lr", "log", 1e-2, 5.0), H("eps", "log", 1e-8, 1e3), H("beta1", "fixed", value=0.9)
    )
    check = verdicts([special, short])[("momentum", "adam")]
    assert not check.reachable and "lr / eps in [1e-05, 5]" in str(check)


def test_adam_beta1_must_cover_the_momentum_range():
    space = adam(
        H("lr_over_eps", "log", 1e-3, 1e6),
        H("eps", "log", 1e-10, 1e3),
        H("beta1", "one_minus_log", 0.5, 0.999),
    )
    check = verdicts([momentum(), space])[("momentum", "adam")]
    assert not check.reachable
    assert check.reasons == ("beta1 spans [0.5, 0.999], not all of momentum's momentum [0, 0.999]",)


def test_rmsprop_with_rho_one_reaches_momentum_through_the_exact_map():
    special = momentum(lr=(1e-3, 1e-1), gamma=(0.0, 0.99))
    rmsprop = SearchSpace(
        "rmsprop",
        (
            H("lr", "log", 1e-3, 1e-1),
            H("momentum", "one_minus_log", 0.0, 0.99),
            H("rho", "fixed", value=1.0),
            H("eps", "fixed", value=1e-10),
        ),
    )
    check = verdicts([special, rmsprop])[("momentum", "rmsprop")]
    assert check.reachable and "rho = 1" in check.how
    wider = momentum(lr=(1e-3, 1.0), gamma=(0.0, 0.99))
    check = verdicts([wider, rmsprop])[("momentum", "rmsprop")]
    assert not check.reachable
    assert any("lr / sqrt(1 + eps) spans [0.001, 0.1]" in reason for reason in check.reasons)


def test_threshold_for_large_eps_is_a_setting():
    protocol = load_protocol("full")
    checks = verdicts(protocol.spaces, large_eps=1e4)  # above the presets' eps <= 1e3
    assert not checks[("momentum", "adam")].reachable
    assert not checks[("momentum", "rmsprop")].reachable
    assert checks[("sgd", "momentum")].reachable


def test_only_pairs_with_both_spaces_are_checked_and_duplicates_rejected():
    protocol = load_protocol("full")
    assert check_inclusions([protocol.spaces["sgd"], protocol.spaces["adam"]]) == []
    with pytest.raises(InvalidParameterError, match="one space per optimizer"):
        check_inclusions([protocol.spaces["sgd"], protocol.spaces["sgd"]])


def test_a_floor_above_large_eps_is_a_corner_of_the_rate_range():
    # With the floor at 10, lr / eps over eps in [1, 1e3] is axis * 10 at eps = 1 and falls to
    # the axis itself from eps = 10 on: the floor is where it bends.
    momentum = SearchSpace(
        "momentum", (H("lr", "log", 0.1, 1.0), H("momentum", "fixed", value=0.0))
    )
    adam = SearchSpace(
        "adam",
        (
            H("lr_over_eps", "log", 0.01, 0.05),
            H("eps", "log", 1.0, 1000.0),
            H("eps_floor", "fixed", value=10.0),
            H("beta1", "fixed", value=0.0),
        ),
    )
    (check,) = check_inclusions([momentum, adam])
    assert not check.reachable
    assert "lr / eps in [0.01, 0.5]" in check.reasons[0]
