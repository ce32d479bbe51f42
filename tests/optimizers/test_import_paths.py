"""Any optimizer by import path: resolved once, created like the six, its hyperparameters read
from its constructor; and constructor arguments assembled from searched numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from optbench import optimizers
from optbench.errors import InvalidParameterError
from optbench.optimizers.arguments import (
    constructor_values,
    hyperparameters_with,
    parse_arguments,
)

USER = Path(__file__).with_name("user_optimizers.py")
BETAS = parse_arguments({"betas": ["beta1", "beta2"]})


def test_an_import_path_is_its_own_name_and_creates_its_class():
    name = optimizers.resolve("torch.optim:AdamW")
    assert name == optimizers.resolve("torch.optim.AdamW") == "torch.optim.AdamW"
    assert optimizers.display_name(name) == "AdamW"
    assert optimizers.hyperparameters(name) == {
        "lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01, "amsgrad": False
    }  # fmt: skip
    optimizer = optimizers.create(name, [torch.ones(2, requires_grad=True)], lr=0.5, foreach=False)
    assert isinstance(optimizer, torch.optim.AdamW) and optimizer.param_groups[0]["lr"] == 0.5


def test_a_user_file_is_created_from_any_working_directory(tmp_path, monkeypatch):
    name = optimizers.resolve(f"{USER}:QHM")
    monkeypatch.chdir(tmp_path)
    assert optimizers.resolve(name) == name and optimizers.display_name(name) == "QHM"
    assert optimizers.hyperparameters(name) == {"lr": 0.1, "beta": 0.9, "nu": 0.7}


def test_a_constructor_argument_defaulting_to_none_is_an_option_not_a_required_one():
    entry = optimizers.get("torch.optim.Adagrad")
    assert "foreach" in entry.options and "foreach" not in entry.hyperparameters
    optimizers.create("torch.optim.Adagrad", [torch.ones(1, requires_grad=True)], foreach=False)


def test_unknown_and_missing_hyperparameters_list_the_constructor_parameters():
    p = [torch.ones(1, requires_grad=True)]
    with pytest.raises(InvalidParameterError, match=r"hyperparameter='beta1' .*one of amsgrad, "
                       r"betas, capturable, .*weight_decay"):  # fmt: skip
        optimizers.create("torch.optim.AdamW", p, beta1=0.5)
    with pytest.raises(InvalidParameterError, match=r"momentum is missing: optimizer "
                       r"'optbench.optimizers.Momentum' requires it \(its parameters: lr, "
                       r"momentum, fused\)"):  # fmt: skip
        optimizers.create("optbench.optimizers.Momentum", p, lr=0.1)


def test_what_is_not_an_optimizer_class_is_refused_with_what_it_is():
    with pytest.raises(InvalidParameterError, match="a torch.optim.Optimizer subclass .*Linear"):
        optimizers.resolve("torch.nn.Linear")
    with pytest.raises(InvalidParameterError, match="or an import path such as torch.optim.AdamW"):
        optimizers.resolve("adamw")


def test_assembled_arguments_replace_the_tuple_by_its_parts_with_their_defaults():
    searched = hyperparameters_with("torch.optim.AdamW", BETAS)
    assert list(searched) == ["lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"]
    assert (searched["beta1"], searched["beta2"]) == (0.9, 0.999)
    built = constructor_values("torch.optim.AdamW", BETAS, {"lr": 0.1, "beta2": 0.99})
    assert built == {"lr": 0.1, "betas": (0.9, 0.99)}
    renamed = parse_arguments({"lr": "learning_rate"})
    assert "learning_rate" in hyperparameters_with("torch.optim.SGD", renamed)
    assert constructor_values("torch.optim.SGD", renamed, {"learning_rate": 0.3}) == {"lr": 0.3}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"beta": ["b1", "b2"]}, "arguments.beta='beta' .*one of amsgrad, betas"),
        ({"betas": ["lr", "b2"]}, "arguments.betas='lr' .*a name not already a hyperparameter"),
        ({"betas": ["b1", "b1"]}, "arguments.betas='b1'"),
    ],
)
def test_arguments_that_do_not_fit_the_constructor_are_refused(arguments, message):
    with pytest.raises(InvalidParameterError, match=message):
        hyperparameters_with("torch.optim.AdamW", parse_arguments(arguments))
    with pytest.raises(InvalidParameterError, match="a hyperparameter name, or a list"):
        parse_arguments({"betas": [1, 2]})
