"""Two-stage protocols: initial studies over wide spaces, refine, final studies.

A protocol an experiment lists in ``two_stage`` runs in two stages on each workload
(docs/running.md, "Two stages"):

1. *initial*: one study per optimizer under the protocol as written, stored under
   ``<protocol>-initial``;
2. *final*: once every initial trial of the workload has a result, or failed and has no
   attempt left (:func:`initial_waiting`), :func:`refine_studies` proposes the final spaces
   from the initial studies, all optimizers of the comparison together, and one final study
   per optimizer runs in them, stored under the protocol's name. Its ``settings["stage"]``
   holds the key of its initial study, the final protocol's YAML and the reasons for its
   ranges, so the store alone rebuilds the report.

Refine is a pure function of the initial studies' finished points, and the initial stage is
complete before it runs, so running the same experiment again after an interruption at any
point plans the same final studies (the same keys) and continues them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from optbench.errors import InvalidParameterError
from optbench.store import WAITING_STATES, Store, StudySpec
from optbench.study.plan import Stage, StudyPlan
from optbench.tuning.refine import InitialStudy, Proposal, RefineRule, refine


@dataclass(frozen=True)
class Stored:
    """A planned study and its id and key in the store."""

    plan: StudyPlan
    study_id: int
    key: str


@dataclass(frozen=True)
class FinalStage:
    """The final stage of one two-stage protocol on one workload: the proposal and the final
    studies' plans, or ``waiting``: why the initial stage is not complete yet."""

    workload: str
    protocol: str
    proposal: Proposal | None
    plans: tuple[StudyPlan, ...]
    waiting: str | None = None


def initial_waiting(store: Store, study_ids: Sequence[int], max_attempts: int) -> str | None:
    """Why the initial studies ``study_ids`` are not complete, or None when every trial has a
    result or failed ``max_attempts`` times (failed points are then left out of refine, as
    they are of every statistic)."""
    counts = store.state_counts(study_ids)
    unfinished = sum(c.get(s.value, 0) for c in counts.values() for s in WAITING_STATES)
    if unfinished:
        return f"{unfinished} initial trials are pending or running"
    retried = [t for t in store.failures(study_ids) if t.attempts < max_attempts]
    if retried:
        return (
            f"{len(retried)} failed initial trials have attempts left (of {max_attempts}): "
            "the next run tries them again"
        )
    return None


def _initial_study(store: Store, study_id: int, spec: StudySpec, counts: dict) -> InitialStudy:
    from optbench.report.data import load_study

    study = load_study(store, study_id, spec, counts)
    if study.space is None:
        raise InvalidParameterError(f"study {study_id}", spec.name, f"a readable search "
                                    f"space ({study.space_error})")  # fmt: skip
    label = f"study {study_id} ({spec.name})"
    return InitialStudy(study.space, study.unit, study.final["validation_error"], label)


def refine_studies(
    store: Store,
    study_ids: Sequence[int],
    *,
    name: str,
    trials: int | None = None,
    rule: RefineRule | None = None,
) -> Proposal:
    """The final protocol ``name`` proposed from the stored initial studies ``study_ids`` of
    one workload, one per optimizer (:func:`optbench.tuning.refine.refine`), from their
    finished points. Its learning rates are for the workload's base learning rate, as the
    studies ran them; ``trials`` defaults to the most the initial studies planned."""
    specs = dict(store.studies())
    for study_id in study_ids:
        if study_id not in specs:
            raise InvalidParameterError("study", study_id, f"a study id of {store.shown}")
    chosen = {study_id: specs[study_id] for study_id in dict.fromkeys(study_ids)}
    workloads = sorted({spec.workload for spec in chosen.values()})
    if len(workloads) != 1:
        raise InvalidParameterError("study", list(chosen), f"studies of one workload, not "
                                    f"{', '.join(workloads)}")  # fmt: skip
    by_optimizer: dict[str, int] = {}
    for study_id, spec in chosen.items():
        if spec.optimizer in by_optimizer:
            raise InvalidParameterError(
                "study", study_id, f"one study per optimizer: study {by_optimizer[spec.optimizer]}"
                f" is also {spec.optimizer}'s",
            )  # fmt: skip
        by_optimizer[spec.optimizer] = study_id
    counts = store.state_counts(list(chosen))
    initial = {
        spec.optimizer: _initial_study(store, study_id, spec, dict(counts.get(study_id, {})))
        for study_id, spec in chosen.items()
    }
    base_lr = next(iter(chosen.values())).settings.get("base_lr")
    planned = [spec.settings.get("trials") or 0 for spec in chosen.values()]
    header = _header(store, chosen, initial, counts, base_lr)
    return refine(
        initial,
        name=name,
        trials=trials or max(planned) or max(s.validation_error.size for s in initial.values()),
        base_lr=base_lr,
        description=f"final spaces for {workloads[0]}, refined from initial studies",
        rule=rule,
        header=header,
        inclusions=_declared_inclusions(chosen.values(), initial),
    )


def _declared_inclusions(specs, initial: dict[str, InitialStudy]) -> list:
    """The inclusions the studies' optimizers declare (``settings["optimizer"]``), each with
    the constructor arguments of both optimizers' spaces."""
    from optbench.optimizers.declared_inclusions import stored_inclusion

    found = []
    for spec in specs:
        declared = spec.settings.get("optimizer") or {}
        for stored in declared.get("includes", []):
            special = initial.get(stored["special"])
            found.append(stored_inclusion(
                spec.optimizer, stored, initial[spec.optimizer].space.arguments,
                special.space.arguments if special is not None else (), declared.get("name"),
            ))  # fmt: skip
    return found


def _header(store: Store, chosen: dict, initial: dict, counts: dict, base_lr) -> list[str]:
    workload = next(iter(chosen.values())).workload
    lines = [f"Final search spaces proposed by optbench refine from {store.shown}, workload "
             f"{workload}, initial studies:"]  # fmt: skip
    for study_id, spec in chosen.items():
        study = initial[spec.optimizer]
        diverged = int((study.validation_error == float("inf")).sum())
        count = counts.get(study_id, {})
        waiting = sum(count.get(s.value, 0) for s in WAITING_STATES)
        left = [f"{waiting} pending or running"] if waiting else []
        left += [f"{count['failed']} failed"] if count.get("failed") else []
        note = f"; left out: {', '.join(left)}" if left else ""
        lines.append(f"  study {study_id} {spec.name}: {study.validation_error.size} finished "
                     f"points ({diverged} diverged){note}")  # fmt: skip
    if base_lr is not None:
        lines.append(f"Learning rates are for base_lr {base_lr:g}, the workload's, as the "
                     "initial studies ran them.")  # fmt: skip
    return lines


def final_stage(
    store: Store,
    initial: Sequence[Stored],
    *,
    trials: int | None,
    max_attempts: int,
    rule: RefineRule | None = None,
) -> FinalStage:
    """The final stage of the initial studies ``initial`` (one workload and protocol, one per
    optimizer): waiting while the initial stage is not complete, else the proposal and one
    final plan per optimizer (the initial plan's settings, the final protocol, ``trials``)."""
    stage = initial[0].plan.stage
    workload = initial[0].plan.workload
    ids = [s.study_id for s in initial]
    waiting = initial_waiting(store, ids, max_attempts)
    if waiting is not None:
        return FinalStage(workload, stage.protocol, None, (), waiting)
    proposal = refine_studies(store, ids, name=stage.protocol, trials=trials, rule=rule)
    plans = []
    for stored in initial:
        optimizer = stored.plan.optimizer
        reasons = {**proposal.reasons[optimizer]}
        reasons.update(proposal.shared_reasons)
        final = Stage("final", stage.protocol, stored.key, proposal.yaml, tuple(reasons.items()))
        plans.append(
            dataclasses.replace(stored.plan, protocol=stage.protocol, trials=trials, stage=final)
        )
    return FinalStage(workload, stage.protocol, proposal, tuple(plans))


def initial_groups(stored: Sequence[Stored]) -> list[list[Stored]]:
    """The stored initial studies grouped by (workload, two-stage protocol), in plan order."""
    groups: dict[tuple[str, str], list[Stored]] = {}
    for item in stored:
        stage = item.plan.stage
        if stage is not None and stage.name == "initial":
            groups.setdefault((item.plan.workload, stage.protocol), []).append(item)
    return list(groups.values())


def final_protocol_path(database: str, workload: str, protocol: str) -> Path:
    """Where a run writes a final protocol: ``<db stem>.<workload>.<protocol>-final.yaml``
    beside a SQLite file, in the working directory for a database URL."""
    if "://" in database:
        stem = database.rsplit("/", 1)[-1].split("?", 1)[0] or "optbench"
        return Path(f"{stem}.{workload}.{protocol}-final.yaml")
    path = Path(database)
    return path.with_name(f"{path.stem}.{workload}.{protocol}-final.yaml")
