"""One trial: build data and model from the seed, train the budget under the schedule,
evaluate at the cadence and after the last step, stop on a non-finite loss.

The loop in :func:`run_trial` is the whole trial of the method (docs/method.md, section 7),
read top to bottom: schedule, batch, forward, divergence check, backward and update,
evaluation, timing. Everything it calls is plain data or a function of the trial. The same
trial on the same machine (same threads) gives the same curve.

**Divergence without a sync every step.** Each step's loss stays on the device; every
``check_every`` steps, before an evaluation and after the last step, the losses since the
last check come to the host at once. The first non-finite one is the trial's ``diverged_at``,
exactly; the training loss of an evaluation is the mean of the checked losses since the
previous one. At most ``check_every - 1`` updates are computed after the first non-finite loss
and are thrown away, and no evaluation or result is ever taken from a diverged model. On the
CPU a check costs nothing and happens every step (before the backward pass of a non-finite
loss); on CUDA every :data:`CHECK_EVERY` ``["cuda"]`` steps.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import time
from collections.abc import Callable, Iterator

import numpy as np
import torch

import optbench
from optbench import optimizers, schedules, workloads
from optbench.errors import InvalidParameterError, check_int
from optbench.study.trial import COMPLETED, DIVERGED, EvalPoint, Trial, TrialResult

Arithmetic = Callable[[], contextlib.AbstractContextManager]
#: Steps between two divergence checks, by device type (1 where a check costs no sync).
CHECK_EVERY = {"cpu": 1, "cuda": 16}


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


@contextlib.contextmanager
def denormals_flushed() -> Iterator[bool]:
    """Run the body with denormal floats flushed to zero on the CPU; yields whether the CPU
    supports it. A hopeless trial (saturated activations) fills its tensors with denormals,
    which cost x86 CPUs up to ten times more per operation; flushed, they cost nothing and
    change no result beyond 1e-38 (docs/performance.md)."""
    supported = torch.set_flush_denormal(True)
    try:
        yield supported
    finally:
        torch.set_flush_denormal(False)


@contextlib.contextmanager
def precision_of(precision: str, device: torch.device) -> Iterator[Arithmetic]:
    """Run the body with ``precision``'s arithmetic; yields a factory of the context the
    forward passes run in (bfloat16 autocast, or nothing). TF32 is off unless asked for, also
    on CUDA, where cuDNN's convolutions would otherwise use it by default."""
    if precision == "tf32" and device.type != "cuda":
        raise InvalidParameterError("precision", precision, "float32 or bfloat16 off CUDA")
    tf32 = precision == "tf32"
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = tf32
    try:
        if precision == "bfloat16":
            yield lambda: torch.autocast(device.type, dtype=torch.bfloat16)
        else:
            yield contextlib.nullcontext
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def on_device(device: torch.device) -> contextlib.AbstractContextManager:
    """Make ``device`` CUDA's current device while the body runs (nothing off CUDA), so that
    what torch puts on the current device (the context that pinned memory needs, library
    workspaces) goes to the trial's GPU: a worker on ``cuda:3`` opens no context on GPU 0."""
    return torch.cuda.device(device) if device.type == "cuda" else contextlib.nullcontext()


def trial_seeds(seed: int) -> tuple[int, int]:
    """Independent ``(initialisation, data order)`` seeds derived from the trial's seed."""
    init, data = np.random.SeedSequence(seed).generate_state(2)
    return int(init), int(data)


def _evaluate(
    problem, model: torch.nn.Module, step: int, train_loss: float, final: bool
) -> EvalPoint:
    """The validation split at every evaluation; the test split only at the last one, the
    only place a result is read from it (a test error is always a final test error)."""
    val_loss, val_error = problem.evaluate(model, "validation")
    test_loss, test_error = problem.evaluate(model, "test") if final else (None, None)
    return EvalPoint(step, train_loss, val_loss, val_error, test_loss, test_error, 0.0)


def _to_host(losses: list[torch.Tensor]) -> list[float]:
    """The losses as floats, copied from the device in one transfer."""
    return [losses[0].item()] if len(losses) == 1 else torch.stack(losses).tolist()


def _learning_rate(optimizer: str, group: dict) -> float:
    """A param group's learning rate, which schedules set (torch.optim's convention)."""
    if "lr" not in group:
        expected = "an optimizer that keeps its learning rate in param_group['lr'] (torch.optim's)"
        raise InvalidParameterError("optimizer", optimizer, expected)
    return group["lr"]


def run_trial(trial: Trial, *, check_every: int | None = None) -> TrialResult:
    """Train ``trial`` and return its curve, status and timings. ``check_every`` overrides
    the steps between divergence checks (default: :data:`CHECK_EVERY` for the device)."""
    spec = workloads.create(trial.workload).with_hyperparameters(trial.workload_params)
    budget = trial.budget or spec.budget
    eval_every = spec.eval_every if trial.eval_every is None else trial.eval_every
    device, threads = resolve_device(trial.device), trial.threads or usable_cores()
    if check_every is None:
        check_every = CHECK_EVERY.get(device.type, 1)
    check_int("check_every", check_every, 1)
    with (
        torch_threads(threads),
        denormals_flushed() as flushed,
        precision_of(trial.precision, device) as arithmetic,
        on_device(device),
    ):
        # -- setup: data order and initialisation from the trial's seed, then the optimizer
        start = time.perf_counter()
        init_seed, data_seed = trial_seeds(trial.seed)
        problem = spec.task.problem(spec.batch_size, data_seed, device, trial.data_path)
        torch.manual_seed(init_seed)
        model = spec.build_model(problem.info).to(device)
        optimizer = optimizers.create(trial.optimizer, model.parameters(), **trial.hparams)
        schedule = schedules.build(trial.schedule, budget, **trial.schedule_params)
        base_lrs = [_learning_rate(trial.optimizer, group) for group in optimizer.param_groups]
        setup_seconds = time.perf_counter() - start

        curve: list[EvalPoint] = []
        unchecked: list[torch.Tensor] = []  # losses on the device since the last check
        loss_sum, loss_count, diverged_at, eval_seconds = 0.0, 0, None, 0.0
        loop_start = time.perf_counter()
        for step in range(budget):
            done = step + 1
            evaluate_now = done == budget or (eval_every and done % eval_every == 0)

            # -- schedule: this step's learning rate
            multiplier = schedule(step)
            for group, base_lr in zip(optimizer.param_groups, base_lrs, strict=True):
                group["lr"] = base_lr * multiplier

            # -- batch and forward pass
            with arithmetic():
                loss = problem.train_loss(model, problem.next_batch())
            unchecked.append(loss.detach())

            # -- divergence: the first non-finite loss since the last check stops the trial
            if evaluate_now or len(unchecked) == check_every:
                values = _to_host(unchecked)
                bad = next((i for i, v in enumerate(values) if not math.isfinite(v)), None)
                if bad is not None:
                    diverged_at = done - len(values) + bad
                    break
                loss_sum, loss_count = loss_sum + sum(values), loss_count + len(values)
                unchecked = []

            # -- backward pass and update
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

            # -- evaluation: validation (test after the last step), timed apart from training
            if evaluate_now:
                tick = time.perf_counter()
                with arithmetic():
                    point = _evaluate(problem, model, done, loss_sum / loss_count, done == budget)
                curve.append(dataclasses.replace(point, seconds=tick - loop_start - eval_seconds))
                eval_seconds += time.perf_counter() - tick
                loss_sum, loss_count = 0.0, 0
                if not math.isfinite(point.validation_loss):
                    diverged_at = done
                    break

        # -- timing: training alone, without setup and evaluation
        train_seconds = time.perf_counter() - loop_start - eval_seconds
    return TrialResult(
        trial=trial,
        status=DIVERGED if diverged_at is not None else COMPLETED,
        steps=diverged_at if diverged_at is not None else budget,
        diverged_at=diverged_at,
        curve=tuple(curve),
        target=spec.target,
        target_metric=spec.target_metric,
        setup_seconds=setup_seconds,
        train_seconds=train_seconds,
        eval_seconds=eval_seconds,
        device=str(device),
        threads=threads,
        flush_denormal=flushed,
        torch_version=torch.__version__,
        optbench_version=optbench.__version__,
    )
