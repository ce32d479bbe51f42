"""Hopeless trials and denormal floats: steps per second with denormals kept and flushed.

A trial at a learning rate far too high saturates its activations; the LSTM's gates then
carry values below 1e-38 (denormals), which x86 CPUs compute many times more slowly. The
runner flushes them to zero for every trial (``optbench.study.runner.denormals_flushed``).
For each workload this script trains the same hopeless trial (the same seed, model and
batches) with denormals kept and flushed, in the same process, alternating, and prints the
median steps per second of each and their ratio; then a good trial the same way, to show that
flushing costs a good trial nothing. The first ``--warmup`` steps are not timed: saturation
takes a few hundred steps to set in.

    .venv/bin/python benchmarks/denormals.py [--steps 200] [--warmup 800] [--repeats 2]
                                             [--only WORKLOAD] [--text FILE]

Needs Fashion-MNIST; ``--text`` is any UTF-8 novel for the LSTM (Pride and Prejudice or War
and Peace when one is found).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from optbench import optimizers
from optbench.study.runner import torch_threads, trial_seeds
from optbench.workloads import create

#: workload -> (optimizer, hopeless hyperparameters, good hyperparameters)
CASES = {
    "pride_and_prejudice_lstm_cpu": (
        "momentum",
        {"lr": 11.5, "momentum": 0.9},
        {"lr": 1.0, "momentum": 0.9},
    ),
    "fmnist_mlp_cpu": ("momentum", {"lr": 5.0, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9}),
    "fmnist_cnn_small_cpu": (
        "momentum",
        {"lr": 3.0, "momentum": 0.9},
        {"lr": 0.03, "momentum": 0.9},
    ),
}


def steps_per_second(name: str, optimizer: str, hparams: dict, steps: int, warmup: int,
                     flush: bool, data_path: str | None) -> float:  # fmt: skip
    """Train ``warmup`` then ``steps`` steps of the trial (seed 0) ignoring divergence; steps
    per second of the last ``steps``."""
    spec = create(name)
    init_seed, data_seed = trial_seeds(0)
    problem = spec.task.problem(spec.batch_size, data_seed, torch.device("cpu"), data_path)
    torch.manual_seed(init_seed)
    model = spec.build_model(problem.info)
    opt = optimizers.create(optimizer, model.parameters(), **hparams)
    torch.set_flush_denormal(flush)
    try:
        for step in range(warmup + steps):
            if step == warmup:
                start = time.perf_counter()
            loss = problem.train_loss(model, problem.next_batch())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return steps / (time.perf_counter() - start)
    finally:
        torch.set_flush_denormal(False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=800)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", help="one workload of the table")
    parser.add_argument("--text", help="a UTF-8 novel for the LSTM")
    args = parser.parse_args()
    print(f"{'workload':<30} {'trial':<9} {'kept':>8} {'flushed':>8} {'ratio':>6}  (steps/s)")
    with torch_threads(1):
        for name, (optimizer, hopeless, good) in CASES.items():
            if args.only and name != args.only:
                continue
            data_path = args.text if "lstm" in name else None
            for label, hparams in (("hopeless", hopeless), ("good", good)):
                kept, flushed = [], []
                for _ in range(args.repeats):
                    for flush, found in ((False, kept), (True, flushed)):
                        found.append(
                            steps_per_second(
                                name, optimizer, hparams, args.steps, args.warmup, flush, data_path
                            )
                        )
                k, f = statistics.median(kept), statistics.median(flushed)
                print(f"{name:<30} {label:<9} {k:8.1f} {f:8.1f} {f / k:6.2f}", flush=True)


if __name__ == "__main__":
    main()
