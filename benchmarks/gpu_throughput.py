"""Aggregate trial-steps per second with k trials sharing each GPU, through the real executors,
against k plain training loops sharing it, for each workload; and a Ray trial's start-up.

For each workload and each k of ``--counts`` (G: the GPUs used; on the CPU the CPU is the one
device, and "k trials per GPU" is k workers on it):

- plain:      k x G processes placed as the workers are, each a bare training loop (the
              workload's data, model and Adam: batch, forward, backward, step, nothing else),
              timed together over ``--steps`` steps after a warm-up: the ceiling.
- processes:  a study of ``--trials-per-slot`` x k x G trials of ``--steps`` steps, run by
              ``run_processes`` with ``trials_per_gpu=k`` (on the CPU ``workers=k``).
- ray:        the same study on a local Ray cluster by ``run_ray`` with ``gpus_per_trial`` =
              1/k (on the CPU the cluster declares one GPU, so that the share packs the slots).

An executor's steady rate is its slots x the steps its trials took / their training seconds
(as each trial timed itself); its ratio to plain is the goal (>= 0.9). Its wall rate is every
step / the run's wall seconds, start-up, evaluation and store included; its start-up, the
wall seconds per trial beyond the trial's training and evaluation (x slots / trials).

The start-up table runs a study of 4 trials per slot on Ray two ways at the largest k: a Ray
task per trial (what the executor did before its slots: Ray gives each task that asks for a GPU
a fresh worker process) and ``run_ray``'s slots, which start once; per trial, the wall seconds
beyond its training and evaluation (process start, imports, data, model, store).

    .venv/bin/python benchmarks/gpu_throughput.py --device cuda --text FILE   # on a GPU machine
    .venv/bin/python benchmarks/gpu_throughput.py --counts 1,2,4 --text FILE  # CPU smoke test

Needs Fashion-MNIST (``make data``) and Ray; ``--text`` is any UTF-8 file for the char LSTM.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path

import ray
import torch

from optbench import optimizers, workloads
from optbench.executors import run_processes, run_ray
from optbench.executors.placement import gpu_share, place_workers, visible_gpus
from optbench.store import Claim, QueuedTrial, Store
from optbench.study.plan import RunOptions, StudyPlan, prepare, trial_of
from optbench.study.runner import on_device, resolve_device, run_trial

#: workload -> steps per trial (on CUDA, on the CPU): a few seconds of training each
STEPS = {"fmnist_mlp": (2000, 200), "fmnist_simple_cnn": (1000, 8), "pride_and_prejudice_lstm":
         (1000, 40)}  # fmt: skip
#: Trials per slot in the start-up table: enough that a slot's start-up is shared.
STARTUP_TRIALS_PER_SLOT = 4
PROTOCOL = """\
name: throughput
sampler: quasirandom
trials: 4
base_lr: 0.1
schedule: {name: constant}
spaces:
  adam:
    lr: {scale: log, low: 1.0e-4, high: 1.0e-3}
    beta1: 0.9
    beta2: 0.999
    eps: 1.0e-8
"""


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _plain_loop(workload, device, steps, data_path, barrier, rates) -> None:
    """One plain process: build, warm up, wait for the others, time ``steps`` steps."""
    torch.set_num_threads(1)
    spec, device = workloads.create(workload), torch.device(device)
    with on_device(device):
        problem = spec.task.problem(spec.batch_size, 0, device, data_path)
        torch.manual_seed(0)
        model = spec.build_model(problem.info).to(device)
        optimizer = optimizers.create("adam", model.parameters(), lr=1e-4)

        def step() -> None:
            loss = problem.train_loss(model, problem.next_batch())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

        for _ in range(max(3, steps // 10)):
            step()
        _sync(device)
        barrier.wait()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        _sync(device)
        rates.put(steps / (time.perf_counter() - start))


def plain(workload: str, devices: list[str], steps: int, data_path: str | None) -> float:
    """Aggregate steps per second of one plain process per entry of ``devices``."""
    context = multiprocessing.get_context("spawn")
    barrier, rates = context.Barrier(len(devices)), context.Queue()
    processes = [
        context.Process(target=_plain_loop, args=(workload, d, steps, data_path, barrier, rates))
        for d in devices
    ]
    for process in processes:
        process.start()
    total = sum(rates.get() for _ in processes)
    for process in processes:
        process.join()
    return total


def _study(folder: Path, workload: str, trials: int, steps: int) -> tuple[Store, int]:
    protocol = folder / "throughput.yaml"
    protocol.write_text(PROTOCOL)
    store = Store(str(folder / f"{time.monotonic_ns()}.db"))
    plan = StudyPlan(workload, "adam", str(protocol), trials=trials, budget=steps, eval_every=0)
    return store, prepare(store, plan)


def rates_of(store: Store, study: int, slots: int, wall: float) -> tuple[float, float, float]:
    """(steady rate, wall rate, wall seconds per trial beyond its training and evaluation)."""
    rows = store.trials(study)
    assert all(row.state.value == "done" for row in rows), [row.error for row in rows]
    steps, train = sum(row.steps for row in rows), sum(row.train_seconds for row in rows)
    own = sum(row.train_seconds + row.eval_seconds for row in rows)
    return slots * steps / train, steps / wall, (wall * slots - own) / len(rows)


def executor_run(kind: str, args, folder: Path, workload: str, k: int, slots: int, per_slot: int):
    """Run a fresh study of ``per_slot`` trials per slot with ``kind`` at k trials per device;
    (steady rate, wall rate, start-up per trial)."""
    store, study = _study(folder, workload, per_slot * slots, args.steps[workload])
    options = RunOptions(device=args.device, threads=1, data_path=args.data_path[workload])
    start = time.perf_counter()
    if kind == "processes":
        on_cuda = args.device != "cpu"
        run_processes(store, [study], options, workers=None if on_cuda else k,
                      trials_per_gpu=k if on_cuda else None)  # fmt: skip
    else:
        run_ray(store, [study], options, gpus_per_trial=gpu_share(k))
    return rates_of(store, study, slots, time.perf_counter() - start)


def ray_tasks(args, folder: Path, workload: str, k: int, slots: int) -> float:
    """Start-up per trial of a Ray task per trial (no store), at k trials per GPU."""
    store, study = _study(folder, workload, STARTUP_TRIALS_PER_SLOT * slots, args.steps[workload])
    spec = dict(store.studies())[study]
    options = RunOptions(device=args.device, threads=1, data_path=args.data_path[workload])
    fields = QueuedTrial.__dataclass_fields__
    trials = [
        trial_of(Claim(r.id, spec, QueuedTrial(**{f: getattr(r, f) for f in fields})), options)
        for r in store.trials(study)
    ]
    task = ray.remote(num_cpus=1, num_gpus=gpu_share(k))(run_trial)
    start = time.perf_counter()
    results = ray.get([task.remote(trial) for trial in trials])
    wall = time.perf_counter() - start
    own = sum(r.train_seconds + r.eval_seconds for r in results)
    return (wall * slots - own) / len(results)


def throughput(args, folder: Path, name: str) -> None:
    """Print one workload's table: a line per k of ``args.counts``."""
    print(f"\n{name}: {args.steps[name]} steps per trial")
    print(f"{'k':>3} {'plain':>9} {'x1':>6}" + "".join(
        f" {kind + ' steady':>17} {'ratio':>6} {'wall':>7} {'start s':>7}"
        for kind in args.kinds))  # fmt: skip
    single = None
    for k in args.counts:
        devices = place_workers(args.device, visible_gpus(), None if args.on_cuda else k,
                                k if args.on_cuda else None)  # fmt: skip
        ceilings, runs = [], {kind: [] for kind in args.kinds}
        for _ in range(args.repeats):
            ceilings.append(plain(name, devices, args.steps[name], args.data_path[name]))
            for kind in args.kinds:
                slots = len(devices)
                runs[kind].append(executor_run(kind, args, folder, name, k, slots, args.per_slot))
        ceiling = statistics.median(ceilings)
        single = single or ceiling
        line = f"{k:>3} {ceiling:>9.1f} {ceiling / single:>6.2f}"
        for kind in args.kinds:
            steady = statistics.median(r[0] for r in runs[kind])
            wall = statistics.median(r[1] for r in runs[kind])
            start = statistics.median(r[2] for r in runs[kind])
            line += f" {steady:>17.1f} {steady / ceiling:>6.2f} {wall:>7.1f} {start:>7.2f}"
        print(line, flush=True)


def startup(args, folder: Path, name: str, k: int) -> None:
    """Print a Ray trial's start-up, a task per trial against run_ray's slots."""
    slots = k * args.gpus
    print(f"\nstart-up per trial on Ray, {name}, {k} trials per GPU ({slots} slots), "
          "seconds beyond training and evaluation:")  # fmt: skip
    tasks = [ray_tasks(args, folder, name, k, slots) for _ in range(args.repeats)]
    actors = [
        executor_run("ray", args, folder, name, k, slots, STARTUP_TRIALS_PER_SLOT)[2]
        for _ in range(args.repeats)
    ]
    print(f"  a task per trial {statistics.median(tasks):8.2f}")
    print(f"  run_ray's slots  {statistics.median(actors):8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (every visible GPU)")
    parser.add_argument("--counts", default="1,2,4,8", help="trials per GPU")
    parser.add_argument("--workloads", default=",".join(STEPS))
    parser.add_argument("--text", help="UTF-8 text for the char LSTM (pride_and_prejudice_lstm)")
    parser.add_argument("--trials-per-slot", dest="per_slot", type=int, default=2)
    parser.add_argument("--executors", default="processes,ray")
    parser.add_argument("--repeats", type=int, default=1, help="medians over this many runs")
    args = parser.parse_args()
    args.counts = [int(c) for c in args.counts.split(",")]
    args.kinds = args.executors.split(",")
    names = args.workloads.split(",")
    args.on_cuda = args.device != "cpu"
    args.steps = {name: STEPS[name][0 if args.on_cuda else 1] for name in names}
    args.data_path = {name: args.text if "lstm" in name else None for name in names}
    args.gpus = len(place_workers(args.device, visible_gpus())) if args.on_cuda else 1
    ray.init(num_cpus=max(os.cpu_count() or 1, max(args.counts) * args.gpus),
             num_gpus=None if args.on_cuda else 1, include_dashboard=False,
             log_to_driver=False)  # fmt: skip
    print(f"device {resolve_device(args.device)} x {args.gpus}, torch {torch.__version__}, "
          f"{args.per_slot} trials per slot, 1 thread per trial; steps/s, median of "
          f"{args.repeats}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            throughput(args, Path(folder), name)
        if "ray" in args.kinds:
            startup(args, Path(folder), names[0], max(args.counts))
    ray.shutdown()


if __name__ == "__main__":
    main()
