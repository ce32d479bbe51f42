"""Where trials run when several share a GPU: the workers of the processes executor, and the
share of a GPU a Ray trial asks for.

**Processes.** :func:`place_workers` is the rule, a pure function of the run's device, the
number of visible GPUs, ``workers`` and ``trials_per_gpu``; it returns one device per worker:

- On CUDA (``cuda``: every visible GPU; ``cuda:N``: that one; ``auto`` on a machine with a
  GPU: every visible GPU) there are ``trials_per_gpu`` workers per GPU (default 1), so
  ``workers`` = GPUs x ``trials_per_gpu``. ``workers`` may be given instead, and is then
  spread over the GPUs in turn; given both, they must agree.
- Elsewhere (``cpu``, ``mps``, ``auto`` without a GPU) ``workers`` (default 2) share the one
  device, and ``trials_per_gpu`` is refused: there is no GPU to fill.

Worker i goes to GPU i mod G, so the first workers started cover every GPU. Each worker passes
its own ``cuda:N`` to its trials, which record it as their device; CUDA_VISIBLE_DEVICES is left
alone, so ``cuda:N`` means the same GPU in every worker as in the user's shell.

**Ray.** A trial asks for ``gpus_per_trial`` GPUs (:func:`check_gpus_per_trial`): a fraction
of one (several trials share it) or a whole number, as Ray allows; ``trials_per_gpu`` k asks
for :func:`gpu_share` (k), 1/k rounded down to Ray's resolution so that k of them fit a GPU.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from optbench.errors import InvalidParameterError, check_int, is_finite
from optbench.limits import MAX_TRIALS_PER_GPU, MAX_WORKERS

#: Workers of the processes executor off CUDA when ``workers`` is not given.
DEFAULT_WORKERS = 2
#: Ray counts resources in units of 1/10 000 (a fraction is rounded to them).
RAY_RESOLUTION = 10_000


def visible_gpus() -> int:
    """The CUDA devices this process sees (0 without a GPU or with a CPU build of torch)."""
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def gpus_to_fill(device: str, visible: int) -> list[str]:
    """The CUDA devices a run on ``device`` fills when ``visible`` GPUs are visible; [] when
    ``device`` is not a CUDA device (``auto`` is one when a GPU is visible)."""
    if device == "cuda" or (device == "auto" and visible > 0):
        return [f"cuda:{index}" for index in range(visible)]
    return [device] if device.startswith("cuda:") else []


def place_workers(
    device: str,
    visible: int,
    workers: int | None = None,
    trials_per_gpu: int | None = None,
) -> list[str]:
    """The device of each worker of a processes run on ``device`` with ``visible`` GPUs
    visible (the rule in the module's docstring)."""
    check_int("workers", workers, 1, MAX_WORKERS, optional=True)
    check_int("trials_per_gpu", trials_per_gpu, 1, MAX_TRIALS_PER_GPU, optional=True)
    if device.startswith("cuda") and int(device.partition(":")[2] or 0) >= visible:
        have = f"{visible} CUDA device(s)" if visible else "no CUDA device (no GPU or a CPU torch)"
        raise InvalidParameterError("device", device, f"a device of this machine: it has {have}")
    gpus = gpus_to_fill(device, visible)
    if not gpus:
        if trials_per_gpu is not None:
            expected = f"no value on {_resolved(device)}: give workers (there is no GPU to fill)"
            raise InvalidParameterError("trials_per_gpu", trials_per_gpu, expected)
        return [_resolved(device)] * (workers or DEFAULT_WORKERS)
    if workers is None:
        workers = len(gpus) * (trials_per_gpu or 1)
    elif trials_per_gpu is not None and workers != len(gpus) * trials_per_gpu:
        expected = (
            f"{len(gpus)} GPUs x {trials_per_gpu} trials per GPU = "
            f"{len(gpus) * trials_per_gpu}, or no value (it follows from trials_per_gpu)"
        )
        raise InvalidParameterError("workers", workers, expected)
    check_int("workers", workers, 1, MAX_WORKERS)
    return [gpus[index % len(gpus)] for index in range(workers)]


def _resolved(device: str) -> str:
    return "cpu" if device == "auto" else device


def placement_lines(devices: Sequence[str], pids: Sequence[int]) -> list[str]:
    """One line per device: the workers placed on it (numbered from 1) and their process ids,
    e.g. ``cuda:0: workers 1, 3 (pids 4101, 4103)``."""
    lines = []
    for device in dict.fromkeys(devices):
        on_it = [(i + 1, pid) for i, (d, pid) in enumerate(zip(devices, pids, strict=True))
                 if d == device]  # fmt: skip
        numbers = ", ".join(str(number) for number, _ in on_it)
        shown = ", ".join(str(pid) for _, pid in on_it)
        noun = "worker" if len(on_it) == 1 else "workers"
        lines.append(f"{device}: {noun} {numbers} (pid{'s' if len(on_it) > 1 else ''} {shown})")
    return lines


def check_gpus_per_trial(value: object) -> float:
    """``value`` as a float if it is a share of a GPU Ray can give a trial: a number in
    [1/:data:`~optbench.limits.MAX_TRIALS_PER_GPU`, 1], or a whole number of GPUs above 1
    (Ray refuses fractions above 1). The cluster's own bound is checked when it is joined."""
    smallest = 1 / MAX_TRIALS_PER_GPU
    fits = is_finite(value) and (smallest <= value <= 1 or (value > 1 and value == int(value)))
    if not fits:
        expected = (
            f"a fraction of a GPU in [1/{MAX_TRIALS_PER_GPU}, 1] or a whole number of GPUs "
            "(Ray allows no fraction above 1)"
        )
        raise InvalidParameterError("gpus_per_trial", value, expected)
    return float(value)


def gpu_share(trials_per_gpu: int) -> float:
    """The GPUs a Ray trial asks for so that ``trials_per_gpu`` of them share one GPU: 1/k
    rounded down to Ray's resolution (1/7 would round up to 0.1429, and only 6 would fit)."""
    check_int("trials_per_gpu", trials_per_gpu, 1, MAX_TRIALS_PER_GPU)
    return math.floor(RAY_RESOLUTION / trials_per_gpu) / RAY_RESOLUTION


def slots(cpus: float, gpus: float, cpus_per_trial: float, gpus_per_trial: float) -> int:
    """How many trials asking for ``cpus_per_trial`` CPUs and ``gpus_per_trial`` GPUs fit on
    a node with ``cpus`` CPUs and ``gpus`` GPUs, counted in Ray's units (float division would
    put 9, not 10, trials of 0.1 GPU on one GPU)."""

    def units(amount: float) -> int:
        return round(amount * RAY_RESOLUTION)

    fit = units(cpus) // units(cpus_per_trial)
    if gpus_per_trial > 0:
        fit = min(fit, units(gpus) // units(gpus_per_trial))
    return fit
