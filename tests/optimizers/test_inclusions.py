"""Each inclusion (docs/method.md, section 3.1), shown by training the same MLP with both
optimizers."""

from __future__ import annotations

import numpy as np
import pytest

from optbench import optimizers
from optbench.errors import InvalidParameterError
from optbench.optimizers.inclusions import INCLUSIONS, inclusion


def _mapped_trajectory(mlp_trajectory, special, general, special_hp, special_lr_at, **map_args):
    mapped = inclusion(special, general).map(**special_hp, **map_args)
    return mlp_trajectory(
        lambda p: optimizers.create(general, p, **mapped.hparams),
        lr_at=lambda step: mapped.lr_at(step, special_lr_at(step)),
    )


def test_the_three_chains_are_the_claimed_pairs_and_nothing_else():
    pairs = {(i.special, i.general) for i in INCLUSIONS}
    assert pairs == {
        ("sgd", "momentum"),
        ("sgd", "nesterov"),
        ("momentum", "rmsprop"),
        ("momentum", "adam"),
        ("nesterov", "nadam"),
    }
    with pytest.raises(InvalidParameterError, match="momentum ⊆ adam"):
        inclusion("rmsprop", "adam")


@pytest.mark.parametrize("general", ["momentum", "nesterov"])
@pytest.mark.parametrize("fused", [False, True])
def test_sgd_is_momentum_and_nesterov_with_zero_momentum_bit_for_bit(
    mlp_trajectory, general, fused
):
    sgd = mlp_trajectory(lambda p: optimizers.create("sgd", p, lr=0.3, fused=fused))
    mapped = inclusion("sgd", general).map(lr=0.3)
    heavy_ball = mlp_trajectory(
        lambda p: optimizers.create(general, p, **mapped.hparams, fused=fused)
    )
    assert np.array_equal(sgd, heavy_ball)
    assert np.abs(sgd[-1] - sgd[0]).max() > 0.05


@pytest.mark.parametrize("eps", [1e-3, 1.0, 10.0])
def test_momentum_is_rmsprop_with_rho_one_and_a_scaled_learning_rate(mlp_trajectory, eps):
    momentum = mlp_trajectory(lambda p: optimizers.create("momentum", p, lr=0.05, momentum=0.9))
    rmsprop = _mapped_trajectory(
        mlp_trajectory,
        "momentum",
        "rmsprop",
        {"lr": 0.05, "momentum": 0.9},
        lambda t: 0.05,
        eps=eps,
    )
    np.testing.assert_allclose(rmsprop, momentum, rtol=0, atol=1e-12)
    assert np.abs(momentum[-1] - momentum[0]).max() > 0.05


def test_momentum_and_rmsprop_part_slightly_under_a_decaying_schedule(mlp_trajectory):
    def decaying(step):  # 20 % lower by the last of the 30 steps
        return 0.05 * (1 - 0.2 * step / 30)

    momentum = mlp_trajectory(
        lambda p: optimizers.create("momentum", p, lr=0.05, momentum=0.9), lr_at=decaying
    )
    rmsprop = _mapped_trajectory(
        mlp_trajectory, "momentum", "rmsprop", {"lr": 0.05, "momentum": 0.9}, decaying
    )
    gap = np.abs(rmsprop - momentum).max()
    assert 1e-4 < gap < 0.1 * np.abs(momentum[-1] - momentum[0]).max()


@pytest.mark.parametrize(("special", "general"), [("momentum", "adam"), ("nesterov", "nadam")])
def test_adam_and_nadam_approach_momentum_and_nesterov_as_eps_grows(
    mlp_trajectory, special, general
):
    def schedule(step):
        return 0.1 * (1 - 0.5 * step / 30)

    target = mlp_trajectory(
        lambda p: optimizers.create(special, p, lr=0.1, momentum=0.9), lr_at=schedule
    )
    gaps = [
        np.abs(
            _mapped_trajectory(
                mlp_trajectory,
                special,
                general,
                {"lr": 0.1, "momentum": 0.9},
                schedule,
                eps=eps,
                beta2=0.99,
            )
            - target
        ).max()
        for eps in (1e2, 1e4, 1e6)
    ]
    # The gap shrinks like sqrt(v) / eps: about 100x per factor 100 in eps.
    assert gaps[0] > 30 * gaps[1] > 900 * gaps[2]
    assert gaps[2] < 1e-6 < np.abs(target[-1] - target[0]).max()


def test_without_the_bias_factor_in_the_learning_rate_adam_misses_momentum(mlp_trajectory):
    target = mlp_trajectory(lambda p: optimizers.create("momentum", p, lr=0.1, momentum=0.9))
    mapped = inclusion("momentum", "adam").map(lr=0.1, momentum=0.9, eps=1e6, beta2=0.99)
    constant_lr = mlp_trajectory(lambda p: optimizers.create("adam", p, **mapped.hparams))
    assert np.abs(constant_lr - target).max() > 1e-2
