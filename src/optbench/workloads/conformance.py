"""A conformance check that any workload, ours or a user's, can be run through (as benchopt
does for its pluggable parts): it builds, trains, evaluates and is reproducible.

>>> from optbench.workloads.conformance import check_workload
>>> check_workload("fmnist_mlp", data_path="tests/data/fake_fmnist")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from optbench import optimizers
from optbench.workloads.registry import create
from optbench.workloads.spec import WorkloadSpec


class WorkloadCheckError(AssertionError):
    """A workload that breaks the contract the runner relies on."""


@dataclass(frozen=True)
class CheckReport:
    """The training losses of the check run and the final evaluation."""

    losses: tuple[float, ...]
    validation: tuple[float, float]
    test: tuple[float, float]


def _build(spec: WorkloadSpec, seed: int, data_path: str | None):
    problem = spec.task.problem(spec.batch_size, seed, torch.device("cpu"), data_path)
    torch.manual_seed(seed)
    return problem, spec.build_model(problem.info)


def _check(condition: bool, spec: WorkloadSpec, message: str) -> None:
    if not condition:
        raise WorkloadCheckError(f"workload {spec.name!r}: {message}")


def check_workload(
    workload: str | WorkloadSpec,
    data_path: str | None = None,
    steps: int = 30,
    lr: float = 1e-3,
    seed: int = 0,
) -> CheckReport:
    """Train ``steps`` steps of Adam(``lr``) on the CPU and check that the losses are finite
    and fall (mean of the last third below the first third), that evaluation gives a finite
    loss and an error rate in [0, 1] on both splits, that the same seed rebuilds the same
    model and batches, and that another seed changes them."""
    spec = create(workload) if isinstance(workload, str) else workload
    problem, model = _build(spec, seed, data_path)
    twin_problem, twin = _build(spec, seed, data_path)
    _, other = _build(spec, seed + 1, data_path)
    pairs = zip(model.parameters(), twin.parameters(), strict=True)
    _check(all(torch.equal(a, b) for a, b in pairs), spec, "the same seed gave other parameters")
    pairs = zip(model.parameters(), other.parameters(), strict=True)
    differ = any(not torch.equal(a, b) for a, b in pairs)
    _check(differ, spec, "another seed gave the same initial parameters")
    first, twin_first = problem.next_batch(), twin_problem.next_batch()
    _check(torch.equal(first[0], twin_first[0]), spec, "the same seed gave other batches")
    optimizer = optimizers.create("adam", model.parameters(), lr=lr)
    losses = []
    batch = first
    for _ in range(steps):
        loss = problem.train_loss(model, batch)
        losses.append(loss.item())
        _check(math.isfinite(losses[-1]), spec, f"non-finite training loss {losses}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch = problem.next_batch()
    third = max(1, steps // 3)
    early, late = sum(losses[:third]) / third, sum(losses[-third:]) / third
    _check(late < early, spec, f"the loss did not fall ({early:.4f} -> {late:.4f})")
    results = {}
    for split in ("validation", "test"):
        loss, error = problem.evaluate(model, split)
        _check(math.isfinite(loss) and 0 <= error <= 1, spec, f"{split}: ({loss}, {error})")
        results[split] = (loss, error)
    return CheckReport(tuple(losses), results["validation"], results["test"])
