"""A conformance check that any workload, ours or a user's, can be run through (as benchopt
does for its pluggable parts): it builds, is reproducible, trains and evaluates.

=============  =======================================================================
property       holds when
=============  =======================================================================
``builds``     the task builds a problem for a seed and the model builds from its info
``seeded``     the same seed rebuilds the same model and batches; another seed another model
``trains``     ``steps`` steps of Adam(``lr``) on the CPU give finite losses that fall (the mean
               of the last third below the first third)
``evaluates``  the validation and test splits give a finite loss and an error rate in [0, 1]
=============  =======================================================================

>>> from optbench.workloads.conformance import check_workload
>>> check_workload("fmnist_mlp", data_path="tests/data/fake_fmnist")  # doctest: +SKIP
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from optbench import optimizers
from optbench.optimizers.conformance import PropertyResult
from optbench.workloads.registry import spec_of
from optbench.workloads.spec import WorkloadSpec


class WorkloadCheckError(AssertionError):
    """A workload that breaks the contract the runner relies on."""


@dataclass(frozen=True)
class CheckReport:
    """The training losses of the check run and the final evaluation."""

    losses: tuple[float, ...]
    validation: tuple[float, float]
    test: tuple[float, float]


class _Failed(Exception):
    """A property that does not hold, and why."""


def _build(spec: WorkloadSpec, seed: int, data_path: str | None):
    problem = spec.task.problem(spec.batch_size, seed, torch.device("cpu"), data_path)
    torch.manual_seed(seed)
    return problem, spec.build_model(problem.info)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise _Failed(message)


class _Run:
    """The check run, one property after another (each uses what the earlier ones built)."""

    def __init__(self, spec: WorkloadSpec, data_path, steps: int, lr: float, seed: int) -> None:
        self.spec, self.data_path, self.steps, self.lr, self.seed = spec, data_path, steps, lr, seed
        self.losses: list[float] = []
        self.results: dict[str, tuple[float, float]] = {}

    def builds(self) -> None:
        self.problem, self.model = _build(self.spec, self.seed, self.data_path)

    def seeded(self) -> None:
        twin_problem, twin = _build(self.spec, self.seed, self.data_path)
        _, other = _build(self.spec, self.seed + 1, self.data_path)
        pairs = zip(self.model.parameters(), twin.parameters(), strict=True)
        _require(all(torch.equal(a, b) for a, b in pairs), "the same seed gave other parameters")
        pairs = zip(self.model.parameters(), other.parameters(), strict=True)
        differ = any(not torch.equal(a, b) for a, b in pairs)
        _require(differ, "another seed gave the same initial parameters")
        self.first, twin_first = self.problem.next_batch(), twin_problem.next_batch()
        _require(torch.equal(self.first[0], twin_first[0]), "the same seed gave other batches")

    def trains(self) -> None:
        optimizer = optimizers.create("adam", self.model.parameters(), lr=self.lr)
        batch = self.first
        for _ in range(self.steps):
            loss = self.problem.train_loss(self.model, batch)
            self.losses.append(loss.item())
            _require(math.isfinite(self.losses[-1]), f"non-finite training loss {self.losses}")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            batch = self.problem.next_batch()
        third = max(1, self.steps // 3)
        early, late = sum(self.losses[:third]) / third, sum(self.losses[-third:]) / third
        _require(late < early, f"the loss did not fall ({early:.4f} -> {late:.4f})")

    def evaluates(self) -> None:
        for split in ("validation", "test"):
            loss, error = self.problem.evaluate(self.model, split)
            _require(math.isfinite(loss) and 0 <= error <= 1, f"{split}: ({loss}, {error})")
            self.results[split] = (loss, error)


PROPERTIES = (
    ("builds", "the task builds a problem and the model builds from it"),
    ("seeded", "the same seed rebuilds the same model and batches, another seed another model"),
    ("trains", "Adam trains it on the CPU: finite losses that fall"),
    ("evaluates", "validation and test give a finite loss and an error rate in [0, 1]"),
)


def workload_properties(
    workload: str | WorkloadSpec,
    data_path: str | None = None,
    steps: int = 30,
    lr: float = 1e-3,
    seed: int = 0,
) -> list[PropertyResult]:
    """Each property of the module docstring for ``workload`` (a name, an import path or a
    spec); a property whose run raises fails, and the ones after it are not judged."""
    spec = spec_of(workload)
    run, results = _Run(spec, data_path, steps, lr, seed), []
    for name, claim in PROPERTIES:
        if results and not results[-1].holds:
            results.append(PropertyResult(name, claim, False, "not judged: an earlier one failed"))
            continue
        try:
            getattr(run, name)()
            results.append(PropertyResult(name, claim, True))
        except _Failed as failed:
            results.append(PropertyResult(name, claim, False, str(failed)))
        except Exception as error:  # the workload's own failure
            detail = f"raised {type(error).__name__}: {str(error).strip()[:160]}"
            results.append(PropertyResult(name, claim, False, detail))
    return results


def check_workload(
    workload: str | WorkloadSpec,
    data_path: str | None = None,
    steps: int = 30,
    lr: float = 1e-3,
    seed: int = 0,
) -> CheckReport:
    """Train ``steps`` steps of Adam(``lr``) on the CPU and check every property (module
    docstring); the first that does not hold raises :class:`WorkloadCheckError`."""
    spec = spec_of(workload)
    run = _Run(spec, data_path, steps, lr, seed)
    for name, _ in PROPERTIES:
        try:
            getattr(run, name)()
        except _Failed as failed:
            raise WorkloadCheckError(f"workload {spec.name!r}: {failed}") from None
    return CheckReport(tuple(run.losses), run.results["validation"], run.results["test"])
