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
import torch

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


def _fill_study(store, study_id: int, error, worker_name: str = "filler") -> None:
    """Finish every pending trial of a study with a synthetic result: final validation error
    ``error(unit point)`` (+inf: diverged at the first evaluation), test error 0.01 above it,
    one evaluation per ``eval_every`` steps falling from 0.9 to it."""
    import math

    from optbench.store import Outcome, TrialState, Worker

    worker = Worker(worker_name, "localhost", 1)
    spec = dict(store.studies())[study_id]
    steps = list(range(spec.eval_every, spec.budget + 1, spec.eval_every)) or [spec.budget]
    while (claim := store.claim([study_id], worker)) is not None:
        final = error(claim.trial.unit_point)
        if math.isinf(final):
            outcome = Outcome(TrialState.DIVERGED, steps=steps[0], diverged_at=steps[0],
                              measurements=[(steps[0], "train_loss", float("nan"))])  # fmt: skip
        else:
            rows = []
            for step in steps:
                value = final + (0.9 - final) * (1 - step / steps[-1])
                rows += [(step, "validation_error", value), (step, "test_error", value + 0.01),
                         (step, "train_loss", value), (step, "validation_loss", value)]  # fmt: skip
            outcome = Outcome(TrialState.DONE, steps=steps[-1], measurements=rows)
        store.finish(claim.trial_id, worker, outcome)


@pytest.fixture(scope="session")
def fill_study():
    """``fill_study(store, study_id, error)``: finish every pending trial of the study with a
    synthetic result whose final validation error is ``error(unit point)``."""
    return _fill_study


#: The devices a test that can run on CUDA runs on: the CPU, and CUDA when a GPU is present.
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request) -> str:
    """Each device of :data:`DEVICES` in turn."""
    return request.param
