"""The torch.optim contract of the six optimizers, the registry, and argument checking."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from optbench import imports, optimizers
from optbench.errors import InvalidParameterError

SETTINGS = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.1, "momentum": 0.9},
    "nesterov": {"lr": 0.1, "momentum": 0.9},
    "rmsprop": {"lr": 0.01, "momentum": 0.9, "rho": 0.9, "eps": 1e-6},
    "adam": {"lr": 0.01, "eps": 1e-3},
    "nadam": {"lr": 0.01, "eps": 1e-3},
}
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _quadratic_grads(params, step):
    for i, p in enumerate(params):
        wave = torch.cos(torch.arange(p.numel(), device=p.device, dtype=p.dtype) + step)
        p.grad = (i + 1.0) * p.detach() + 0.1 * wave.view_as(p)


def test_available_lists_the_six_in_table_order():
    # other tests of this process may have resolved import paths, which registers them
    named = [name for name in optimizers.available() if not imports.is_import_path(name)]
    assert named == ["sgd", "momentum", "nesterov", "rmsprop", "adam", "nadam"]
    assert optimizers.available("*adam") == ["adam", "nadam"]


@pytest.mark.parametrize("name", SETTINGS)
def test_class_importable_by_name_is_what_create_returns(name):
    optimizer = optimizers.create(name, [torch.zeros(2, requires_grad=True)], **SETTINGS[name])
    assert type(optimizer) is getattr(optimizers, type(optimizer).__name__)
    assert type(optimizer).__name__.lower() == name


@pytest.mark.parametrize("name", SETTINGS)
@pytest.mark.parametrize("device", DEVICES)
def test_save_and_load_midway_gives_the_identical_trajectory(name, device):
    def fresh():
        return [
            torch.linspace(-1, 1, 6, dtype=torch.float64, device=device)
            .view(2, 3)
            .requires_grad_(),
            torch.ones(4, dtype=torch.float64, device=device).requires_grad_(),
        ]

    params = fresh()
    optimizer = optimizers.create(name, params, **SETTINGS[name])
    for step in range(10):
        _quadratic_grads(params, step)
        optimizer.step()
    straight = [p.detach().clone() for p in params]

    params = fresh()
    optimizer = optimizers.create(name, params, **SETTINGS[name])
    for step in range(5):
        _quadratic_grads(params, step)
        optimizer.step()
    saved_state = copy.deepcopy(optimizer.state_dict())
    saved_params = [p.detach().clone() for p in params]
    params = [p.requires_grad_() for p in saved_params]
    resumed = optimizers.create(name, params, **SETTINGS[name])
    resumed.load_state_dict(saved_state)
    for step in range(5, 10):
        _quadratic_grads(params, step)
        resumed.step()
    for a, b in zip(straight, params, strict=True):
        assert torch.equal(a, b.detach())
    assert not torch.equal(straight[0], fresh()[0].detach())


@pytest.mark.parametrize("name", SETTINGS)
def test_param_groups_keep_their_own_hyperparameters(name):
    a = torch.ones(3, dtype=torch.float64, requires_grad=True)
    b = torch.ones(3, dtype=torch.float64, requires_grad=True)
    settings = SETTINGS[name]
    optimizer = optimizers.create(name, [{"params": [a]}, {"params": [b], "lr": 0.0}], **settings)
    for step in range(3):
        _quadratic_grads([a, b], step)
        optimizer.step()
    assert torch.equal(b.detach(), torch.ones(3, dtype=torch.float64))
    assert (a.detach() < 1).all()
    assert optimizer.param_groups[0]["lr"] == settings["lr"]


@pytest.mark.parametrize("name", SETTINGS)
def test_parameters_without_gradients_are_left_alone_and_zero_grad_clears(name):
    used = torch.ones(2, requires_grad=True)
    unused = torch.ones(2, requires_grad=True)
    optimizer = optimizers.create(name, [used, unused], **SETTINGS[name])
    used.grad = torch.ones(2)
    optimizer.step()
    assert torch.equal(unused.detach(), torch.ones(2)) and unused not in optimizer.state
    optimizer.zero_grad()
    assert used.grad is None


@pytest.mark.parametrize("name", SETTINGS)
def test_learning_rate_changed_between_steps_is_used_from_that_step(name):
    def run(change):
        p = torch.ones(4, dtype=torch.float64, requires_grad=True)
        optimizer = optimizers.create(name, [p], **SETTINGS[name])
        for step in range(4):
            if change and step == 2:
                optimizer.param_groups[0]["lr"] = 0.0
            _quadratic_grads([p], step)
            before = p.detach().clone()
            optimizer.step()
        return before, p.detach()

    before, after = run(change=True)
    if name == "rmsprop":  # eta sits inside m, so the momentum of earlier steps still moves p
        assert not torch.equal(before, after)
        _, unchanged = run(change=False)
        assert not torch.allclose(after, unchanged)
    else:  # every other rule multiplies the step by the current lr: no move at lr = 0
        assert torch.equal(before, after)


@pytest.mark.parametrize("name", SETTINGS)
def test_float32_follows_float64_closely(name):
    trajectories = []
    for dtype in (torch.float32, torch.float64):
        p = torch.linspace(-1, 1, 8, dtype=dtype).requires_grad_()
        optimizer = optimizers.create(name, [p], **SETTINGS[name])
        for step in range(20):
            _quadratic_grads([p], step)
            optimizer.step()
        assert p.dtype == dtype and all(
            t.dtype == dtype for t in optimizer.state[p].values() if isinstance(t, torch.Tensor)
        )
        trajectories.append(p.detach().double())
    np.testing.assert_allclose(trajectories[0], trajectories[1], atol=1e-5)


@pytest.mark.parametrize("name", SETTINGS)
def test_sparse_gradients_are_rejected_with_a_clear_error(name):
    embedding = torch.nn.Embedding(10, 3, sparse=True)
    optimizer = optimizers.create(name, embedding.parameters(), **SETTINGS[name])
    embedding(torch.tensor([1, 2])).sum().backward()
    with pytest.raises(RuntimeError, match="does not support sparse gradients.*sparse=False"):
        optimizer.step()


@pytest.mark.parametrize(
    ("name", "bad", "message"),
    [
        ("sgd", {"lr": -0.1}, r"lr=-0.1 is invalid: expected a finite number in \[0, inf\)"),
        ("momentum", {"lr": 0.1, "momentum": 1.0}, r"momentum=1.0 .* \[0, 1\)"),
        ("nesterov", {"lr": 0.1, "momentum": -0.5}, r"momentum=-0.5 .* \[0, 1\)"),
        ("rmsprop", {"lr": 0.1, "rho": 1.5}, r"rho=1.5 .* \[0, 1\]"),
        ("adam", {"lr": 0.1, "eps": -1e-8}, r"eps=-1e-08 .* \[0, inf\)"),
        ("nadam", {"lr": 0.1, "beta2": 1.0}, r"beta2=1.0 .* \[0, 1\)"),
        ("adam", {"lr": float("nan")}, r"lr=nan is invalid"),
        (
            "adam",
            {"lr": 0.1, "beta_1": 0.9},
            r"adam hyperparameter='beta_1' .*did you mean 'beta1'",
        ),
        ("momentum", {"lr": 0.1}, r"momentum is missing: optimizer 'momentum' requires it"),
        ("adma", {"lr": 0.1}, r"optimizer='adma' is invalid: .*did you mean 'adam'"),
        ("nadam", {"lr": 0.1, "fused": 1}, r"fused=1 .* True, False or None"),
    ],
)
def test_bad_hyperparameters_name_the_parameter_value_and_range(name, bad, message):
    with pytest.raises(InvalidParameterError, match=message):
        optimizers.create(name, [torch.zeros(1, requires_grad=True)], **bad)


def test_bad_value_in_a_later_param_group_is_caught_too():
    optimizer = optimizers.create("adam", [torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(InvalidParameterError, match="beta1=1.5"):
        optimizer.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "beta1": 1.5})


def test_a_user_registered_optimizer_is_created_like_the_six():
    optimizers.register("adamw_test", torch.optim.AdamW, defaults={"weight_decay": 0.5})
    try:
        assert optimizers.hyperparameters("adamw_test")["weight_decay"] == 0.5
        assert "adamw_test" in optimizers.available()
        p = torch.ones(2, requires_grad=True)
        optimizer = optimizers.create("adamw_test", [p], lr=0.1, foreach=False)
        assert isinstance(optimizer, torch.optim.AdamW)
        assert optimizer.param_groups[0]["weight_decay"] == 0.5
        with pytest.raises(InvalidParameterError, match="a name not registered yet"):
            optimizers.register("adamw_test", torch.optim.AdamW)
    finally:
        optimizers.unregister("adamw_test")


def test_a_registered_optimizer_can_translate_scalar_hyperparameters():
    optimizers.register(
        "torch_adam_test",
        torch.optim.Adam,
        defaults={"lr": None, "beta1": 0.9, "beta2": 0.999},
        to_kwargs=lambda h: {"lr": h["lr"], "betas": (h["beta1"], h["beta2"])},
    )
    try:
        optimizer = optimizers.create(
            "torch_adam_test", [torch.ones(1, requires_grad=True)], lr=0.1, beta1=0.5
        )
        assert optimizer.param_groups[0]["betas"] == (0.5, 0.999)
        with pytest.raises(InvalidParameterError, match="lr is missing"):
            optimizers.create("torch_adam_test", [torch.ones(1, requires_grad=True)])
    finally:
        optimizers.unregister("torch_adam_test")


def test_register_refuses_what_is_not_an_optimizer():
    with pytest.raises(InvalidParameterError, match="optimizer_class=.*a torch.optim.Optimizer"):
        optimizers.register("not_one", dict)
    with pytest.raises(InvalidParameterError, match="name='Bad Name'"):
        optimizers.register("Bad Name", torch.optim.SGD)
