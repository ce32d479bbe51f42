"""One trial: build data and model from the seed, train the budget under the schedule,
evaluate at the cadence and after the last step, stop at once on a non-finite loss.

The loop below is the whole method of SPEC §5; everything it calls is plain data or a
function of the trial. The same trial on the same machine (same threads) gives the same curve.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from collections.abc import Iterator

import numpy as np
import torch

import optbench
from optbench import optimizers, schedules, workloads
from optbench.study.trial import COMPLETED, DIVERGED, EvalPoint, Trial, TrialResult


def resolve_device(name: str) -> torch.device:
    """``"auto"``: the first CUDA device when there is one, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


@contextlib.contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run the body with ``count`` torch intra-op threads, then restore the previous count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def trial_seeds(seed: int) -> tuple[int, int]:
    """Independent ``(initialisation, data order)`` seeds derived from the trial's seed."""
    init, data = np.random.SeedSequence(seed).generate_state(2)
    return int(init), int(data)


def _evaluate(problem, model: torch.nn.Module, step: int, train_loss: float) -> EvalPoint:
    val_loss, val_error = problem.evaluate(model, "validation")
    test_loss, test_error = problem.evaluate(model, "test")
    return EvalPoint(step, train_loss, val_loss, val_error, test_loss, test_error, 0.0)


def run_trial(trial: Trial) -> TrialResult:
    """Train ``trial`` and return its curve, status and timings."""
    spec = workloads.create(trial.workload)
    budget = trial.budget or spec.budget
    eval_every = spec.eval_every if trial.eval_every is None else trial.eval_every
    device, threads = resolve_device(trial.device), trial.threads or usable_cores()
    with torch_threads(threads):
        start = time.perf_counter()
        init_seed, data_seed = trial_seeds(trial.seed)
        problem = spec.task.problem(spec.batch_size, data_seed, device, trial.data_path)
        torch.manual_seed(init_seed)
        model = spec.build_model(problem.info).to(device)
        optimizer = optimizers.create(trial.optimizer, model.parameters(), **trial.hparams)
        schedule = schedules.build(trial.schedule, budget, **trial.schedule_params)
        groups = optimizer.param_groups
        base_lrs = [group["lr"] for group in groups]
        setup_seconds = time.perf_counter() - start

        curve: list[EvalPoint] = []
        loss_sum, losses, diverged_at, eval_seconds = 0.0, 0, None, 0.0
        loop_start = time.perf_counter()
        for step in range(budget):
            multiplier = schedule(step)
            for group, base_lr in zip(groups, base_lrs, strict=True):
                group["lr"] = base_lr * multiplier
            loss = problem.train_loss(model, problem.next_batch())
            value = loss.item()
            if not math.isfinite(value):
                diverged_at = step  # stop before spending a backward pass on it
                break
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum, losses = loss_sum + value, losses + 1
            done = step + 1
            if done == budget or (eval_every and done % eval_every == 0):
                tick = time.perf_counter()
                point = _evaluate(problem, model, done, loss_sum / losses)
                curve.append(dataclasses.replace(point, seconds=tick - loop_start - eval_seconds))
                eval_seconds += time.perf_counter() - tick
                loss_sum, losses = 0.0, 0
                if not math.isfinite(point.validation_loss):
                    diverged_at = done
                    break
        train_seconds = time.perf_counter() - loop_start - eval_seconds
    return TrialResult(
        trial=trial,
        status=DIVERGED if diverged_at is not None else COMPLETED,
        steps=diverged_at if diverged_at is not None else budget,
        diverged_at=diverged_at,
        curve=tuple(curve),
        target=spec.target,
        setup_seconds=setup_seconds,
        train_seconds=train_seconds,
        eval_seconds=eval_seconds,
        device=str(device),
        threads=threads,
        torch_version=torch.__version__,
        optbench_version=optbench.__version__,
    )
