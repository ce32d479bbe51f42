"""Runner overhead, evaluation cost, achieved GFLOP/s and cost per trial.

For fmnist_mlp and fmnist_simple_cnn: the runner (``run_trial``, evaluation off) against a
minimal hand-written PyTorch loop on the same tensors, with the same optimizer, in the same
process, interleaved; median steps per second over ``--repeats`` and their ratio. Then the
cost of one evaluation (validation + test) and its share of a trial at the default cadence,
the simple CNN's achieved GFLOP/s (FLOPs counted by torch's FlopCounterMode), and the cost
per trial of every workload.

    .venv/bin/python benchmarks/runner_overhead.py [--threads 2] [--device cpu] [--text FILE]

Needs Fashion-MNIST (``optbench data fetch fashion_mnist``); ``--text`` is any UTF-8 file
for the LSTM (War and Peace when it is found).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import torch
from torch.nn import functional as F
from torch.utils.flop_counter import FlopCounterMode

from optbench import optimizers
from optbench.data import DataNotFoundError, load_text
from optbench.study.runner import resolve_device, run_trial, torch_threads
from optbench.study.trial import Trial
from optbench.workloads import create

HPARAMS = {"lr": 1e-3}


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def hand_loop(name: str, steps: int, device: torch.device) -> float:
    """Steps per second of the plainest loop: shuffled batches, forward, loss, step."""
    spec = create(name)
    problem = spec.task.problem(spec.batch_size, 0, device)
    x, y = problem.splits["train"]
    torch.manual_seed(0)
    model = spec.build_model(problem.info).to(device)
    optimizer = optimizers.create("adam", model.parameters(), **HPARAMS)
    order = torch.randperm(len(y), device=device)
    sync(device)
    start = time.perf_counter()
    for step in range(steps):
        index = order[(step * spec.batch_size) % (len(y) - spec.batch_size) :][: spec.batch_size]
        loss = F.cross_entropy(model(x[index]), y[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    sync(device)
    return steps / (time.perf_counter() - start)


def runner_loop(name: str, steps: int, device: str, threads: int) -> float:
    trial = Trial(name, "adam", HPARAMS, budget=steps, eval_every=0, device=device, threads=threads)
    return run_trial(trial).steps_per_second


def eval_seconds(name: str, device: torch.device, data_path: str | None = None) -> float:
    """Seconds for one evaluation point (validation and test) of a fresh model."""
    spec = create(name)
    problem = spec.task.problem(spec.batch_size, 0, device, data_path)
    model = spec.build_model(problem.info).to(device)
    problem.evaluate(model, "validation")  # warm-up
    start = time.perf_counter()
    problem.evaluate(model, "validation")
    problem.evaluate(model, "test")
    sync(device)
    return time.perf_counter() - start


def step_seconds(name: str, device: str, threads: int, data_path: str | None, steps: int) -> float:
    trial = Trial(
        name,
        "adam",
        HPARAMS,
        budget=steps,
        eval_every=0,
        device=device,
        threads=threads,
        data_path=data_path,
    )
    run_trial(dataclasses.replace(trial, budget=2))  # warm-up
    return 1 / run_trial(trial).steps_per_second


def gflops_per_step(name: str, device: torch.device) -> float:
    """FLOPs of one training step (forward and backward) in units of 1e9."""
    spec = create(name)
    problem = spec.task.problem(spec.batch_size, 0, device)
    model = spec.build_model(problem.info).to(device)
    counter = FlopCounterMode(display=False)
    with counter:
        problem.train_loss(model, problem.next_batch()).backward()
    return counter.get_total_flops() / 1e9


def overhead(args: argparse.Namespace, device: torch.device) -> dict[str, float]:
    """Interleaved hand/runner pairs; the ratio is the median of the pairs' ratios, which
    is robust to load that drifts during the run (other processes on a shared machine)."""
    print(f"{'workload':<20}{'hand steps/s':>14}{'runner steps/s':>16}{'ratio':>8}")
    step_time = {}
    for name, steps in (("fmnist_mlp", args.mlp_steps), ("fmnist_simple_cnn", args.cnn_steps)):
        hand_loop(name, 3, device), runner_loop(name, 3, args.device, args.threads)  # warm-up
        pairs = [
            (hand_loop(name, steps, device), runner_loop(name, steps, args.device, args.threads))
            for _ in range(args.repeats)
        ]
        h = statistics.median(hand for hand, _ in pairs)
        r = statistics.median(runner for _, runner in pairs)
        ratio = statistics.median(runner / hand for hand, runner in pairs)
        step_time[name] = 1 / r
        print(f"{name:<20}{h:>14.1f}{r:>16.1f}{ratio:>8.3f}")
    return step_time


def eval_share(spec_name: str, step: float, evaluation: float) -> tuple[float, float]:
    """``(share of a trial spent evaluating, trial seconds)`` at the default cadence."""
    spec = create(spec_name)
    points = spec.budget // spec.eval_every + (spec.budget % spec.eval_every != 0)
    train, evals = spec.budget * step, points * evaluation
    return evals / (train + evals), train + evals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--mlp-steps", type=int, default=300)
    parser.add_argument("--cnn-steps", type=int, default=20)
    parser.add_argument("--text", help="UTF-8 text for the LSTM (default: War and Peace)")
    args = parser.parse_args()
    device = resolve_device(args.device)
    print(f"device {device}, {args.threads} threads, torch {torch.__version__}\n")
    with torch_threads(args.threads):
        step = overhead(args, device)
        cnn = step["fmnist_simple_cnn"]
        flops = gflops_per_step("fmnist_simple_cnn", device)
        print(
            f"\nsimple CNN: {flops:.2f} GFLOP per step (batch 256), "
            f"{flops / cnn:.1f} GFLOP/s achieved by the runner\n"
        )
        step["fmnist_cnn_small"] = step_seconds(
            "fmnist_cnn_small", args.device, args.threads, None, args.cnn_steps * 3
        )
        step["war_and_peace_lstm"] = step_seconds(
            "war_and_peace_lstm", args.device, args.threads, args.text, args.cnn_steps * 3
        )
        print(f"{'workload':<24}{'ms/step':>9}{'eval s':>8}{'eval %':>8}{'trial':>10}")
        for base in ("fmnist_mlp", "fmnist_cnn_small", "fmnist_simple_cnn", "war_and_peace_lstm"):
            path = args.text if base == "war_and_peace_lstm" else None
            evaluation = eval_seconds(base, device, path) * (text_scale(path) if path else 1)
            for name in (f"{base}_cpu", base):
                share, seconds = eval_share(name, step[base], evaluation)
                print(
                    f"{name:<24}{step[base] * 1e3:>9.2f}{evaluation:>8.2f}"
                    f"{share * 100:>7.1f}%{human(seconds):>10}"
                )


WAR_AND_PEACE_CHARACTERS = 3_200_000  # about; Gutenberg #2600 without its licence


def text_scale(path: str) -> float:
    """Evaluation time scales with the text: the factor from ``path`` to War and Peace."""
    try:
        load_text("war_and_peace")
        return 1.0
    except DataNotFoundError:
        scale = WAR_AND_PEACE_CHARACTERS / len(load_text(path=path))
        print(f"(LSTM evaluation scaled by {scale:.2f} from {path} to War and Peace's length)")
        return scale


def human(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


if __name__ == "__main__":
    main()
