"""Executors on real studies: inline, local processes, a real local Ray cluster, PostgreSQL."""

from __future__ import annotations

import pytest
import ray

from optbench.errors import InvalidParameterError
from optbench.executors import run_inline, run_processes, run_ray
from optbench.store import Store
from optbench.study.plan import RunOptions, prepare

ONE_THREAD = RunOptions(threads=1)


def test_inline_runs_every_trial_once_and_stores_every_evaluation(small_study, rows_per_trial):
    store, study = small_study
    assert run_inline(store, [study], ONE_THREAD) == 4
    trials = store.trials(study)
    assert [t.state.value for t in trials] == ["done"] * 4
    assert [t.attempts for t in trials] == [1] * 4
    assert {(t.torch_version.split("+")[0], t.device) for t in trials} == {("2.13.0", "cpu")}
    assert len(store.measurements(study)) == 4 * rows_per_trial
    assert run_inline(store, [study], ONE_THREAD) == 0  # nothing is run twice


def test_inline_processes_and_ray_give_identical_curves(
    real_fmnist, tmp_path, small_plan, curves, postgres_url
):
    results = {}
    for executor in ("inline", "processes", "ray"):
        store = Store(str(tmp_path / f"{executor}.db"))
        study = prepare(store, small_plan(trials=3))
        if executor == "inline":
            run_inline(store, [study], ONE_THREAD)
        elif executor == "processes":
            run_processes(store, [study], ONE_THREAD, workers=2)
        else:
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            try:
                with pytest.raises(InvalidParameterError, match="at most the cluster's 0 GPUs"):
                    run_ray(store, [study], ONE_THREAD, gpus_per_trial=1)
                run_ray(store, [study], ONE_THREAD)
            finally:
                ray.shutdown()
        assert store.state_counts()[study] == {"done": 3}
        results[executor] = curves(store, study)
    assert results["inline"] == results["processes"] == results["ray"]
    validation = [v for _, metric, v in results["inline"][(0, 0)] if metric == "validation_error"]
    assert len(validation) == 2 and 0 < validation[-1] < 0.9


def test_processes_share_a_postgresql_study(real_fmnist, postgres_url, small_plan, rows_per_trial):
    from sqlalchemy import create_engine

    from optbench.store.schema import Base

    engine = create_engine(postgres_url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    store = Store(postgres_url)
    study = prepare(store, small_plan(trials=2, seeds=2))
    run_processes(store, [study], ONE_THREAD, workers=2)
    trials = store.trials(study)
    assert [(t.index, t.replicate, t.state.value, t.attempts) for t in trials] == [
        (0, 0, "done", 1), (0, 1, "done", 1), (1, 0, "done", 1), (1, 1, "done", 1)
    ]  # fmt: skip
    assert len({t.seed for t in trials}) == 4
    assert len(store.measurements(study)) == 4 * rows_per_trial
    assert len({t.worker for t in trials}) <= 2
