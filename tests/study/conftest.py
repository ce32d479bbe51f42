"""Workloads for the runner tests: an exactly solvable quadratic, and an MLP on small IDX
files written by the tests."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from optbench.data.synthetic import write_idx_dataset
from optbench.workloads import WorkloadSpec, create, register_spec, unregister


class Scalar(nn.Module):
    """One parameter ``w`` starting at ``start``; counts its backward passes."""

    def __init__(self, start: float = 0.0) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor(start))
        self.backward_passes = 0
        self.w.register_hook(self._count)

    def _count(self, grad: torch.Tensor) -> None:
        self.backward_passes += 1


class QuadraticProblem:
    """Loss (w - center)²; "error" 1 when |w - center| > 1. Counts the batches drawn."""

    info: dict = {}

    def __init__(self, center: float) -> None:
        self.center, self.batches = center, 0

    def next_batch(self) -> None:
        self.batches += 1

    def train_loss(self, model: Scalar, batch: None) -> torch.Tensor:
        QuadraticTask.last = (self, model)
        return (model.w - self.center) ** 2

    def evaluate(self, model: Scalar, split: str) -> tuple[float, float]:
        gap = (model.w - self.center).item()
        return gap * gap, float(abs(gap) > 1)


@dataclass(frozen=True)
class QuadraticTask:
    dataset: str = "none"
    center: float = 3.0
    last = None  # (problem, model) of the latest trial, for the tests to inspect

    def problem(self, batch_size, seed, device, data_path=None) -> QuadraticProblem:
        return QuadraticProblem(self.center)


QUADRATIC = WorkloadSpec(
    name="quadratic",
    task=QuadraticTask(),
    model=Scalar,
    batch_size=1,
    budget=10,
    eval_every=4,
    target=0.5,
    base_lr=0.1,
)


@pytest.fixture(scope="session")
def quadratic():
    """The registered name "quadratic"; ``.last()`` gives the latest trial's (problem, model)."""
    register_spec(QUADRATIC, replace=True)
    yield SimpleNamespace(name="quadratic", last=lambda: QuadraticTask.last)
    unregister("quadratic")


@pytest.fixture(scope="session")
def fake_mlp(tmp_path_factory) -> tuple[str, str]:
    """``(workload name, data path)``: fmnist_mlp with 200 validation images, on small files."""
    directory = write_idx_dataset(tmp_path_factory.mktemp("fake_fmnist"), 1200, 300)
    base = create("fmnist_mlp")
    spec = base.replace(name="fake_mlp", task=dataclasses.replace(base.task, validation=200))
    register_spec(spec, replace=True)
    yield "fake_mlp", str(directory)
    unregister("fake_mlp")
