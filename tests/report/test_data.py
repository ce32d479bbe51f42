"""Reading a study store into arrays: final values, diverged and failed trials, replicates,
partial studies, grouping by workload and protocol."""

from __future__ import annotations

import math

import numpy as np

from optbench.report.data import load_studies
from optbench.report.groups import group_studies
from optbench.store import TrialState


def _final_by_point(store, study_id: int, metric: str) -> dict[int, float]:
    """Straight from the store: each finished trial's last value of ``metric`` (+inf when
    diverged), keyed by point index (one replicate per point)."""
    states = {t.id: (t.index, t.state) for t in store.trials(study_id)}
    last: dict[int, tuple[int, float]] = {}
    for row in store.measurements(study_id):
        index, state = states[row.trial_id]
        if row.metric == metric and (index not in last or row.step > last[index][0]):
            last[index] = (row.step, math.nan if row.value is None else row.value)
    finals = {}
    for index, state in states.values():
        if state == TrialState.DIVERGED:
            finals[index] = math.inf
        elif state == TrialState.DONE:
            finals[index] = last[index][1]
    return finals


def test_final_values_match_the_stored_measurements(make_store):
    store = make_store(protocol_names=("full",), optimizers=("adam",), trials=10)
    (study,) = load_studies(store)
    expected = _final_by_point(store, study.id, "validation_error")
    assert study.points.tolist() == sorted(expected)
    assert study.final["validation_error"].tolist() == [expected[i] for i in sorted(expected)]
    assert study.diverged.tolist() == [math.isinf(expected[i]) for i in sorted(expected)]
    assert study.diverged.any() and not study.diverged.all()
    assert np.all(np.isinf(study.final["test_error"][study.diverged]))


def test_unit_points_follow_the_space_dimensions(make_store):
    store = make_store(protocol_names=("full",), optimizers=("adam",), trials=6)
    (study,) = load_studies(store)
    names = tuple(name for name, _ in study.space.dimensions)
    assert study.dimensions == names
    assert study.unit.shape == (6, len(names))
    trials = store.trials(study.id)
    assert study.unit[3].tolist() == trials[3].unit_point


def test_failed_trials_are_left_out_and_pending_ones_make_the_study_partial(make_store):
    store = make_store(
        protocol_names=("lr-only",), optimizers=("sgd",), trials=10, pending=2, failed=3
    )
    (study,) = load_studies(store)
    assert study.n_points == 5
    assert study.points.tolist() == [0, 1, 2, 3, 4]
    assert study.failed == 3
    assert study.counts["pending"] == 2
    assert study.partial


def test_replicates_of_a_point_are_averaged(make_store):
    store = make_store(protocol_names=("lr-only",), optimizers=("momentum",), trials=6, seeds=3)
    (study,) = load_studies(store)
    assert study.n_points == 6 and study.trial_points.size == 18
    by_trial = {t.id: t for t in store.trials(study.id)}
    values: dict[int, list[float]] = {}
    diverged: set[int] = set()
    for row in store.measurements(study.id):
        trial = by_trial[row.trial_id]
        if trial.state == TrialState.DIVERGED:
            diverged.add(trial.index)
        elif row.metric == "validation_error" and row.step == 1000:
            values.setdefault(trial.index, []).append(row.value)
    for j, point in enumerate(study.points):
        if point in diverged:
            assert study.final["validation_error"][j] == math.inf
        else:
            assert study.final["validation_error"][j] == np.mean(values[point])


def test_groups_by_workload_then_protocol_in_fixed_orders(make_store):
    store = make_store(
        workloads=("fmnist_mlp", "cifar10_small"),
        protocol_names=("full", "lr-only"),
        optimizers=("adam", "sgd"),
        trials=4,
    )
    workloads = group_studies(load_studies(store))
    assert list(workloads) == ["cifar10_small", "fmnist_mlp"]
    groups = workloads["fmnist_mlp"].groups
    assert list(groups) == ["lr-only", "full"]
    assert list(groups["full"].studies) == ["sgd", "adam"]
    assert groups["full"].target == 0.1 and groups["full"].has_test


def test_a_study_without_finished_trials_waits(make_store):
    store = make_store(protocol_names=("lr-only",), optimizers=("sgd",), trials=3, pending=3)
    workloads = group_studies(load_studies(store))
    workload = workloads["fmnist_mlp"]
    assert workload.groups == {}
    assert [s.spec.optimizer for s in workload.waiting] == ["sgd"]
    assert workload.partial
