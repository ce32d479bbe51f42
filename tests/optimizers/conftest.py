"""A small real model to train (an MLP on fixed random data, in float64 unless asked), and one
torch thread for every test here, as the runner gives each trial: the models are tiny, and a
second OpenMP thread on a busy 2-core machine only adds waiting."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest
import torch


def _mlp_trajectory(
    make_optimizer: Callable[[list[torch.nn.Parameter]], torch.optim.Optimizer],
    steps: int = 30,
    lr_at: Callable[[int], float] | None = None,
    dtype: torch.dtype = torch.float64,
    device: str = "cpu",
) -> np.ndarray:
    """Parameters (flattened, one row per step, initial row first) of a 6-16-3 MLP trained with
    mini-batches of 8 from 64 fixed random examples. ``lr_at(step)`` sets every group's lr."""
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(64, 6, generator=generator, dtype=dtype)
    labels = torch.randint(0, 3, (64,), generator=generator)
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    model = model.to(device=device, dtype=dtype)
    optimizer = make_optimizer(list(model.parameters()))
    rows = [torch.nn.utils.parameters_to_vector(model.parameters()).detach().cpu().clone()]
    for step in range(steps):
        if lr_at is not None:
            for group in optimizer.param_groups:
                group["lr"] = lr_at(step)
        batch = slice(8 * (step % 8), 8 * (step % 8) + 8)
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(
            model(inputs[batch].to(device)), labels[batch].to(device)
        )
        loss.backward()
        optimizer.step()
        rows.append(torch.nn.utils.parameters_to_vector(model.parameters()).detach().cpu().clone())
    return torch.stack(rows).double().numpy()


@pytest.fixture(autouse=True)
def one_torch_thread() -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def mlp_trajectory() -> Callable[..., np.ndarray]:
    return _mlp_trajectory
