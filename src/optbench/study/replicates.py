"""More seeds at a study's best points, so that seed noise and search noise can be told apart.

A study of N points with one seed each ranks its points by one noisy draw apiece: the best
point may be best by luck of its seed. :func:`replicate_best` adds seeds 1..S-1 to the ``best``
points of a study (ranked by final validation error, diverged points last), as new pending
trials of the same study: same hyperparameters and schedule, the seed of each replicate the
pure function :func:`~optbench.study.plan.trial_seed` of (study seed, point, replicate). Once
they have run, the report counts each of those points once, with the mean of its seeds, and
its seed-noise table compares the variance between seeds of a point with the variance between
points (docs/analysis.md).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from optbench.errors import check_int
from optbench.limits import MAX_SEEDS
from optbench.store import RESULT_STATES, QueuedTrial, Store
from optbench.study.plan import trial_seed


def best_points(store: Store, study_id: int, count: int) -> list[int]:
    """The indices of the ``count`` best points of a study by the final validation error of
    their finished trials (the mean over seeds; diverged points last, ties by index)."""
    finals: dict[int, list[float]] = {}
    trials = {row.id: row for row in store.trials(study_id)}
    last: dict[int, tuple[int, float]] = {}
    for row in store.measurements(study_id):
        if row.metric == "validation_error" and row.trial_id in trials:
            step, _ = last.get(row.trial_id, (-1, 0.0))
            if row.step > step:
                last[row.trial_id] = (row.step, np.nan if row.value is None else row.value)
    for trial_id, row in trials.items():
        if row.state not in RESULT_STATES:
            continue
        value = np.inf if row.state.value == "diverged" else last.get(trial_id, (0, np.nan))[1]
        finals.setdefault(row.index, []).append(value)
    score = {index: float(np.mean(values)) for index, values in finals.items()}
    ordered = sorted(score, key=lambda index: (np.nan_to_num(score[index], nan=np.inf), index))
    return ordered[:count]


def replicate_best(store: Store, study_id: int, best: int, seeds: int) -> int:
    """Enqueue seeds 1..``seeds``-1 of the ``best`` best points of the study; returns how many
    trials were added (none twice: asking again adds nothing)."""
    check_int("best", best, 1)
    check_int("seeds", seeds, 2, MAX_SEEDS)
    spec = dict(store.studies())[study_id]
    first = {row.index: row for row in store.trials(study_id) if row.replicate == 0}
    queued = []
    for index in best_points(store, study_id, best):
        row = first[index]
        template = QueuedTrial(
            index=index,
            replicate=0,
            seed=row.seed,
            hparams=dict(row.hparams),
            schedule=row.schedule,
            schedule_params=dict(row.schedule_params),
            unit_point=list(row.unit_point),
            workload_params=dict(row.workload_params or {}),
        )
        for replicate in range(1, seeds):
            seed = trial_seed(spec.seed, index, replicate)
            queued.append(dataclasses.replace(template, replicate=replicate, seed=seed))
    return store.enqueue(study_id, queued)
