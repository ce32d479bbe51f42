"""The five GPU-scale workloads of Choi et al. (2019) on small files in their real formats:
they train, evaluate in eval mode, reproduce their curves, and carry the paper's numbers."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from optbench.errors import InvalidParameterError
from optbench.study.runner import run_trial
from optbench.study.trial import Trial
from optbench.workloads import WorkloadSpec, available, create, register_spec, unregister
from optbench.workloads.conformance import check_workload

CPU = torch.device("cpu")

# Small widths and data for each workload: the same code paths as the full-size ones.
TINY = {
    "cifar10_resnet32": (
        {"validation": 100},
        {"batch_size": 32, "model_args": {"blocks": 1, "widths": (8, 16, 32)}},
    ),
    "cifar10_vgg16": ({"validation": 100}, {"batch_size": 32, "model_args": {"width": 0.125}}),
    "cifar100_allcnnc": (
        {"validation": 100},
        {"batch_size": 32, "model_args": {"widths": (16, 32)}},
    ),
    "imagenet_resnet50": (
        {
            "validation_per_class": 2,
            "image_size": 32,
            "resize_size": 36,
            "workers": 0,
            "eval_batch_size": 8,
        },
        {"batch_size": 8, "model_args": {"layers": (1, 1, 1, 1), "width": 8}},
    ),
    "lm_transformer": (
        {"vocab_size": 300, "context": 16},
        {"batch_size": 8, "model_args": {"layers": 2, "width": 32, "heads": 2, "dropout": 0.1}},
    ),
}
DATA = {
    "cifar10_resnet32": "tiny_cifar10",
    "cifar10_vgg16": "tiny_cifar10",
    "cifar100_allcnnc": "tiny_cifar100",
    "imagenet_resnet50": "tiny_imagenet",
    "lm_transformer": "tiny_lm1b",
}


def tiny(name: str, **overrides) -> WorkloadSpec:
    """Workload ``name`` at the small size of :data:`TINY`."""
    task_overrides, spec_overrides = TINY[name]
    spec = create(name, **{**spec_overrides, **overrides})
    return spec.replace(task=dataclasses.replace(spec.task, **task_overrides))


@pytest.fixture
def data(request, token_cache):
    """The small data set a workload reads, by workload name."""
    return lambda name: request.getfixturevalue(DATA[name])


@pytest.mark.parametrize("name", list(TINY))
def test_workload_trains_with_falling_finite_loss_and_evaluates(name, data):
    report = check_workload(tiny(name), data(name), steps=30, lr=3e-3)
    assert all(math.isfinite(loss) for loss in report.losses)
    assert sum(report.losses[-5:]) < sum(report.losses[:5])
    assert report.validation[1] < 0.9 and report.test[1] < 0.9  # better than chance-ish


def test_the_papers_numbers():
    expected = {
        "cifar10_resnet32": (256, 50_000, 0.07, "validation_error"),
        "cifar10_vgg16": (128, 250 * 351, None, "validation_error"),
        "cifar100_allcnnc": (256, 350 * 175, None, "validation_error"),
        "imagenet_resnet50": (1024, 150_000, 0.24, "validation_error"),
        "lm_transformer": (256, 750_000, 3.45, "validation_loss"),
    }
    for name, numbers in expected.items():
        spec = create(name)
        assert (spec.batch_size, spec.budget, spec.target, spec.target_metric) == numbers
        assert f"{name}_cpu" in available() and create(f"{name}_cpu").target is None
    allcnnc = create("cifar100_allcnnc")
    assert allcnnc.task.l2 == 5e-4 and allcnnc.task.dataset == "cifar100"
    assert dict(allcnnc.model_args) == {"input_dropout": 0.2, "dropout": 0.5}


def test_target_metric_decides_what_a_target_may_be():
    assert create("cifar10_resnet32", target=0.05).target == 0.05
    with pytest.raises(InvalidParameterError, match="target=3.45 is invalid: expected an error"):
        create("cifar10_resnet32", target=3.45)
    with pytest.raises(InvalidParameterError, match="target=-1"):
        create("lm_transformer", target=-1.0)
    with pytest.raises(InvalidParameterError, match="target_metric='perplexity'"):
        create("lm_transformer", target_metric="perplexity")


def batch_norm_state(model: nn.Module) -> list[torch.Tensor]:
    return [b.clone() for name, b in model.named_buffers() if "running" in name]


@pytest.mark.parametrize("name", ["cifar10_vgg16", "imagenet_resnet50", "lm_transformer"])
def test_evaluation_uses_eval_mode_and_changes_nothing(name, data):
    spec = tiny(name)
    problem = spec.task.problem(spec.batch_size, 0, CPU, data(name))
    torch.manual_seed(0)
    model = spec.build_model(problem.info)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for _ in range(3):  # move the batch-norm statistics away from their initial values
        optimizer.zero_grad()
        problem.train_loss(model, problem.next_batch()).backward()
        optimizer.step()
    before = batch_norm_state(model)
    first, second = problem.evaluate(model, "validation"), problem.evaluate(model, "validation")
    assert first == second and model.training
    assert all(torch.equal(a, b) for a, b in zip(before, batch_norm_state(model), strict=True))
    # the same evaluation in training mode (batch statistics, dropout) gives other numbers
    model.eval = lambda: model  # an evaluation that forgot eval mode
    torch.manual_seed(1)
    assert problem.evaluate(model, "validation") != first


@pytest.mark.parametrize("name", ["cifar10_vgg16", "imagenet_resnet50", "lm_transformer"])
def test_the_same_trial_gives_the_same_curve(name, data):
    spec = tiny(name).replace(name=f"tiny_{name}", budget=4, eval_every=2, cpu={})
    register_spec(spec)
    try:
        trial = Trial(spec.name, "adam", {"lr": 1e-3}, seed=3, threads=1, data_path=data(name))
        one, two = run_trial(trial), run_trial(trial)
        other = run_trial(dataclasses.replace(trial, seed=4))
    finally:
        unregister(spec.name)
    strip = [dataclasses.replace(p, seconds=0.0) for p in one.curve]
    assert strip == [dataclasses.replace(p, seconds=0.0) for p in two.curve]
    assert [p.step for p in one.curve] == [2, 4]
    assert [p.train_loss for p in other.curve] != [p.train_loss for p in one.curve]
