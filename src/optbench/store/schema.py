"""The tables of a study database: studies, trials, measurements and the schema version.

One row per study, trial and measured value, with unique constraints on the natural keys so
that nothing is stored twice: a study by the hash of its definition, a trial by
(study, index, replicate), a measurement by (trial, step, metric). Times are seconds since the
epoch (float), as measured by the machine that wrote them. Every integer a user can give (seeds,
budgets, indices, steps) is a signed 64-bit column, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import enum

from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION = 3


class Base(DeclarativeBase):
    pass


class TrialState(str, enum.Enum):
    """pending -> running -> done | diverged | failed; running -> pending when its worker dies."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    DIVERGED = "diverged"
    FAILED = "failed"


#: States a worker is done with: nothing runs them until they are put back.
FINISHED_STATES = (TrialState.DONE, TrialState.DIVERGED, TrialState.FAILED)
#: States with a result the analysis counts (a diverged trial counts as +inf).
RESULT_STATES = (TrialState.DONE, TrialState.DIVERGED)
#: States of a trial still to come: the study is partial while any trial is in one.
WAITING_STATES = (TrialState.PENDING, TrialState.RUNNING)


def _values(enum_class: type[enum.Enum]) -> list[str]:
    """Store an enum by its value ("done"), not its Python name ("DONE")."""
    return [member.value for member in enum_class]


class Meta(Base):
    __tablename__ = "optbench_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StudyRow(Base):
    """A (workload, optimizer, protocol) with its search space, sampler, seed and budget.

    ``key`` hashes everything that changes what a trial computes; a changed space or budget is a
    new key, so a new study, never mixed with the old one.
    """

    __tablename__ = "studies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    workload: Mapped[str] = mapped_column(String(100))
    optimizer: Mapped[str] = mapped_column(String(100))
    protocol: Mapped[str] = mapped_column(String(100))
    space_yaml: Mapped[str] = mapped_column(Text)
    space_hash: Mapped[str] = mapped_column(String(64))
    sampler: Mapped[str] = mapped_column(String(50))
    seed: Mapped[int] = mapped_column(BigInteger)
    budget: Mapped[int] = mapped_column(BigInteger)
    eval_every: Mapped[int] = mapped_column(BigInteger)
    settings: Mapped[dict] = mapped_column(JSON)
    created: Mapped[float] = mapped_column(Float)


class TrialRow(Base):
    """One training run: a point of the study's space and a seed, with its lifecycle and the
    provenance of the result (optbench and torch versions, device, host, and ``runtime``: the
    torch threads, whether denormals were flushed, the numeric precision). ``workload_params``
    holds the workload's own searched hyperparameters (regularisation), ``hparams`` the
    optimizer's. ``attempts`` counts the claims; ``error``
    keeps the last failure's message."""

    __tablename__ = "trials"
    __table_args__ = (UniqueConstraint("study_id", "index", "replicate"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("studies.id"), index=True)
    index: Mapped[int] = mapped_column(BigInteger)
    replicate: Mapped[int] = mapped_column(BigInteger)
    seed: Mapped[int] = mapped_column(BigInteger)
    hparams: Mapped[dict] = mapped_column(JSON)
    schedule: Mapped[str] = mapped_column(String(50))
    schedule_params: Mapped[dict] = mapped_column(JSON)
    workload_params: Mapped[dict] = mapped_column(JSON, default=dict)
    unit_point: Mapped[list] = mapped_column(JSON)
    state: Mapped[TrialState] = mapped_column(
        Enum(TrialState, native_enum=False, length=16, values_callable=_values),
        default=TrialState.PENDING,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(BigInteger, default=0)
    worker: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(200))
    pid: Mapped[int | None] = mapped_column(BigInteger)
    heartbeat: Mapped[float | None] = mapped_column(Float)
    started: Mapped[float | None] = mapped_column(Float)
    finished: Mapped[float | None] = mapped_column(Float)
    steps: Mapped[int | None] = mapped_column(BigInteger)
    diverged_at: Mapped[int | None] = mapped_column(BigInteger)
    setup_seconds: Mapped[float | None] = mapped_column(Float)
    train_seconds: Mapped[float | None] = mapped_column(Float)
    eval_seconds: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    optbench_version: Mapped[str | None] = mapped_column(String(50))
    torch_version: Mapped[str | None] = mapped_column(String(50))
    device: Mapped[str | None] = mapped_column(String(100))
    runtime: Mapped[dict | None] = mapped_column(JSON)


class MeasurementRow(Base):
    """One value of one metric after ``step`` optimizer steps of a trial (NULL for NaN, which
    SQLite cannot store)."""

    __tablename__ = "measurements"
    __table_args__ = (UniqueConstraint("trial_id", "step", "metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), index=True)
    step: Mapped[int] = mapped_column(BigInteger)
    metric: Mapped[str] = mapped_column(String(50))
    value: Mapped[float | None] = mapped_column(Float)
