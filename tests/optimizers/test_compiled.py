"""RMSProp and NAdam on their compiled fused path against their foreach code: the same
trajectories to rounding, under a learning rate that changes every step, with param groups and a
state_dict round trip; nothing recompiles; and what ``fused=True/False/None`` do.

The float64 comparison with the numpy transcription of Table 1 is in test_reference.py. A
kernel is compiled once per process for each (rule, dtype, device, torch threads), so the first
test here pays a few seconds (more on a cold TorchInductor cache) and the others reuse it.

Tolerances: torch's CPU kernels compute ``addcmul`` and ``lerp`` with fused multiply-adds and
TorchInductor's C++ does not, so single steps differ in the last bit of some elements. Over 200
steps of the MLP this grows to at most 2.6e-6 in float32 (parameters of size 1 to 2) and 3e-15
in float64, while the parameters move by 0.3 to 1.9; the tests allow 1e-5 and 1e-13.
"""

from __future__ import annotations

import copy
import threading

import numpy as np
import pytest
import torch

from optbench import optimizers
from optbench.errors import InvalidParameterError
from optbench.optimizers import compiled

SETTINGS = {
    "rmsprop": {"lr": 0.01, "momentum": 0.9, "rho": 0.9, "eps": 1e-6},
    "nadam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "eps": 1e-3},
}
TOLERANCE = {torch.float32: 1e-5, torch.float64: 1e-13}
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
STEPS = 200


def _schedule(step: int) -> float:
    return 0.01 * (1.0 - 0.9 * step / STEPS)


def _create(name: str, params, fused: bool | None, **overrides) -> torch.optim.Optimizer:
    return optimizers.create(name, params, **{**SETTINGS[name], **overrides}, fused=fused)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", SETTINGS)
def test_fused_follows_foreach_under_a_schedule_to_rounding(mlp_trajectory, name, device, dtype):
    def run(fused):
        return mlp_trajectory(
            lambda p: _create(name, p, fused),
            steps=STEPS,
            lr_at=_schedule,
            dtype=dtype,
            device=device,
        )

    fused, foreach = run(True), run(False)
    np.testing.assert_allclose(fused, foreach, rtol=0, atol=TOLERANCE[dtype])
    assert np.abs(foreach[-1] - foreach[0]).max() > 0.3


@pytest.mark.parametrize("name", SETTINGS)
def test_param_groups_keep_their_hyperparameters_on_the_fused_path(mlp_trajectory, name):
    other = {"rmsprop": {"momentum": 0.5, "rho": 0.99}, "nadam": {"beta1": 0.3, "eps": 1e-8}}

    def two_groups(fused):
        def make(params):
            groups = [{"params": params[0::2]}, {"params": params[1::2], **other[name]}]
            return _create(name, groups, fused)

        return mlp_trajectory(make, steps=STEPS, lr_at=_schedule)

    fused, foreach = two_groups(True), two_groups(False)
    np.testing.assert_allclose(fused, foreach, rtol=0, atol=TOLERANCE[torch.float64])
    one_group = mlp_trajectory(lambda p: _create(name, p, True), steps=STEPS, lr_at=_schedule)
    assert np.abs(one_group[-1] - fused[-1]).max() > 1e-3  # the second group's settings count


def _fresh_params() -> list[torch.Tensor]:
    return [
        torch.linspace(-1, 1, 6, dtype=torch.float64).view(2, 3).requires_grad_(),
        torch.ones(4, dtype=torch.float64).requires_grad_(),
    ]


def _quadratic_grads(params: list[torch.Tensor], step: int) -> None:
    for i, p in enumerate(params):
        p.grad = (i + 1.0) * p.detach() + 0.1 * torch.cos(torch.arange(p.numel()) + step).view_as(p)


def _run(optimizer: torch.optim.Optimizer, params: list[torch.Tensor], steps: range) -> None:
    for step in steps:
        for group in optimizer.param_groups:
            group["lr"] = _schedule(step)
        _quadratic_grads(params, step)
        optimizer.step()


@pytest.mark.parametrize("name", SETTINGS)
def test_state_saved_midway_resumes_the_identical_trajectory(name):
    params = _fresh_params()
    _run(_create(name, params, True), params, range(10))
    straight = [p.detach().clone() for p in params]

    params = _fresh_params()
    optimizer = _create(name, params, True)
    _run(optimizer, params, range(5))
    saved_state = copy.deepcopy(optimizer.state_dict())
    saved_params = [p.detach().clone() for p in params]

    params = [p.clone().requires_grad_() for p in saved_params]
    resumed = _create(name, params, True)
    resumed.load_state_dict(copy.deepcopy(saved_state))  # loading keeps the very tensors
    _run(resumed, params, range(5, 10))
    assert all(torch.equal(a, b.detach()) for a, b in zip(straight, params, strict=True))

    params = [p.clone().requires_grad_() for p in saved_params]  # the foreach code takes over
    resumed = _create(name, params, False)
    resumed.load_state_dict(saved_state)
    resumed.param_groups[0]["fused"] = False
    _run(resumed, params, range(5, 10))
    for a, b in zip(straight, params, strict=True):
        torch.testing.assert_close(a, b.detach(), rtol=0, atol=TOLERANCE[torch.float64])
    assert not torch.equal(straight[0], _fresh_params()[0].detach())


@pytest.mark.parametrize("name", SETTINGS)
def test_more_parameters_than_a_chunk_at_different_steps_and_of_any_size(name):
    """11 parameters (two kernel calls, the second padded), sizes 0 and 1 among them, a
    parameter that gets its first gradient at step 3, so that its step t lags the others, and a
    gradient that is not contiguous."""
    sizes = [(0,), (1,), (2,), (17,), (3, 5), (1, 1), (4, 2, 3), (9,), (2,), (31,), (6, 6)]
    assert len(sizes) > compiled.CHUNK

    def run(fused):
        generator = torch.Generator().manual_seed(0)
        params = [torch.randn(s, generator=generator, dtype=torch.float64) for s in sizes]
        optimizer = _create(name, params, fused)
        for step in range(20):
            for i, p in enumerate(params):
                gradient = torch.randn(p.shape, generator=generator, dtype=torch.float64)
                if p.dim() == 2 and p.shape[0] > 1:
                    gradient = gradient.t().contiguous().t()
                p.grad = None if i == 3 and step < 3 else gradient
            optimizer.step()
        return params

    for fused, foreach in zip(run(True), run(False), strict=True):
        torch.testing.assert_close(fused, foreach, rtol=0, atol=TOLERANCE[torch.float64])


def test_a_changing_learning_rate_and_other_models_compile_nothing(monkeypatch):
    for name in SETTINGS:  # compiled here if no earlier test did
        _create(name, _fresh_params(), True)
    compiles = []
    monkeypatch.setattr(compiled, "_compile", lambda *arguments: compiles.append(arguments))
    for name in SETTINGS:
        for sizes in ([(2, 3), (4,)], [(5, 7, 3), (1,), (300,)] * 4):
            params = [torch.ones(s, dtype=torch.float64, requires_grad=True) for s in sizes]
            optimizer = _create(name, params, True)
            _run(optimizer, params, range(50))
            assert params[0].detach().abs().max() < 1  # it moved
    assert compiles == []


@pytest.mark.parametrize("name", SETTINGS)
def test_threads_stepping_their_own_optimizers_at_once_match_one_at_a_time(name):
    def train(results, index):
        params = [p.detach().mul(index + 1).requires_grad_() for p in _fresh_params()]
        _run(_create(name, params, True), params, range(30))
        results[index] = [p.detach() for p in params]

    alone, together = [None] * 4, [None] * 4
    for index in range(4):
        train(alone, index)
    threads = [threading.Thread(target=train, args=(together, i)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for a, b in zip(alone, together, strict=True):
        assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("name", SETTINGS)
def test_fused_none_compiles_for_large_cpu_groups_only(name):
    small = torch.zeros(10, requires_grad=True)
    large = torch.zeros(compiled.DEFAULT_MIN_ELEMENTS, requires_grad=True)
    optimizer = _create(name, [{"params": [small]}, {"params": [large]}], None)
    assert [group["fused"] for group in optimizer.param_groups] == [False, True]
    optimizer = _create(name, [{"params": [large], "fused": False}], None)
    assert optimizer.param_groups[0]["fused"] is False


@pytest.mark.parametrize("name", SETTINGS)
@pytest.mark.parametrize(
    ("param", "message"),
    [
        (
            torch.zeros(3, dtype=torch.bfloat16),
            r"float32 and float64 .* not torch\.bfloat16 on cpu",
        ),
        (torch.zeros(3, device="meta"), r"on CPU or CUDA, not torch\.float32 on meta"),
        (torch.zeros(4, 3).t(), r"contiguous parameters, not one of shape torch\.Size\(\[3, 4\]\)"),
    ],
    ids=["bfloat16", "meta", "transposed"],
)
def test_fused_true_where_the_kernel_cannot_run_names_why(name, param, message):
    with pytest.raises(
        InvalidParameterError, match="fused=True is invalid: expected False or None: .*" + message
    ):
        _create(name, [param], True)


@pytest.mark.parametrize("name", SETTINGS)
def test_without_a_compiler_fused_true_raises_and_fused_none_keeps_foreach(monkeypatch, name):
    reason = "TorchInductor finds no C++ compiler to build the CPU kernel"
    monkeypatch.setattr(compiled, "_compiler_missing", lambda device_type: reason)
    large = torch.zeros(compiled.DEFAULT_MIN_ELEMENTS, requires_grad=True)
    with pytest.raises(InvalidParameterError, match="no C\\+\\+ compiler"):
        _create(name, [large], True)
    assert _create(name, [large], None).param_groups[0]["fused"] is False


@pytest.mark.parametrize("name", SETTINGS)
def test_a_kernel_that_fails_to_compile_is_named_tried_once_and_skipped_by_none(monkeypatch, name):
    attempts = []

    def failing_compile(*arguments):
        attempts.append(arguments)
        raise RuntimeError("the compiler crashed\nwith a long report")

    monkeypatch.setattr(compiled, "_compile", failing_compile)
    monkeypatch.setattr(compiled, "_kernels", {})
    monkeypatch.setattr(compiled, "_failures", {})
    large = torch.zeros(compiled.DEFAULT_MIN_ELEMENTS, requires_grad=True)
    expected = r"could not compile the kernel \(RuntimeError: the compiler crashed\)$"
    with pytest.raises(InvalidParameterError, match=expected):
        _create(name, [large], True)
    assert _create(name, [large], None).param_groups[0]["fused"] is False
    assert len(attempts) == 1
