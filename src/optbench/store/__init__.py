"""Where studies live: a SQLite file by default, PostgreSQL by URL, the same code for both."""

from optbench.store.database import (
    DEFAULT_DATABASE,
    StoreError,
    database_url,
    open_engine,
    shown_database,
)
from optbench.store.schema import (
    FINISHED_STATES,
    RESULT_STATES,
    SCHEMA_VERSION,
    WAITING_STATES,
    TrialState,
)
from optbench.store.store import Claim, Outcome, QueuedTrial, Store, StudySpec, Worker

__all__ = [
    "DEFAULT_DATABASE",
    "FINISHED_STATES",
    "RESULT_STATES",
    "WAITING_STATES",
    "SCHEMA_VERSION",
    "Claim",
    "Outcome",
    "QueuedTrial",
    "Store",
    "StoreError",
    "StudySpec",
    "TrialState",
    "Worker",
    "database_url",
    "open_engine",
    "shown_database",
]
