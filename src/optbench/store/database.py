"""Opening a study database: a SQLite file by default, PostgreSQL by URL, the same code for both.

``open_engine("optbench.db")`` or ``open_engine("postgresql+psycopg://user@host/db")`` returns a
SQLAlchemy engine whose tables exist and whose schema version matches this optbench. SQLite runs
in WAL mode and takes its write lock at the start of each transaction (``BEGIN IMMEDIATE``), so
that several processes can share one file without "database is locked" surprises.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from optbench.store.schema import SCHEMA_VERSION, Base, Meta

DEFAULT_DATABASE = "optbench.db"
SQLITE_BUSY_TIMEOUT_SECONDS = 120


class StoreError(RuntimeError):
    """The study database cannot be opened or used; the message says which and why."""


def database_url(database: str) -> str:
    """A SQLAlchemy URL for ``database``: a URL as given, anything else a SQLite file path."""
    return database if "://" in database else f"sqlite:///{database}"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        dbapi_connection.isolation_level = None  # let the "begin" hook below open transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # noqa: ANN001
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_engine(database: str = DEFAULT_DATABASE) -> Engine:
    """Connect to ``database`` (a path or URL), create missing tables, check the schema version."""
    url_text = database_url(database)
    try:
        url = make_url(url_text)
    except ArgumentError:
        raise StoreError(
            f"--db {database!r} is not a database: expected a SQLite file path such as "
            "'optbench.db' or a URL such as 'postgresql+psycopg://user:password@host/dbname'"
        ) from None
    shown = url.render_as_string(hide_password=True)
    try:
        if url.get_backend_name() == "sqlite":
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)
        Base.metadata.create_all(engine)
        _check_schema_version(engine, shown)
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise StoreError(f"cannot open the study database {shown}: {reason}") from None
    except (SQLAlchemyError, ImportError) as error:
        raise StoreError(f"cannot use the study database {shown}: {error}") from None
    return engine


def _check_schema_version(engine: Engine, shown: str) -> None:
    with Session(engine) as session, session.begin():
        row = session.scalar(select(Meta).where(Meta.key == "schema_version"))
        if row is None:
            session.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
        elif row.value != str(SCHEMA_VERSION):
            raise StoreError(
                f"the study database {shown} has schema version {row.value}; this optbench "
                f"reads version {SCHEMA_VERSION}: use the optbench version that wrote it"
            )
