"""The store's contract, on a real SQLite file and a real PostgreSQL server alike."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from optbench.store import (
    Outcome,
    QueuedTrial,
    Store,
    StoreError,
    StudySpec,
    TrialState,
    Worker,
)
from optbench.store.schema import SCHEMA_VERSION, Meta, TrialRow


def _spec(key: str = "study-a", budget: int = 100) -> StudySpec:
    return StudySpec(
        key=key,
        name=f"w/adam/full ({key})",
        workload="fmnist_mlp",
        optimizer="adam",
        protocol="full",
        space_yaml="optimizer: adam\n",
        space_hash="h" * 64,
        sampler="quasirandom",
        seed=0,
        budget=budget,
        eval_every=50,
        settings={"seeds": 1},
    )


def _queued(count: int, replicates: int = 1) -> list[QueuedTrial]:
    return [
        QueuedTrial(i, r, 1000 * i + r, {"lr": 0.1 * (i + 1)}, "constant", {}, [i / count])
        for i in range(count)
        for r in range(replicates)
    ]


ME = Worker("host-a:100", "host-a", 100)
OTHER = Worker("host-b:200", "host-b", 200)


def test_the_same_definition_continues_the_same_study(store):
    first = store.study(_spec())
    assert store.study(_spec()) == first
    assert store.study(_spec(key="study-b", budget=200)) != first
    assert [spec.key for _, spec in store.studies()] == ["study-a", "study-b"]


def test_enqueue_adds_only_trials_not_yet_there(store):
    study = store.study(_spec())
    assert store.enqueue(study, _queued(4, replicates=2)) == 8
    assert store.enqueue(study, _queued(6, replicates=2)) == 4
    assert store.state_counts()[study] == {"pending": 12}
    assert [(t.index, t.replicate) for t in store.trials(study)][:3] == [(0, 0), (0, 1), (1, 0)]


def test_claims_go_in_index_order_and_none_when_empty(store):
    study = store.study(_spec())
    store.enqueue(study, _queued(3))
    claims = [store.claim([study], ME) for _ in range(4)]
    assert [c.trial.index for c in claims[:3]] == [0, 1, 2]
    assert claims[3] is None
    assert claims[0].study == _spec() and claims[1].trial.hparams == {"lr": 0.2}
    rows = store.trials(study)
    assert {(r.state, r.worker, r.host, r.pid, r.attempts) for r in rows} == {
        (TrialState.RUNNING, "host-a:100", "host-a", 100, 1)
    }


def test_finish_stores_result_measurements_and_provenance_once(store):
    study = store.study(_spec())
    store.enqueue(study, _queued(1))
    claim = store.claim([study], ME)
    outcome = Outcome(
        TrialState.DIVERGED,
        steps=37,
        diverged_at=37,
        train_seconds=1.5,
        optbench_version="0.1.0",
        torch_version="2.13.0",
        device="cpu",
        measurements=[
            (0, "validation_error", 0.9),
            (0, "train_loss", math.nan),
            (37, "validation_error", math.inf),
        ],
    )
    assert store.finish(claim.trial_id, ME, outcome)
    assert not store.finish(claim.trial_id, ME, outcome)
    (row,) = store.trials(study)
    assert (row.state, row.steps, row.diverged_at, row.torch_version, row.device) == (
        TrialState.DIVERGED,
        37,
        37,
        "2.13.0",
        "cpu",
    )
    values = [(m.step, m.metric, m.value) for m in store.measurements(study)]
    assert values == [
        (0, "train_loss", None),
        (0, "validation_error", 0.9),
        (37, "validation_error", math.inf),
    ]


def test_a_trial_taken_back_from_its_worker_is_not_written_by_it(store):
    study = store.study(_spec())
    store.enqueue(study, _queued(1))
    first = store.claim([study], ME)
    assert store.release(first.trial_id, ME)
    second = store.claim([study], OTHER)
    assert second.trial_id == first.trial_id
    done = Outcome(TrialState.DONE, steps=100, measurements=[(100, "validation_error", 0.2)])
    assert not store.finish(first.trial_id, ME, done)
    assert store.finish(second.trial_id, OTHER, done)
    assert len(store.measurements(study)) == 1
    assert store.trials(study)[0].attempts == 1  # an attempt given back does not count


def test_abandoned_trials_go_back_to_pending(store):
    study = store.study(_spec())
    store.enqueue(study, _queued(3))
    local_dead = store.claim([study], ME)
    remote_silent = store.claim([study], OTHER)
    remote_alive = store.claim([study], Worker("host-c:300", "host-c", 300))
    with Session(store.engine) as session, session.begin():
        session.execute(
            update(TrialRow).where(TrialRow.id == remote_silent.trial_id).values(heartbeat=0.0)
        )

    def alive(pid):
        return pid != 100

    assert store.requeue_abandoned([study], "host-a", alive, heartbeat_timeout=60) == 2
    states = {r.id: r.state for r in store.trials(study)}
    assert states[local_dead.trial_id] == states[remote_silent.trial_id] == TrialState.PENDING
    assert states[remote_alive.trial_id] == TrialState.RUNNING


def test_heartbeat_refreshes_every_trial_of_the_worker(store):
    study = store.study(_spec())
    store.enqueue(study, _queued(2))
    store.claim([study], ME)
    store.claim([study], ME)
    with Session(store.engine) as session, session.begin():
        session.execute(update(TrialRow).values(heartbeat=0.0))
    store.heartbeat(ME)
    assert store.requeue_abandoned([study], "elsewhere", lambda pid: True, 60) == 0


CLAIM_ALL = """
import json, os, sys
from optbench.store import Outcome, Store, TrialState, Worker
store = Store(sys.argv[1])
worker = Worker(sys.argv[3], "host", os.getpid())
taken = []
while (claim := store.claim([int(sys.argv[2])], worker)) is not None:
    taken.append(claim.trial_id)
    store.finish(claim.trial_id, worker, Outcome(TrialState.DONE, steps=1))
print(json.dumps(taken))
"""


def test_concurrent_workers_never_claim_the_same_trial(store, database):
    study = store.study(_spec())
    store.enqueue(study, _queued(60))
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIM_ALL, database, str(study), f"w{i}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    taken = [json.loads(process.communicate(timeout=120)[0]) for process in workers]
    everything = [trial for worker_trials in taken for trial in worker_trials]
    assert sorted(everything) == sorted(r.id for r in store.trials(study))
    assert len(everything) == len(set(everything)) == 60
    assert store.state_counts()[study] == {"done": 60}


def test_a_database_of_another_schema_version_is_refused(store, database):
    with Session(store.engine) as session, session.begin():
        session.execute(update(Meta).where(Meta.key == "schema_version").values(value="99"))
    expected = f"has schema version 99; this optbench reads version {SCHEMA_VERSION}"
    with pytest.raises(StoreError, match=expected):
        Store(database)


def test_an_unreachable_database_says_which_and_why(tmp_path):
    with pytest.raises(StoreError, match=r"cannot open the study database postgresql.*:1/x"):
        Store("postgresql+psycopg://user:secret@127.0.0.1:1/x")
    with pytest.raises(StoreError, match="cannot open the study database"):
        Store(str(tmp_path / "no-such-directory" / "optbench.db"))
    with pytest.raises(StoreError) as error:
        Store("postgresql+psycopg://user:secret@127.0.0.1:1/x")
    assert "secret" not in str(error.value)
