"""A study: one (workload, optimizer, protocol), its trials in the store, and how to run them.

``prepare(store, plan)`` creates the study, or finds it when the same plan ran before, and
enqueues points 0..N-1 of the protocol's sampler, each with S seeds. Point i depends only on
(space, study seed, i), so a study grows by asking for more trials or seeds, never changes the
trials it has, and a changed space or budget is a new study. ``trial_of(claim, options)`` turns
a claimed row into the :class:`~optbench.study.trial.Trial` the runner trains, and
``outcome_of(result)`` a :class:`~optbench.study.trial.TrialResult` into what the store keeps.
A study of a two-stage protocol carries its :class:`Stage` (:mod:`optbench.study.stages`).

An optimizer given by import path is stored under its canonical path (``StudySpec.optimizer``),
which every process that runs the study's trials imports again; its declaration's name and
inclusions go to ``settings["optimizer"]``, for the report, and the study's name shows its name.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np

from optbench import optimizers, workloads
from optbench.errors import InvalidParameterError, check_int
from optbench.limits import INTEGER_FIELDS, MAX_QUEUED, MAX_THREADS
from optbench.store import Claim, Outcome, QueuedTrial, Store, StudySpec, TrialState
from optbench.study.trial import Trial, TrialResult, check_device, check_precision
from optbench.tuning import protocols, samplers
from optbench.tuning.declarations import OptimizerDeclaration, default_declaration, space_for

INITIAL_SUFFIX = "-initial"


@dataclass(frozen=True)
class Stage:
    """The stage of a two-stage protocol a study belongs to (docs/running.md, "Two stages").

    ``protocol`` is the two-stage protocol's name: its final studies are stored under it and
    its initial studies under ``<protocol>-initial``. A final study also names the key of the
    initial study it was refined from (``initial_study``), and carries the final protocol's
    YAML (``final_yaml``, which it is planned from) and the reasons for its own ranges
    (``reasons``: (hyperparameter, reason) pairs), so that the store alone rebuilds a report.
    """

    name: str
    protocol: str
    initial_study: str | None = None
    final_yaml: str | None = None
    reasons: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.name not in ("initial", "final"):
            raise InvalidParameterError("stage", self.name, "'initial' or 'final'")
        if (self.name == "final") != (self.final_yaml is not None):
            expected = "the final protocol's YAML for a final stage, None for an initial one"
            raise InvalidParameterError("final_yaml", self.final_yaml, expected)

    @property
    def stored_protocol(self) -> str:
        """The protocol name its studies are stored under."""
        return self.protocol if self.name == "final" else self.protocol + INITIAL_SUFFIX

    def identity(self) -> dict:
        """What of the stage is part of a study's key."""
        return {"name": self.name, "protocol": self.protocol, "initial_study": self.initial_study}

    def settings(self) -> dict:
        """What a study's ``settings["stage"]`` holds."""
        found = {**self.identity(), "final_yaml": self.final_yaml, "reasons": dict(self.reasons)}
        return {key: value for key, value in found.items() if value not in (None, {})}


@dataclass(frozen=True)
class StudyPlan:
    """What a user asks for. ``trials``, ``sampler``: the protocol's when None; ``budget``,
    ``eval_every``: the workload's when None; ``seeds``: replicates of every point;
    ``precision``: the arithmetic of every trial (:data:`~optbench.study.trial.PRECISIONS`);
    ``stage``: None for a single-stage study; ``declaration``: what the experiment declares of
    an optimizer given by import path (None: its class name, nothing else)."""

    workload: str
    optimizer: str
    protocol: str
    trials: int | None = None
    seeds: int = 1
    seed: int = 0
    budget: int | None = None
    eval_every: int | None = None
    sampler: str | None = None
    precision: str = "float32"
    stage: Stage | None = None
    declaration: OptimizerDeclaration | None = None

    def __post_init__(self) -> None:
        check_precision(self.precision)
        for name in ("trials", "seeds", "seed", "budget", "eval_every"):
            minimum, maximum = INTEGER_FIELDS[name]
            optional = name not in ("seeds", "seed")
            check_int(name, getattr(self, name), minimum, maximum, optional=optional)
        if self.trials is not None:
            check_queued(self.trials, self.seeds)


def check_queued(trials: int, seeds: int) -> None:
    """Refuse a study of more than ``MAX_QUEUED`` trials (``trials`` points x ``seeds``): all
    of them are enqueued at once."""
    if trials * seeds > MAX_QUEUED:
        expected = (
            f"at most {MAX_QUEUED // trials} seeds with {trials} trials "
            f"(a study holds at most {MAX_QUEUED} trials x seeds)"
        )
        raise InvalidParameterError("seeds", seeds, expected)


@dataclass(frozen=True)
class RunOptions:
    """Where and how trials run; none of it changes what a trial computes on one machine."""

    device: str = "cpu"
    threads: int | None = None
    data_path: str | None = None

    def __post_init__(self) -> None:
        check_device(self.device)
        check_int("threads", self.threads, 1, MAX_THREADS, optional=True)


DEFAULT_OPTIONS = RunOptions()


def _canonical_hash(data: dict) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def trial_seed(study_seed: int, index: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` of point ``index``: a pure function, < 2^31."""
    state = np.random.SeedSequence([study_seed, index, replicate]).generate_state(1)[0]
    return int(state) & 0x7FFFFFFF


@dataclass(frozen=True)
class PlannedStudy:
    """A study as it will be stored: its definition and its trials, computed without the
    store, so that every study of an experiment is checked before any is stored."""

    spec: StudySpec
    trials: tuple[QueuedTrial, ...]


def plan_study(plan: StudyPlan) -> PlannedStudy:
    """The study of ``plan``: its definition (keyed by everything that changes what a trial
    computes) and points 0..N-1 of the protocol's sampler, each with S seeds."""
    workload = workloads.create(plan.workload)
    stage = plan.stage
    if stage is not None and stage.final_yaml is not None:
        source = f"the final protocol of {stage.protocol}"
        protocol = protocols.Protocol.from_yaml(stage.final_yaml, source)
    else:
        protocol = protocols.load_protocol(plan.protocol)
    name = protocol.name if stage is None else stage.stored_protocol
    optimizer = optimizers.resolve(plan.optimizer)
    declaration = plan.declaration or default_declaration(optimizer)
    space = space_for(protocol, optimizer, declaration, workload.base_lr)
    for h in space.workload_hyperparameters:  # the workload has each, at every extreme
        for value in h.extremes():
            workload.with_hyperparameters({h.name: value})
    trials = plan.trials or protocol.trials
    check_queued(trials, plan.seeds)
    sampler_name = plan.sampler or protocol.sampler
    sampler = samplers.make(sampler_name, space, plan.seed, size=trials)
    budget = plan.budget or workload.budget
    eval_every = workload.eval_every if plan.eval_every is None else plan.eval_every
    identity = {
        "workload": workload.name,
        "batch_size": workload.batch_size,
        "budget": budget,
        "eval_every": eval_every,
        "optimizer": optimizer,
        "protocol": name,
        "space_hash": space.hash,
        "sampler": sampler_name,
        "seed": plan.seed,
        "grid_size": trials if sampler_name == "grid" else None,
    }
    if plan.precision != "float32":  # float32 studies keep the keys they had before
        identity["precision"] = plan.precision
    settings = {
        "target": workload.target,
        "base_lr": workload.base_lr,
        "batch_size": workload.batch_size,
        "trials": trials,
        "seeds": plan.seeds,
        "precision": plan.precision,
        "target_metric": workload.target_metric,
    }
    if stage is not None:  # single-stage keys stay what they were
        identity["stage"] = stage.identity()
        settings["stage"] = stage.settings()
    if declaration is not None:  # so do the settings of the registered optimizers
        settings["optimizer"] = declaration.settings()
    shown = optimizer if declaration is None else declaration.name
    spec = StudySpec(
        key=_canonical_hash(identity),
        name=f"{workload.name}/{shown}/{name}",
        workload=workload.name,
        optimizer=optimizer,
        protocol=name,
        space_yaml=space.to_yaml(),
        space_hash=space.hash,
        sampler=sampler_name,
        seed=plan.seed,
        budget=budget,
        eval_every=eval_every,
        settings=settings,
    )
    queued = []
    for index in range(trials):
        point = sampler(index)
        for replicate in range(plan.seeds):
            queued.append(
                QueuedTrial(
                    index=index,
                    replicate=replicate,
                    seed=trial_seed(plan.seed, index, replicate),
                    hparams=dict(point.hyperparameters),
                    schedule=point.schedule,
                    schedule_params=dict(point.schedule_params),
                    unit_point=list(point.unit),
                    workload_params=dict(point.workload_params),
                )
            )
    return PlannedStudy(spec, tuple(queued))


def store_study(store: Store, planned: PlannedStudy) -> int:
    """Create (or find) the planned study in ``store`` and enqueue its missing trials; its id."""
    study_id = store.study(planned.spec)
    store.enqueue(study_id, planned.trials)
    return study_id


def prepare(store: Store, plan: StudyPlan) -> int:
    """Create (or find) the study of ``plan`` and enqueue its missing trials; returns its id."""
    return store_study(store, plan_study(plan))


def trial_of(claim: Claim, options: RunOptions) -> Trial:
    """The runner's trial for a claimed row."""
    queued, study = claim.trial, claim.study
    return Trial(
        workload=study.workload,
        optimizer=study.optimizer,
        hparams=queued.hparams,
        schedule=queued.schedule,
        schedule_params=queued.schedule_params,
        workload_params=queued.workload_params,
        seed=queued.seed,
        budget=study.budget,
        eval_every=study.eval_every,
        device=options.device,
        threads=options.threads,
        data_path=options.data_path,
        precision=study.settings.get("precision", "float32"),
    )


def outcome_of(result: TrialResult) -> Outcome:
    """What the store keeps of a result: state, provenance and every evaluation as rows."""
    return Outcome(
        state=TrialState.DIVERGED if result.diverged else TrialState.DONE,
        steps=result.steps,
        diverged_at=result.diverged_at,
        setup_seconds=result.setup_seconds,
        train_seconds=result.train_seconds,
        eval_seconds=result.eval_seconds,
        optbench_version=result.optbench_version,
        torch_version=result.torch_version,
        device=result.device,
        runtime={
            "threads": result.threads,
            "flush_denormal": result.flush_denormal,
            "precision": result.trial.precision,
        },
        measurements=[(step, name, float(value)) for step, name, value in result.measurements()],
    )
