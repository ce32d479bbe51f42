"""A small real training run to probe an optimizer with: a 6-16-3 MLP on 64 fixed random
examples, mini-batches of 8, in float64 unless asked. The conformance check and the check of a
declared inclusion compare the parameter trajectories it records.

>>> rows = trajectory(lambda p: torch.optim.SGD(p, lr=0.1), steps=3)
>>> rows.shape
(4, 163)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import torch

MakeOptimizer = Callable[[Iterable[torch.nn.Parameter]], torch.optim.Optimizer]
#: Called before each step with (step, optimizer): a schedule, a change of hyperparameters.
BeforeStep = Callable[[int, torch.optim.Optimizer], None]
STEPS = 30
BATCH = 8


class Probe:
    """The data and model of the probe run; the model is the same for the same ``seed``."""

    def __init__(self, dtype: torch.dtype = torch.float64) -> None:
        generator = torch.Generator().manual_seed(0)
        self.dtype = dtype  # the same data in every dtype: drawn in float64, then cast
        self.inputs = torch.randn(64, 6, generator=generator, dtype=torch.float64).to(dtype)
        self.labels = torch.randint(0, 3, (64,), generator=generator)

    def model(self, seed: int = 1) -> torch.nn.Module:
        torch.manual_seed(seed)
        layers = [torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)]
        return torch.nn.Sequential(*layers).to(dtype=self.dtype)

    def loss(self, model: torch.nn.Module, step: int) -> torch.Tensor:
        """The loss of mini-batch ``step`` (the 8 batches in turn)."""
        batch = slice(BATCH * (step % 8), BATCH * (step % 8) + BATCH)
        return torch.nn.functional.cross_entropy(model(self.inputs[batch]), self.labels[batch])


def flat(model: torch.nn.Module) -> np.ndarray:
    """The model's parameters as one float64 vector."""
    vector = torch.nn.utils.parameters_to_vector(model.parameters()).detach()
    return vector.to(torch.float64).cpu().numpy().copy()


def train(
    probe: Probe,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    steps: range,
    before_step: BeforeStep | None = None,
    set_to_none: bool = True,
) -> list[np.ndarray]:
    """Train ``model`` over ``steps``; the parameters after each step."""
    rows = []
    for step in steps:
        if before_step is not None:
            before_step(step, optimizer)
        optimizer.zero_grad(set_to_none=set_to_none)
        probe.loss(model, step).backward()
        optimizer.step()
        rows.append(flat(model))
    return rows


def trajectory(
    make_optimizer: MakeOptimizer,
    steps: int = STEPS,
    dtype: torch.dtype = torch.float64,
    before_step: BeforeStep | None = None,
    set_to_none: bool = True,
) -> np.ndarray:
    """The parameters (one row per step, the initial row first) of the probe run."""
    probe = Probe(dtype)
    model = probe.model()
    optimizer = make_optimizer(model.parameters())
    rows = [flat(model), *train(probe, model, optimizer, range(steps), before_step, set_to_none)]
    return np.stack(rows)


def gap(a: np.ndarray, b: np.ndarray) -> float:
    """The largest difference between two trajectories (inf where either is not finite)."""
    if a.shape != b.shape or not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("inf")
    return float(np.abs(a - b).max())


def movement(rows: np.ndarray) -> float:
    """How far the parameters moved from the first row to the last (largest coordinate)."""
    return float(np.abs(rows[-1] - rows[0]).max())
