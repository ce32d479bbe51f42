"""Time ``optimizer.step()`` of optbench's rules against torch.optim, in one process.

The parameters are those of the paper's simple CNN for Fashion-MNIST (conv5x5-32, pool,
conv5x5-64, pool, fc1024, fc10: 3.27 M parameters) with fixed random gradients. Each pair is
timed in interleaved rounds, so that load from elsewhere on the machine hits both alike; the
table gives the median time per step of each and the ratio ours / baseline (lower is better).

    .venv/bin/python benchmarks/optimizer_step.py [--rounds 15] [--steps 20] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

from optbench import optimizers

Factory = Callable[[list[torch.Tensor]], torch.optim.Optimizer]


def simple_cnn_parameters() -> list[torch.Tensor]:
    shapes = [(32, 1, 5, 5), (32,), (64, 32, 5, 5), (64,), (1024, 3136), (1024,), (10, 1024), (10,)]
    generator = torch.Generator().manual_seed(0)
    params = []
    for shape in shapes:
        p = (0.01 * torch.randn(shape, generator=generator)).requires_grad_()
        p.grad = 0.01 * torch.randn(shape, generator=generator)
        params.append(p)
    return params


def seconds_per_step(factory: Factory, steps: int) -> float:
    params = simple_cnn_parameters()
    optimizer = factory(params)
    optimizer.step()  # creates the state outside the timed region
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.step()
    return (time.perf_counter() - start) / steps


PAIRS: list[tuple[str, Factory, str, Factory]] = [
    ("sgd", lambda p: optimizers.create("sgd", p, lr=1e-3, fused=False),
     "SGD(foreach)", lambda p: torch.optim.SGD(p, lr=1e-3, foreach=True)),
    ("momentum", lambda p: optimizers.create("momentum", p, lr=1e-3, momentum=0.9, fused=False),
     "SGD(momentum, foreach)",
     lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, foreach=True)),
    ("nesterov", lambda p: optimizers.create("nesterov", p, lr=1e-3, momentum=0.9, fused=False),
     "SGD(nesterov, foreach)",
     lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True, foreach=True)),
    ("rmsprop", lambda p: optimizers.create("rmsprop", p, lr=1e-3, momentum=0.9),
     "RMSprop(momentum, foreach)",
     lambda p: torch.optim.RMSprop(p, lr=1e-3, momentum=0.9, foreach=True)),
    ("adam", lambda p: optimizers.create("adam", p, lr=1e-3, fused=False),
     "Adam(foreach)", lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True)),
    ("nadam", lambda p: optimizers.create("nadam", p, lr=1e-3),
     "NAdam(foreach)", lambda p: torch.optim.NAdam(p, lr=1e-3, foreach=True)),
    ("sgd fused", lambda p: optimizers.create("sgd", p, lr=1e-3),
     "SGD(fused)", lambda p: torch.optim.SGD(p, lr=1e-3, fused=True)),
    ("momentum fused", lambda p: optimizers.create("momentum", p, lr=1e-3, momentum=0.9),
     "SGD(momentum, fused)",
     lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, fused=True)),
    ("nesterov fused", lambda p: optimizers.create("nesterov", p, lr=1e-3, momentum=0.9),
     "SGD(nesterov, fused)",
     lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True, fused=True)),
    ("adam fused", lambda p: optimizers.create("adam", p, lr=1e-3),
     "Adam(fused)", lambda p: torch.optim.Adam(p, lr=1e-3, fused=True)),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved timing rounds")
    parser.add_argument("--steps", type=int, default=20, help="steps timed per round")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, {args.rounds} rounds x "
          f"{args.steps} steps, 3.27 M parameters; median ms per step")  # fmt: skip
    print(f"{'optbench':<16}{'ms':>8}   {'torch.optim':<28}{'ms':>8}{'ratio':>8}")
    for ours_name, ours, theirs_name, theirs in PAIRS:
        ours_times, theirs_times = [], []
        for _ in range(args.rounds):
            ours_times.append(seconds_per_step(ours, args.steps))
            theirs_times.append(seconds_per_step(theirs, args.steps))
        ours_ms = 1e3 * statistics.median(ours_times)
        theirs_ms = 1e3 * statistics.median(theirs_times)
        print(f"{ours_name:<16}{ours_ms:>8.2f}   {theirs_name:<28}{theirs_ms:>8.2f}"
              f"{ours_ms / theirs_ms:>8.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
