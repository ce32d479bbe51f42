"""RMSProp, Adam and NAdam, foreach and fused, against a float64 numpy transcription of Table 1
(docs/method.md, section 2).

The problem is a noisy quadratic, g_t = a * theta + noise_t, whose gradient both sides compute
themselves, so the two trajectories are independent and any difference compounds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from optbench import optimizers

STEPS = 200
SHAPES = [(5, 3), (7,)]


def _curvatures_and_noise() -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    rng = np.random.default_rng(0)
    curvatures = [rng.uniform(0.1, 2.0, shape) for shape in SHAPES]
    noise = [[rng.normal(0.0, 0.3, shape) for shape in SHAPES] for _ in range(STEPS)]
    return curvatures, noise


def _reference(name: str, hp: dict[str, float], lr_at) -> list[np.ndarray]:
    """Plain loops over steps and tensors, written from the paper's Table 1."""
    curvatures, noise = _curvatures_and_noise()
    thetas = [np.ones(shape) for shape in SHAPES]
    first = [np.zeros(shape) for shape in SHAPES]
    second = [np.ones(shape) if name == "rmsprop" else np.zeros(shape) for shape in SHAPES]
    for t in range(STEPS):
        lr = lr_at(t)
        for i, theta in enumerate(thetas):
            g = curvatures[i] * theta + noise[t][i]
            if name == "rmsprop":
                second[i] = hp["rho"] * second[i] + (1 - hp["rho"]) * g * g
                first[i] = hp["momentum"] * first[i] + lr * g / np.sqrt(second[i] + hp["eps"])
                thetas[i] = theta - first[i]
                continue
            b1, b2 = hp["beta1"], hp["beta2"]
            first[i] = b1 * first[i] + (1 - b1) * g
            second[i] = b2 * second[i] + (1 - b2) * g * g
            b = math.sqrt(1 - b2 ** (t + 1)) / (1 - b1 ** (t + 1))
            numerator = first[i] if name == "adam" else b1 * first[i] + (1 - b1) * g
            thetas[i] = theta - lr * b * numerator / (np.sqrt(second[i]) + hp["eps"])
    return thetas


def _optbench(
    name: str, hp: dict[str, float], lr_at, device: str = "cpu", **options
) -> list[np.ndarray]:
    curvatures, noise = _curvatures_and_noise()
    params = [
        torch.ones(shape, dtype=torch.float64, device=device, requires_grad=True)
        for shape in SHAPES
    ]
    optimizer = optimizers.create(name, params, lr=lr_at(0), **hp, **options)
    for t in range(STEPS):
        optimizer.param_groups[0]["lr"] = lr_at(t)
        for i, p in enumerate(params):
            a, e = (torch.from_numpy(x).to(device) for x in (curvatures[i], noise[t][i]))
            p.grad = a * p.detach() + e
        optimizer.step()
    return [p.detach().cpu().numpy() for p in params]


ADAM_SETTINGS = [
    {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    {"beta1": 0.5, "beta2": 0.99, "eps": 1e-3},
    {"beta1": 0.99, "beta2": 0.9, "eps": 1.0},
    {"beta1": 0.0, "beta2": 0.999, "eps": 1e3},
]
RMSPROP_SETTINGS = [
    {"momentum": 0.0, "rho": 0.9, "eps": 1e-8},
    {"momentum": 0.9, "rho": 0.99, "eps": 1e-3},
    {"momentum": 0.5, "rho": 0.5, "eps": 1.0},
    {"momentum": 0.99, "rho": 1.0, "eps": 1e3},
]
CASES = (
    [("rmsprop", hp) for hp in RMSPROP_SETTINGS]
    + [("adam", hp) for hp in ADAM_SETTINGS]
    + [("nadam", hp) for hp in ADAM_SETTINGS]
)


def _decaying(step: int) -> float:
    return 0.05 * (1.0 - 0.9 * step / STEPS)


@pytest.mark.parametrize("fused", [False, True], ids=["foreach", "fused"])
@pytest.mark.parametrize(("name", "hp"), CASES, ids=lambda v: str(v))
def test_rule_matches_the_numpy_transcription_of_table_1(name, hp, fused, device):
    expected = _reference(name, hp, _decaying)
    actual = _optbench(name, hp, _decaying, device, fused=fused)
    for got, wanted in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, wanted, rtol=0, atol=1e-10)
        assert not np.allclose(wanted, 1.0)  # the parameters really moved


def test_rmsprop_starts_its_mean_square_at_one_not_zero():
    # With v_0 = 1, rho = 0.9 and g = 2: v_1 = 0.9 + 0.1 * 4 = 1.3, so the first step is
    # lr * 2 / sqrt(1.3 + eps); a v_0 = 0 implementation would step lr * 2 / sqrt(0.4).
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = optimizers.create("rmsprop", [p], lr=0.1, rho=0.9, eps=0.0)
    p.grad = torch.full((1,), 2.0, dtype=torch.float64)
    optimizer.step()
    assert p.item() == pytest.approx(-0.1 * 2 / math.sqrt(1.3), abs=1e-15)


def test_nadam_differs_from_torch_nadam_which_decays_its_momentum():
    hp = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    ours = _optbench("nadam", hp, lambda t: 1e-2)
    curvatures, noise = _curvatures_and_noise()
    params = [torch.ones(shape, dtype=torch.float64, requires_grad=True) for shape in SHAPES]
    torch_nadam = torch.optim.NAdam(params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8)
    for t in range(STEPS):
        for i, p in enumerate(params):
            p.grad = torch.from_numpy(curvatures[i]) * p.detach() + torch.from_numpy(noise[t][i])
        torch_nadam.step()
    gap = max(np.abs(a - p.detach().numpy()).max() for a, p in zip(ours, params, strict=True))
    assert gap > 1e-4
