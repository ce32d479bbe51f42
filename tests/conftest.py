"""Real services for the tests: a PostgreSQL server on this machine.

``postgres_url`` uses $OPTBENCH_TEST_POSTGRES_URL when set; otherwise it starts the first local
cluster that ``pg_lsclusters`` lists (as root, with ``pg_ctlcluster``, as Debian installs it) and
creates a role and database ``optbench_test``. Where neither can be had the PostgreSQL tests are
skipped on a developer's machine, and fail under CI (where $CI is set), so that CI never passes
without them.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from optbench.data import DataNotFoundError, locate

ROLE = DATABASE = "optbench_test"
PASSWORD = "pw-Kq7-not-in-any-output"  # distinct, so that a leak is found by grep


def _as_postgres(port: str, sql: str) -> str:
    command = ["runuser", "-u", "postgres", "--", "psql", "-p", port, "-tAc", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def _local_postgres() -> str:
    if shutil.which("pg_lsclusters") is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True)
    clusters = [line.split() for line in listing.stdout.splitlines() if line.strip()]
    if not clusters:
        raise RuntimeError("pg_lsclusters lists no PostgreSQL cluster")
    version, name, port, status = clusters[0][:4]
    if status != "online":
        if os.geteuid() != 0:
            raise RuntimeError(f"cluster {version}/{name} is down and only root can start it")
        subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
    if not _as_postgres(port, f"SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}'"):
        _as_postgres(port, f"CREATE ROLE {ROLE} LOGIN")
    _as_postgres(port, f"ALTER ROLE {ROLE} PASSWORD '{PASSWORD}'")
    if not _as_postgres(port, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"):
        _as_postgres(port, f"CREATE DATABASE {DATABASE} OWNER {ROLE}")
    return f"postgresql+psycopg://{ROLE}:{PASSWORD}@127.0.0.1:{port}/{DATABASE}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of a real PostgreSQL database for the tests."""
    if os.environ.get("OPTBENCH_TEST_POSTGRES_URL"):
        return os.environ["OPTBENCH_TEST_POSTGRES_URL"]
    try:
        return _local_postgres()
    except (RuntimeError, subprocess.CalledProcessError, OSError) as error:
        detail = getattr(error, "stderr", None) or error
        message = f"no PostgreSQL server for the tests: {detail}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def real_fmnist() -> None:
    """Skip unless the real Fashion-MNIST is found; fail instead where ``make data`` could
    have installed it (root with apt-get) or under CI, so CI never passes without it."""
    try:
        locate("fashion_mnist")
    except DataNotFoundError as error:
        installable = os.geteuid() == 0 and shutil.which("apt-get") is not None
        if os.environ.get("CI") or installable:
            pytest.fail(f"run `make data` first:\n{error}")
        pytest.skip(str(error).splitlines()[0])
