"""One store test suite, run against every backend: a SQLite file and a PostgreSQL server."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from optbench.store import Store
from optbench.store.schema import Base


def _empty_postgres(url: str) -> str:
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    """A path or URL of an empty study database of each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "optbench.db")
    return _empty_postgres(request.getfixturevalue("postgres_url"))


@pytest.fixture
def store(database) -> Store:
    store = Store(database)
    yield store
    store.engine.dispose()
