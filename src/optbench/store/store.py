"""The study store: studies, a queue of trials that workers claim atomically, and results.

Every change is one short transaction. A trial is claimed by a compare-and-set on its state
(``UPDATE ... WHERE state = 'pending'``), so two workers never hold the same trial, on SQLite
(several processes) and on PostgreSQL (several machines); a result is written only by the worker
that holds the trial, together with its measurements, so a trial that was taken back from a
worker thought dead is never stored twice.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from optbench.store.database import DEFAULT_DATABASE, open_engine, shown_database
from optbench.store.schema import (
    FINISHED_STATES,
    MeasurementRow,
    StudyRow,
    TrialRow,
    TrialState,
)


@dataclass(frozen=True)
class StudySpec:
    """What defines a study; ``key`` (the definition's hash, computed by the study layer)
    identifies it, so the same definition always continues the same study."""

    key: str
    name: str
    workload: str
    optimizer: str
    protocol: str
    space_yaml: str
    space_hash: str
    sampler: str
    seed: int
    budget: int
    eval_every: int
    settings: dict = field(default_factory=dict)


@dataclass(frozen=True)
class QueuedTrial:
    """A trial to enqueue: point ``index`` of the study's sampler, replicate ``replicate``."""

    index: int
    replicate: int
    seed: int
    hparams: dict
    schedule: str
    schedule_params: dict
    unit_point: list
    workload_params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Worker:
    """Who runs a trial: a name unique among live workers, and where it runs."""

    name: str
    host: str
    pid: int


@dataclass(frozen=True)
class Claim:
    """A trial this worker now holds, with its study's definition."""

    trial_id: int
    study: StudySpec
    trial: QueuedTrial


@dataclass(frozen=True)
class Outcome:
    """A finished trial: ``state`` done, diverged or failed, with provenance and measurements
    as (step, metric, value) triples."""

    state: TrialState
    steps: int
    diverged_at: int | None = None
    setup_seconds: float | None = None
    train_seconds: float | None = None
    eval_seconds: float | None = None
    error: str | None = None
    optbench_version: str | None = None
    torch_version: str | None = None
    device: str | None = None
    runtime: dict | None = None
    measurements: Sequence[tuple[int, str, float]] = ()


def _spec(row: StudyRow) -> StudySpec:
    names = StudySpec.__dataclass_fields__
    return StudySpec(**{name: getattr(row, name) for name in names})


def _queued(row: TrialRow) -> QueuedTrial:
    return QueuedTrial(**{name: getattr(row, name) for name in QueuedTrial.__dataclass_fields__})


class Store:
    """A study database. ``Store("optbench.db")`` or ``Store("postgresql+psycopg://...")``;
    ``read_only=True`` for reading only (nothing is created or changed, see
    :func:`~optbench.store.database.open_engine`). ``shown`` names the database with its
    password masked, for anything a person reads."""

    def __init__(self, database: str = DEFAULT_DATABASE, *, read_only: bool = False) -> None:
        self.database = database
        self.shown = shown_database(database)
        self.read_only = read_only
        self.engine = open_engine(database, read_only=read_only)

    def close(self) -> None:
        """Close every connection (SQLite then folds its write-ahead log into the file)."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def study(self, spec: StudySpec) -> int:
        """The id of the study with ``spec.key``, created from ``spec`` if it is new."""
        with self._session() as session, session.begin():
            study_id = session.scalar(select(StudyRow.id).where(StudyRow.key == spec.key))
            if study_id is None:
                row = StudyRow(**asdict(spec), created=time.time())
                session.add(row)
                session.flush()
                study_id = row.id
            return study_id

    def enqueue(self, study_id: int, trials: Iterable[QueuedTrial]) -> int:
        """Add the trials not yet in the study (by index and replicate); returns how many."""
        with self._session() as session, session.begin():
            existing = set(
                session.execute(
                    select(TrialRow.index, TrialRow.replicate).where(TrialRow.study_id == study_id)
                ).all()
            )
            new = [t for t in trials if (t.index, t.replicate) not in existing]
            session.add_all(TrialRow(study_id=study_id, **asdict(t)) for t in new)
            return len(new)

    def claim(self, study_ids: Sequence[int], worker: Worker) -> Claim | None:
        """Take the first pending trial of ``study_ids`` (in study, then index order) for
        ``worker``; ``None`` when none is pending."""
        while True:
            with self._session() as session, session.begin():
                row = session.scalar(
                    select(TrialRow)
                    .where(TrialRow.study_id.in_(study_ids), TrialRow.state == TrialState.PENDING)
                    .order_by(TrialRow.index, TrialRow.replicate, TrialRow.study_id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
                if row is None:
                    return None
                now = time.time()
                taken = session.execute(
                    update(TrialRow)
                    .where(TrialRow.id == row.id, TrialRow.state == TrialState.PENDING)
                    .values(
                        state=TrialState.RUNNING,
                        worker=worker.name,
                        host=worker.host,
                        pid=worker.pid,
                        heartbeat=now,
                        started=now,
                        attempts=TrialRow.attempts + 1,
                    )
                ).rowcount
                if taken == 1:
                    study = _spec(session.get(StudyRow, row.study_id))
                    return Claim(row.id, study, _queued(row))

    def heartbeat(self, worker: Worker) -> None:
        """Mark every trial ``worker`` holds as alive now."""
        with self._session() as session, session.begin():
            session.execute(
                update(TrialRow)
                .where(TrialRow.worker == worker.name, TrialRow.state == TrialState.RUNNING)
                .values(heartbeat=time.time())
            )

    def finish(self, trial_id: int, worker: Worker, outcome: Outcome) -> bool:
        """Store ``outcome`` if ``worker`` still holds the trial; False (nothing written) if
        the trial was taken back from it meanwhile."""
        if outcome.state not in FINISHED_STATES:
            raise ValueError(f"outcome.state={outcome.state!r}: expected done, diverged or failed")
        columns = asdict(outcome)
        columns.pop("measurements")
        with self._session() as session, session.begin():
            written = session.execute(
                update(TrialRow)
                .where(
                    TrialRow.id == trial_id,
                    TrialRow.worker == worker.name,
                    TrialRow.state == TrialState.RUNNING,
                )
                .values(**columns, finished=time.time())
            ).rowcount
            if written != 1:
                return False
            session.add_all(
                MeasurementRow(
                    trial_id=trial_id,
                    step=step,
                    metric=metric,
                    value=None if math.isnan(value) else value,
                )
                for step, metric, value in outcome.measurements
            )
            return True

    def release(self, trial_id: int, worker: Worker) -> bool:
        """Give a trial ``worker`` holds back to the queue (an interrupted run): the attempt
        does not count."""
        return self._requeue(trial_id, worker.name, counted=False)

    def _requeue(self, trial_id: int, worker_name: str, *, counted: bool) -> bool:
        with self._session() as session, session.begin():
            return (
                1
                == session.execute(
                    update(TrialRow)
                    .where(
                        TrialRow.id == trial_id,
                        TrialRow.worker == worker_name,
                        TrialRow.state == TrialState.RUNNING,
                    )
                    .values(
                        state=TrialState.PENDING,
                        worker=None,
                        heartbeat=None,
                        started=None,
                        attempts=TrialRow.attempts - (0 if counted else 1),
                    )
                ).rowcount
            )

    def retry_failed(self, study_ids: Sequence[int], max_attempts: int | None = None) -> int:
        """Put back to pending the failed trials of ``study_ids`` that have been tried fewer
        than ``max_attempts`` times (None: every failed trial, its attempts counted afresh).
        Returns how many."""
        query = update(TrialRow).where(
            TrialRow.study_id.in_(study_ids), TrialRow.state == TrialState.FAILED
        )
        if max_attempts is None:
            query = query.values(state=TrialState.PENDING, worker=None, attempts=0)
        else:
            query = query.where(TrialRow.attempts < max_attempts).values(
                state=TrialState.PENDING, worker=None
            )
        with self._session() as session, session.begin():
            return session.execute(query).rowcount

    def failures(self, study_ids: Sequence[int] | None = None) -> list[TrialRow]:
        """The failed trials (of ``study_ids``, or every study), by study and index, each
        with its attempts and error."""
        query = select(TrialRow).where(TrialRow.state == TrialState.FAILED)
        if study_ids is not None:
            query = query.where(TrialRow.study_id.in_(study_ids))
        with self._session() as session:
            return list(
                session.scalars(
                    query.order_by(TrialRow.study_id, TrialRow.index, TrialRow.replicate)
                )
            )

    def requeue_abandoned(
        self,
        study_ids: Sequence[int],
        host: str,
        process_alive: Callable[[int], bool],
        heartbeat_timeout: float,
        *,
        counted: bool = True,
    ) -> int:
        """Put back to pending the running trials whose worker is gone: at once when it ran on
        ``host`` and its process is not alive, else when its heartbeat is older than
        ``heartbeat_timeout`` seconds. The attempt counts (a trial may kill its worker) unless
        ``counted`` is False (workers stopped on purpose). Returns how many."""
        with self._session() as session:
            running = session.execute(
                select(
                    TrialRow.id, TrialRow.worker, TrialRow.host, TrialRow.pid, TrialRow.heartbeat
                ).where(TrialRow.study_id.in_(study_ids), TrialRow.state == TrialState.RUNNING)
            ).all()
        stale_before = time.time() - heartbeat_timeout
        abandoned = [
            row
            for row in running
            if (row.host == host and not process_alive(row.pid))
            or (row.heartbeat or 0.0) < stale_before
        ]
        return sum(self._requeue(row.id, row.worker, counted=counted) for row in abandoned)

    def studies(self) -> list[tuple[int, StudySpec]]:
        """Every study with its id, oldest first."""
        with self._session() as session:
            rows = session.scalars(select(StudyRow).order_by(StudyRow.id)).all()
            return [(row.id, _spec(row)) for row in rows]

    def state_counts(self, study_ids: Sequence[int] | None = None) -> dict[int, Counter]:
        """Per study id, how many trials are in each state."""
        query = select(TrialRow.study_id, TrialRow.state, func.count()).group_by(
            TrialRow.study_id, TrialRow.state
        )
        if study_ids is not None:
            query = query.where(TrialRow.study_id.in_(study_ids))
        counts: dict[int, Counter] = {}
        with self._session() as session:
            for study_id, state, count in session.execute(query):
                counts.setdefault(study_id, Counter())[TrialState(state).value] = count
        return counts

    def trials(self, study_id: int) -> list[TrialRow]:
        """The study's trial rows in index, replicate order (detached, read-only use)."""
        with self._session() as session:
            return list(
                session.scalars(
                    select(TrialRow)
                    .where(TrialRow.study_id == study_id)
                    .order_by(TrialRow.index, TrialRow.replicate)
                )
            )

    def measurements(self, study_id: int) -> list[MeasurementRow]:
        """The measurement rows of the study's trials in trial, step, metric order."""
        with self._session() as session:
            return list(
                session.scalars(
                    select(MeasurementRow)
                    .join(TrialRow, MeasurementRow.trial_id == TrialRow.id)
                    .where(TrialRow.study_id == study_id)
                    .order_by(MeasurementRow.trial_id, MeasurementRow.step, MeasurementRow.metric)
                )
            )
