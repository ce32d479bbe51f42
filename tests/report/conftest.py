"""Synthetic but realistic study stores for the report tests, written through ``Store``.

A study's points come from its protocol preset's space and the quasi-random sampler, as the
study runner draws them. Each point's final validation error is the optimizer's floor plus a
bowl around an optimum in the unit cube plus noise; a learning rate in the top tenth of its
range diverges (NaN training loss at the step it diverged). Curves decay from chance (90 %)
to the final value; the test error sits slightly above the validation error.
"""

from __future__ import annotations

import importlib.util
import sys
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from optbench.store import Outcome, QueuedTrial, Store, StudySpec, TrialState, Worker
from optbench.tuning import protocols, samplers

FLOORS = {
    "full": {
        "sgd": 0.100,
        "momentum": 0.092,
        "nesterov": 0.091,
        "rmsprop": 0.089,
        "adam": 0.087,
        "nadam": 0.086,
    },
    "lr-only": {
        "sgd": 0.100,
        "momentum": 0.094,
        "nesterov": 0.095,
        "rmsprop": 0.104,
        "adam": 0.110,
        "nadam": 0.108,
    },
}
LR_AXES = ("lr", "lr_over_eps", "lr_over_sqrt_eps")
WORKER = Worker("tester", "localhost", 1)


def _outcome(
    unit: np.ndarray,
    names: Sequence[str],
    floor: float,
    rng,
    budget: int,
    eval_every: int,
    state: TrialState,
) -> Outcome:
    if state == TrialState.FAILED:
        return Outcome(TrialState.FAILED, steps=0, error="RuntimeError: out of memory")
    lr = [u for n, u in zip(names, unit, strict=True) if n in LR_AXES]
    final = floor + 0.3 * float(np.mean((unit - 0.45) ** 2)) + abs(rng.normal(0, 0.002))
    final = min(final, 0.9)
    diverge_at = None
    if lr and lr[0] > 0.9:
        diverge_at = int(rng.integers(1, budget // eval_every)) * eval_every
    measurements = []
    for step in range(eval_every, budget + 1, eval_every):
        decay = np.exp(-7.0 * step / budget)
        error = final + (0.9 - final) * decay
        train = 0.5 * error + 0.01 * decay
        if diverge_at is not None and step >= diverge_at:
            measurements.append((step, "train_loss", float("nan")))
            break
        measurements += [
            (step, "train_loss", train),
            (step, "validation_loss", 3.0 * error),
            (step, "validation_error", error),
            (step, "test_loss", 3.0 * error + 0.01),
            (step, "test_error", error + 0.004),
            (step, "seconds", step * 0.01),
        ]
    if diverge_at is not None:
        return Outcome(
            TrialState.DIVERGED, steps=diverge_at, diverged_at=diverge_at, measurements=measurements
        )
    return Outcome(TrialState.DONE, steps=budget, measurements=measurements)


def build_store(
    path: Path,
    workloads: Sequence[str] = ("fmnist_mlp",),
    protocol_names: Sequence[str] = ("lr-only", "full"),
    optimizers: Sequence[str] = ("sgd", "momentum", "adam"),
    trials: int = 12,
    seeds: int = 1,
    pending: int = 0,
    failed: int = 0,
    target: float | None = 0.1,
    budget: int = 1000,
    eval_every: int = 250,
    version: int = 0,
    target_metric: str | None = None,
    precision: str | None = None,
) -> Store:
    """A store with one study per (workload, protocol, optimizer); the last ``pending`` points
    of every study are left pending and the ``failed`` before them fail. A ``version`` above 0
    adds newer studies of the same triples to an existing store (keys ending in ``/v<version>``).
    ``target_metric`` and ``precision``, when given, go into every study's settings (without
    them, the settings are those of studies stored before either existed)."""
    store = Store(str(path))
    suffix = f"/v{version}" if version else ""
    for w, workload in enumerate(workloads):
        for protocol_name in protocol_names:
            protocol = protocols.load_protocol(protocol_name)
            for optimizer in optimizers:
                space = protocol.space(optimizer, base_lr=0.1)
                settings = {"target": target, "base_lr": 0.1, "seeds": seeds, "trials": trials}
                if target_metric is not None:
                    settings["target_metric"] = target_metric
                if precision is not None:
                    settings["precision"] = precision
                spec = StudySpec(
                    key=f"{workload}/{protocol_name}/{optimizer}{suffix}",
                    name=f"{workload}-{optimizer}",
                    workload=workload,
                    optimizer=optimizer,
                    protocol=protocol_name,
                    space_yaml=space.to_yaml(),
                    space_hash=space.hash,
                    sampler=protocol.sampler,
                    seed=0,
                    budget=budget,
                    eval_every=eval_every,
                    settings=settings,
                )
                study_id = store.study(spec)
                sampler = samplers.make(protocol.sampler, space, 0, size=protocol.trials)
                queued = []
                for i in range(trials):
                    point = sampler(i)
                    for r in range(seeds):
                        queued.append(
                            QueuedTrial(
                                i,
                                r,
                                1000 * i + r,
                                point.hyperparameters,
                                point.schedule,
                                point.schedule_params,
                                list(point.unit),
                            )
                        )
                store.enqueue(study_id, queued)
                names = [n for n, _ in space.dimensions]
                floor = FLOORS[protocol_name][optimizer] + 0.01 * w
                rng = np.random.default_rng(zlib.crc32(spec.key.encode()))
                for position in range(len(queued) - pending * seeds):
                    claim = store.claim([study_id], WORKER)
                    state = TrialState.DONE
                    if position >= len(queued) - (pending + failed) * seeds:
                        state = TrialState.FAILED
                    outcome = _outcome(
                        np.array(claim.trial.unit_point),
                        names,
                        floor,
                        rng,
                        budget,
                        eval_every,
                        state,
                    )
                    store.finish(claim.trial_id, WORKER, outcome)
    return store


@pytest.fixture(scope="session")
def store_builder() -> Callable[..., Store]:
    """``build_store`` itself, for fixtures of a wider scope than ``make_store``."""
    return build_store


@pytest.fixture(scope="session")
def chromium() -> ModuleType:
    """The CDP-over-pipe helper module ``tests/report/chromium.py``."""
    spec = importlib.util.spec_from_file_location(
        "optbench_tests_chromium", Path(__file__).with_name("chromium.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def make_store(tmp_path) -> Callable[..., Store]:
    """``make_store(**options)``: a new synthetic store in ``tmp_path`` (see build_store)."""
    made = []

    def make(**options) -> Store:
        store = build_store(tmp_path / f"study{len(made)}.db", **options)
        made.append(store)
        return store

    yield make
    for store in made:
        store.engine.dispose()
