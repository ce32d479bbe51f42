"""Time ``optimizer.step()`` of optbench's rules against torch.optim, in one process.

Two tables, each timed in interleaved rounds so that load from elsewhere on the machine hits
every entry alike; each gives the median time per step over the rounds.

1. optbench against the torch.optim optimizer that computes the same rule (or, for RMSProp and
   NAdam, torch's different rule of the same name), over the parameters of the paper's simple
   CNN for Fashion-MNIST (conv5x5-32, pool, conv5x5-64, pool, fc1024, fc10: 3.27 M parameters)
   on the CPU: ratio ours / torch.
2. Every rule, foreach and fused, against ``torch.optim.Adam(fused=True)``, at several model
   sizes, on the CPU and on CUDA when a GPU is present: ratio rule / fused Adam (the goal is at
   most 1.2). ``*`` marks the path that ``fused=None`` takes.

Before table 2 it reports, per device, how long the first fused RMSProp and NAdam take to build
(compiling their kernels, or loading them from TorchInductor's disk cache: set
TORCHINDUCTOR_CACHE_DIR to an empty folder to time a cold compile), and how many kernels 200
steps compile when the learning rate changes at every step and the model changes (none).

    .venv/bin/python benchmarks/optimizer_step.py [--rounds 15] [--steps 20] [--threads 1]
        [--models mlp,cnn,resnet50,mlp64,...] [--skip-torch-pairs]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch

from optbench import optimizers
from optbench.errors import InvalidParameterError
from optbench.optimizers import compiled

Factory = Callable[[list[torch.Tensor]], torch.optim.Optimizer]
Shapes = list[tuple[int, ...]]


def simple_cnn_shapes() -> Shapes:
    return [(32, 1, 5, 5), (32,), (64, 32, 5, 5), (64,), (1024, 3136), (1024,), (10, 1024), (10,)]


def mlp_shapes(width: int = 256) -> Shapes:
    """MLP 784-width-width-10 (0.27 M parameters in 6 tensors at the default width)."""
    return [(width, 784), (width,), (width, width), (width,), (10, width), (10,)]


def resnet50_shapes() -> Shapes:
    """The parameters of ResNet-50 (convolutions, batch-norm scales and shifts, classifier):
    25.6 M parameters in 161 tensors."""
    shapes: Shapes = [(64, 3, 7, 7), (64,), (64,)]
    channels = 64
    for width, blocks in [(64, 3), (128, 4), (256, 6), (512, 3)]:
        for block in range(blocks):
            shapes += [(width, channels, 1, 1), (width,), (width,)]
            shapes += [(width, width, 3, 3), (width,), (width,)]
            shapes += [(4 * width, width, 1, 1), (4 * width,), (4 * width,)]
            if block == 0:
                shapes += [(4 * width, channels, 1, 1), (4 * width,), (4 * width,)]
            channels = 4 * width
    return shapes + [(1000, 2048), (1000,)]


MODELS = {"mlp": mlp_shapes, "cnn": simple_cnn_shapes, "resnet50": resnet50_shapes}


def model_shapes(model: str) -> Shapes:
    """The shapes of a model of ``MODELS``, or of ``mlpW``: the MLP at width W."""
    if model.startswith("mlp") and model[3:].isdigit():
        return mlp_shapes(int(model[3:]))
    return MODELS[model]()


def parameters(shapes: Shapes, device: str) -> list[torch.Tensor]:
    """Parameters of ``shapes`` with fixed random gradients."""
    generator = torch.Generator().manual_seed(0)
    params = []
    for shape in shapes:
        p = (0.01 * torch.randn(shape, generator=generator)).to(device).requires_grad_()
        p.grad = (0.01 * torch.randn(shape, generator=generator)).to(device)
        params.append(p)
    return params


def synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def seconds_per_step(factory: Factory, shapes: Shapes, device: str, steps: int) -> float:
    optimizer = factory(parameters(shapes, device))
    optimizer.step()  # creates the state outside the timed region
    synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.step()
    synchronize(device)
    return (time.perf_counter() - start) / steps


def median_seconds(
    factories: list[Factory], shapes: Shapes, device: str, rounds: int, steps: int
) -> list[float]:
    """The median seconds per step of each factory, over interleaved rounds."""
    times: list[list[float]] = [[] for _ in factories]
    for _ in range(rounds):
        for factory, measured in zip(factories, times, strict=True):
            measured.append(seconds_per_step(factory, shapes, device, steps))
    return [statistics.median(measured) for measured in times]


TORCH_PAIRS: list[tuple[str, Factory, str, Factory]] = [
    ("sgd", lambda p: optimizers.create("sgd", p, lr=1e-3, fused=False),
     "SGD(foreach)", lambda p: torch.optim.SGD(p, lr=1e-3, foreach=True)),
    ("momentum", lambda p: optimizers.create("momentum", p, lr=1e-3, momentum=0.9, fused=False),
     "SGD(momentum, foreach)",
     lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, foreach=True)),
    ("nesterov", lambda p: optimizers.create("nesterov", p, lr=1e-3, momentum=0.9, fused=False),
     "SGD(nesterov, foreach)",
     lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True, foreach=True)),
    ("rmsprop", lambda p: optimizers.create("rmsprop", p, lr=1e-3, momentum=0.9, fused=False),
     "RMSprop(momentum, foreach)",
     lambda p: torch.optim.RMSprop(p, lr=1e-3, momentum=0.9, foreach=True)),
    ("adam", lambda p: optimizers.create("adam", p, lr=1e-3, fused=False),
     "Adam(foreach)", lambda p: torch.optim.Adam(p, lr=1e-3, foreach=True)),
    ("nadam", lambda p: optimizers.create("nadam", p, lr=1e-3, fused=False),
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

HYPERPARAMETERS = {
    "sgd": {"lr": 1e-3},
    "momentum": {"lr": 1e-3, "momentum": 0.9},
    "nesterov": {"lr": 1e-3, "momentum": 0.9},
    "rmsprop": {"lr": 1e-3, "momentum": 0.9},
    "adam": {"lr": 1e-3},
    "nadam": {"lr": 1e-3},
}


def rule_factory(name: str, fused: bool | None) -> Factory:
    return lambda p: optimizers.create(name, p, **HYPERPARAMETERS[name], fused=fused)


def torch_pairs_table(rounds: int, steps: int) -> None:
    print("\n1. optbench against torch.optim, simple CNN (3.27 M parameters), cpu")
    print(f"{'optbench':<16}{'ms':>8}   {'torch.optim':<28}{'ms':>8}{'ratio':>8}")
    for ours_name, ours, theirs_name, theirs in TORCH_PAIRS:
        ours_s, theirs_s = median_seconds([ours, theirs], simple_cnn_shapes(), "cpu", rounds, steps)
        print(f"{ours_name:<16}{1e3 * ours_s:>8.2f}   {theirs_name:<28}{1e3 * theirs_s:>8.2f}"
              f"{ours_s / theirs_s:>8.2f}")  # fmt: skip


def compile_report(device: str) -> None:
    """Seconds to build the first fused RMSProp and NAdam, and kernels compiled afterwards."""
    built = []
    for name in ("rmsprop", "nadam"):
        start = time.perf_counter()
        try:
            rule_factory(name, True)(parameters(mlp_shapes(), device))
        except InvalidParameterError as error:
            print(f"fused {name} is not available on {device}: {error}")
            return
        built.append(f"{name} {time.perf_counter() - start:.2f} s")
    kernels = len(compiled._kernels)
    for name in ("rmsprop", "nadam"):
        for shapes in (mlp_shapes(), simple_cnn_shapes()):
            params = parameters(shapes, device)
            optimizer = rule_factory(name, True)(params)
            for step in range(100):
                for group in optimizer.param_groups:
                    group["lr"] = 1e-3 * (1.0 - step / 100)
                optimizer.step()
    print(f"first fused optimizer built (kernel compiled or loaded): {', '.join(built)}; "
          f"kernels compiled by 100 steps under a changing lr, for each of two models: "
          f"{len(compiled._kernels) - kernels}")  # fmt: skip


def available(name: str, device: str) -> bool:
    """Whether ``name`` has a fused path on ``device`` here."""
    try:
        rule_factory(name, True)(parameters([(2,)], device))
    except InvalidParameterError:
        return False
    return True


def fused_adam_table(device: str, models: list[str], rounds: int, steps: int) -> None:
    print(f"\n2. every rule against torch.optim.Adam(fused=True), {device}; ratio rule / fused "
          "Adam; * = what fused=None takes")  # fmt: skip
    compile_report(device)
    entries = [("torch Adam(fused)", lambda p: torch.optim.Adam(p, lr=1e-3, fused=True))]
    for name in HYPERPARAMETERS:
        entries += [(f"{name} foreach", rule_factory(name, False))]
        if available(name, device):
            entries += [(f"{name} fused", rule_factory(name, True))]
    for model in models:
        shapes = model_shapes(model)
        params = parameters(shapes, device)
        count = sum(p.numel() for p in params)
        defaults = {
            name: optimizers.create(name, params, **hp).param_groups[0]["fused"]
            for name, hp in HYPERPARAMETERS.items()
        }
        print(f"{model}: {count / 1e6:.2f} M parameters in {len(shapes)} tensors")
        print(f"  {'rule':<22}{'ms':>9}{'ratio':>8}")
        seconds = median_seconds([f for _, f in entries], shapes, device, rounds, steps)
        for (label, _), value in zip(entries, seconds, strict=True):
            name, _, path = label.partition(" ")
            mark = "*" if name in defaults and defaults[name] == (path == "fused") else " "
            print(f"  {label:<21}{mark}{1e3 * value:>9.3f}{value / seconds[0]:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="interleaved timing rounds")
    parser.add_argument("--steps", type=int, default=20, help="steps timed per round")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument(
        "--models", default="mlp,cnn", help=f"of {', '.join(MODELS)}, or mlpW: the MLP at width W"
    )
    parser.add_argument("--skip-torch-pairs", action="store_true", help="only table 2")
    args = parser.parse_args()
    models = args.models.split(",")
    mlp_widths = {m for m in models if m.startswith("mlp") and m[3:].isdigit()}
    unknown = sorted(set(models) - set(MODELS) - mlp_widths)
    if unknown:
        known = ", ".join([*MODELS, "mlpW"])
        parser.error(f"unknown model(s) {', '.join(unknown)}: choose from {known}")
    torch.set_num_threads(args.threads)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    gpu = torch.cuda.get_device_name() if "cuda" in devices else "no GPU: CUDA skipped"
    print(f"torch {torch.__version__}, {args.threads} threads, {gpu}; {args.rounds} rounds x "
          f"{args.steps} steps; median ms per step")  # fmt: skip
    if not args.skip_torch_pairs:
        torch_pairs_table(args.rounds, args.steps)
    for device in devices:
        fused_adam_table(device, models, args.rounds, args.steps)


if __name__ == "__main__":
    main()
