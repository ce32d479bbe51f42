"""Commands that read never write: status, export and report create nothing, change nothing,
refuse what is not an optbench database untouched, and read a database the user may only read."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from optbench.cli import main
from optbench.store import Store

READERS = [
    ["status"],
    ["status", "--format", "json"],
    ["export", "--out", "{tmp}/export"],
    ["report", "--out", "{tmp}/report", "--no-figures"],
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _command(args: list[str], tmp_path: Path, database: Path) -> list[str]:
    return [a.format(tmp=tmp_path) for a in args] + ["--db", str(database)]


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a[:1] + a[1:2]))
def test_a_missing_database_is_an_error_that_names_it_and_nothing_is_created(
    tmp_path, capsys, args
):
    database = tmp_path / "typo.db"
    assert main(_command(args, tmp_path, database)) == 2
    err = capsys.readouterr().err
    assert (
        err == f"optbench: error: database='{database}' is invalid: expected an existing "
        "study database (no such file)\n"
    )
    assert not database.exists() and not Path(f"{database}-wal").exists()


RUN = ["run", "--workload", "fmnist_mlp_cpu", "--optimizers", "sgd", "--trials", "1"]
NOT_OPTBENCH = [(args, kind) for args in READERS for kind in ("foreign", "garbage", "empty")]
NOT_OPTBENCH += [(RUN, "foreign"), (RUN, "garbage")]  # an empty file is a new database to write


@pytest.mark.parametrize(
    ("args", "kind"), NOT_OPTBENCH, ids=[f"{a[0]}-{k}" for a, k in NOT_OPTBENCH]
)
def test_a_file_that_is_not_an_optbench_database_is_refused_untouched(tmp_path, capsys, args, kind):
    database = tmp_path / f"{kind}.db"
    if kind == "foreign":
        connection = sqlite3.connect(database)
        connection.execute("CREATE TABLE notes (text)")
        connection.commit()
        connection.close()
    else:
        database.write_bytes(os.urandom(4096) if kind == "garbage" else b"")
    before = _digest(database)
    assert main(_command(args, tmp_path, database)) == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench: error:") and err.count("\n") == 1
    assert _digest(database) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [database.name]


@pytest.fixture(scope="module")
def finished(real_fmnist, tmp_path_factory) -> Path:
    database = tmp_path_factory.mktemp("finished") / "optbench.db"
    command = ["run", "--workload", "fmnist_mlp_cpu", "--optimizers", "sgd", "--protocol",
               "lr-only", "--trials", "2", "--budget", "10", "--threads", "1"]  # fmt: skip
    assert main([*command, "--db", str(database)]) == 0
    Store(str(database)).engine.dispose()
    return database


@pytest.mark.parametrize("args", READERS, ids=lambda a: " ".join(a[:1] + a[1:2]))
def test_reading_an_optbench_database_changes_no_byte_of_it(finished, tmp_path, args):
    copy = tmp_path / "copy.db"
    shutil.copy(finished, copy)
    before = _digest(copy)
    assert main(_command(args, tmp_path, copy)) == 0
    assert _digest(copy) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("copy")) == ["copy.db"]


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder on a read-only file system (a read-only bind mount): nothing in it can be
    written or created, by root either."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    yield folder
    subprocess.run(["umount", str(folder)], capture_output=True)


def _mount_read_only(folder: Path) -> None:
    for options in (["--bind"], ["-o", "remount,ro,bind"]):
        done = subprocess.run(["mount", *options, str(folder), str(folder)], capture_output=True)
        if done.returncode:
            if os.environ.get("CI"):
                pytest.fail(f"cannot mount read-only: {done.stderr.decode()}")
            pytest.skip(f"cannot mount read-only here: {done.stderr.decode().strip()}")


def test_a_database_the_user_may_only_read_can_be_read(finished, read_only_folder, capsys):
    shutil.copy(finished, read_only_folder / "optbench.db")
    _mount_read_only(read_only_folder)
    database = str(read_only_folder / "optbench.db")
    capsys.readouterr()
    assert main(["status", "--db", database, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "1,fmnist_mlp_cpu/sgd/lr-only,0,0,2,0,0"
    assert main(["report", "--db", database, "--out", str(read_only_folder.parent / "r")]) == 0
    assert sorted(p.name for p in read_only_folder.iterdir()) == ["optbench.db"]


def test_report_into_a_file_is_one_line_not_a_traceback(finished, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    assert main(["report", "--db", str(finished), "--out", str(afile)]) == 2
    err = capsys.readouterr().err
    assert (
        err == f"optbench: error: --out='{afile}' is invalid: expected a directory "
        "(this is a file)\n"
    )
    assert afile.read_text() == "mine"


def test_export_into_a_folder_that_cannot_be_made_is_one_line(finished, tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    assert main(["export", "--db", str(finished), "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench: error: ") and err.count("\n") == 1 and "blocker" in err
