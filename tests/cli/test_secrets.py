"""A database password never leaks: not in what a run, status, export or report print, nor in
any file they write, nor in anything stored."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from optbench.store.schema import Base


@pytest.fixture
def password_url(postgres_url) -> tuple[str, str]:
    """(URL with a password, the password) of an empty PostgreSQL study database."""
    engine = create_engine(postgres_url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    password = make_url(postgres_url).password
    assert password and len(password) >= 12
    return postgres_url, password


def _optbench(*args: str, cwd) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "optbench.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_the_password_is_in_no_output_no_file_and_nothing_stored(
    real_fmnist, password_url, tmp_path
):
    url, password = password_url
    outputs = [
        _optbench("run", "--workload", "fmnist_mlp_cpu", "--optimizers", "sgd,adam", "--protocol",
                  "lr-only", "--trials", "2", "--budget", "10", "--threads", "1", "--db", url,
                  cwd=tmp_path),  # fmt: skip
        _optbench("status", "--db", url, cwd=tmp_path),
        _optbench("status", "--db", url, "--format", "json", cwd=tmp_path),
        _optbench("export", "--db", url, "--out", "export", cwd=tmp_path),
        _optbench("report", "--db", url, "--out", "report", cwd=tmp_path),
    ]
    masked = make_url(url).render_as_string(hide_password=True)
    assert masked in outputs[0] and masked in outputs[1]
    for output in outputs:
        assert password not in output
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"index.html", "summary.md", "trials.csv", "studies.csv"}
    for path in files:
        assert password.encode() not in path.read_bytes(), path
    assert masked in (tmp_path / "report" / "index.html").read_text()
    engine = create_engine(url)
    with engine.connect() as connection:
        for table in ("studies", "trials", "measurements", "optbench_meta"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            assert rows and password not in repr(rows)
    engine.dispose()
