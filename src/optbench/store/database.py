"""Opening a study database: a SQLite file by default, PostgreSQL by URL, the same code for both.

``open_engine("optbench.db")`` or ``open_engine("postgresql+psycopg://user@host/db")`` returns a
SQLAlchemy engine whose tables exist and whose schema version matches this optbench. SQLite runs
in WAL mode and takes its write lock at the start of each transaction (``BEGIN IMMEDIATE``), so
that several processes can share one file without "database is locked" surprises.

``open_engine(database, read_only=True)`` is for the commands that only read (``status``,
``export``, ``report``): it never creates, changes or converts anything. A missing SQLite file
is an error that names it, a file or database that is not an optbench study database is refused
untouched, and a file the user may only read can still be read.

Wherever a database is named to a person (messages, reports, progress lines), its password is
masked: :func:`shown_database`.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, insert, inspect, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError

from optbench.store.schema import SCHEMA_VERSION, Base, Meta

DEFAULT_DATABASE = "optbench.db"
SQLITE_BUSY_TIMEOUT_SECONDS = 120


class StoreError(RuntimeError):
    """The study database cannot be opened or used; the message says which and why."""


def database_url(database: str) -> str:
    """A SQLAlchemy URL for ``database``: a URL as given, anything else a SQLite file path."""
    return database if "://" in database else f"sqlite:///{database}"


def _parse(database: str) -> URL:
    try:
        return make_url(database_url(database))
    except ArgumentError:
        raise StoreError(
            f"database={shown_database(database)!r} is invalid: expected a SQLite file path such "
            "as 'optbench.db' or a URL such as 'postgresql+psycopg://user:password@host/dbname'"
        ) from None


def shown_database(database: str) -> str:
    """``database`` as it may be shown to a person: a URL with its password masked."""
    if "://" not in database:
        return database
    try:
        return make_url(database).render_as_string(hide_password=True)
    except ArgumentError:
        return "<a database URL that cannot be parsed>"


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


def _sqlite_reader(path: Path, shown: str) -> Engine:
    """An engine that opens the SQLite file read-only and creates nothing beside it: with no
    write-ahead log next to it (no writer is working on it, and everything is in the file)
    as ``immutable=1``, which opens no side files; otherwise ``mode=ro``, which reads what a
    running writer has logged, or ``immutable=1`` where even that cannot be opened (a WAL file
    in a folder the user may not write)."""
    if not path.is_file():
        raise StoreError(
            f"database={shown!r} is invalid: expected an existing study database (no such file)"
        )
    if not Path(f"{path}-wal").exists():
        return create_engine("sqlite://", creator=lambda: _connect(path, immutable=True))

    try:
        _connect(path, immutable=False).close()
        immutable = False
    except sqlite3.DatabaseError:
        immutable = True
    return create_engine("sqlite://", creator=lambda: _connect(path, immutable=immutable))


def _connect(path: Path, *, immutable: bool) -> sqlite3.Connection:
    flag = "immutable=1" if immutable else "mode=ro"
    uri = f"{path.resolve().as_uri()}?{flag}"
    connection = sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return connection


def _postgres_reader(url: URL) -> Engine:
    options = "-c default_transaction_read_only=on"
    return create_engine(url, pool_pre_ping=True, connect_args={"options": options})


def open_engine(database: str = DEFAULT_DATABASE, *, read_only: bool = False) -> Engine:
    """Connect to ``database`` (a path or URL), create missing tables (unless ``read_only``),
    check the schema version."""
    url = _parse(database)
    shown = shown_database(database)
    sqlite = url.get_backend_name() == "sqlite"
    try:
        if read_only:
            engine = _sqlite_reader(Path(url.database or ""), shown) if sqlite else (
                _postgres_reader(url)
            )
            _check_optbench_database(engine, shown, empty_ok=False)
        elif sqlite:
            path = Path(url.database or "")
            if path.is_file() and path.stat().st_size > 0:  # look before WAL mode changes it
                reader = _sqlite_reader(path, shown)
                _check_optbench_database(reader, shown, empty_ok=True)
                reader.dispose()
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)
            _check_optbench_database(engine, shown, empty_ok=True)
        _check_schema_version(engine, shown, create=not read_only)
    except (OperationalError, DatabaseError) as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise StoreError(f"cannot open the study database {shown}: {reason}") from None
    except (SQLAlchemyError, ImportError) as error:
        raise StoreError(f"cannot use the study database {shown}: {error}") from None
    return engine


def _check_optbench_database(engine: Engine, shown: str, *, empty_ok: bool) -> None:
    """Refuse, without touching it, a database that holds other tables and no optbench schema,
    and (unless ``empty_ok``) one with no tables at all."""
    tables = inspect(engine).get_table_names()
    if Meta.__tablename__ in tables or (empty_ok and not tables):
        return
    found = "no tables" if not tables else f"tables but no {Meta.__tablename__}"
    raise StoreError(
        f"database={shown!r} is invalid: expected an optbench study database (this one has "
        f"{found}); it was left untouched"
    )


def _check_schema_version(engine: Engine, shown: str, create: bool) -> None:
    """Check the schema version; with ``create``, first create the missing tables and the
    version in one transaction, so that a reader never sees tables without a version."""
    with engine.begin() as connection:
        if create:
            Base.metadata.create_all(connection)
        version = connection.scalar(select(Meta.value).where(Meta.key == "schema_version"))
        if version is None and create:
            connection.execute(insert(Meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif version != str(SCHEMA_VERSION):
            found = "no schema version" if version is None else f"schema version {version}"
            raise StoreError(
                f"the study database {shown} has {found}; this optbench reads version "
                f"{SCHEMA_VERSION}: use the optbench version that wrote it"
            )
