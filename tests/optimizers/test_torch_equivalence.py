"""Where Table 1 and torch.optim compute the same thing, and where they do not."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from optbench import optimizers


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("foreach", [False, True])
@pytest.mark.parametrize("fused", [False, True])
def test_momentum_and_nesterov_equal_torch_sgd_without_dampening(
    mlp_trajectory, nesterov, foreach, fused
):
    name = "nesterov" if nesterov else "momentum"
    ours = mlp_trajectory(lambda p: optimizers.create(name, p, lr=0.1, momentum=0.9, fused=fused))
    theirs = mlp_trajectory(
        lambda p: torch.optim.SGD(
            p, lr=0.1, momentum=0.9, dampening=0, nesterov=nesterov, foreach=foreach
        )
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-15)
    assert np.abs(ours[-1] - ours[0]).max() > 0.05


class _TorchAdamWithTableOneEpsilon(torch.optim.Adam):
    """torch.optim.Adam whose eps is set before step t to eps / sqrt(1 - beta2^(t+1))."""

    def __init__(self, params, lr, eps, **kwargs):
        super().__init__(params, lr=lr, eps=eps, **kwargs)
        self.table_one_eps, self.t = eps, 0

    def step(self, closure=None):
        for group in self.param_groups:
            group["eps"] = self.table_one_eps / math.sqrt(1 - group["betas"][1] ** (self.t + 1))
        self.t += 1
        return super().step(closure)


@pytest.mark.parametrize("eps", [1e-8, 1.0, 1e3])
@pytest.mark.parametrize("implementation", ["foreach", "fused"])
def test_adam_equals_torch_adam_with_a_per_step_epsilon(mlp_trajectory, eps, implementation):
    ours = mlp_trajectory(lambda p: optimizers.create("adam", p, lr=0.01, eps=eps))
    theirs = mlp_trajectory(
        lambda p: _TorchAdamWithTableOneEpsilon(p, lr=0.01, eps=eps, **{implementation: True})
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13)


def test_torch_adam_with_constant_epsilon_differs_most_at_large_epsilon(mlp_trajectory):
    """torch.optim.Adam adds eps to the bias-corrected root; at eps = 1e-8 that is invisible, at
    eps = 1 the early steps are up to 1 / sqrt(1 - beta2) ~ 31x larger in torch's form."""
    relative_gaps = {}
    for eps in (1e-8, 1.0):
        ours = mlp_trajectory(lambda p, eps=eps: optimizers.create("adam", p, lr=0.01, eps=eps))
        theirs = mlp_trajectory(lambda p, eps=eps: torch.optim.Adam(p, lr=0.01, eps=eps))
        relative_gaps[eps] = np.abs(ours - theirs).max() / np.abs(ours[-1] - ours[0]).max()
    assert relative_gaps[1e-8] < 1e-3  # the same optimizer, for practical purposes
    assert relative_gaps[1.0] > 1.0  # torch's form moves several times further
    first_ours = mlp_trajectory(lambda p: optimizers.create("adam", p, lr=0.01, eps=1.0), steps=1)
    first_torch = mlp_trajectory(lambda p: torch.optim.Adam(p, lr=0.01, eps=1.0), steps=1)
    step_ratio = (
        np.abs(first_torch[1] - first_torch[0]).max() / np.abs(first_ours[1] - first_ours[0]).max()
    )
    assert 10 < step_ratio < 1 / math.sqrt(1 - 0.999)
