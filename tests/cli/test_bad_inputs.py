"""Bad inputs through the command line: each ends in exit code 2 and one line on stderr
(``optbench: error: ...``, no traceback), at once, with the database given by ``--db`` byte
for byte as it was.

Each row of :data:`BAD_INPUTS` is ``(args, files, expected)``: the arguments after
``optbench``, the files to write first (name -> text, bytes, or a function of the path that
writes it), and a substring of the error line. Every row runs in a fresh folder holding
``study.db``, a store with one prepared study, so ``--db study.db`` names it; add a row for
every new kind of bad input.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from optbench.cli import main
from optbench.data import write_idx
from optbench.data.synthetic import write_idx_dataset
from optbench.store import Store
from optbench.study.plan import StudyPlan, prepare

DB = ["--db", "study.db"]
RUN = ["run", "--workload", "fmnist_mlp_cpu", "--optimizers", "sgd", "--protocol", "lr-only",
       "--trials", "2", "--budget", "5"]  # fmt: skip
WITH_P = [*RUN[:5], "--protocol", "p.yaml", *DB]  # run with the protocol file p.yaml
HEAD = "workloads: [fmnist_mlp_cpu]\noptimizers: [sgd]\nprotocols: [lr-only]\n"
PROTOCOL = """\
name: mine
sampler: quasirandom
trials: 4
base_lr: 0.1
spaces:
  sgd:
"""
LR = "    lr: {scale: log, low: 0.1, high: 1.0}\n"  # a valid sgd space
HUGE = "9" * 5000  # more digits than Python converts to an int


def experiment(fields: str) -> dict[str, str]:
    """An experiment file ``e.yaml``: the valid head, then ``fields`` (from line 4)."""
    return {"e.yaml": HEAD + fields}


def protocol(space: str, head: str = PROTOCOL) -> dict[str, str]:
    """A protocol file ``p.yaml`` whose sgd space is ``space`` (from line 7)."""
    return {"p.yaml": head + space}


def billion_laughs() -> str:
    """Nine levels of nine aliases each: 9**9 strings once expanded."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        aliases = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} [{aliases}]")
    return HEAD + "\n".join(lines) + "\n"


def fmnist_with(name: str, array: np.ndarray) -> Callable[[Path], None]:
    """A writer of a small Fashion-MNIST folder (60 / 20 images) whose file ``name`` holds
    ``array`` instead."""

    def write(path: Path) -> None:
        write_idx_dataset(path, 60, 20)
        write_idx(path / name, array)

    return write


def sparse(size: int) -> Callable[[Path], None]:
    """A writer of a file of ``size`` bytes that takes no time and no disk (a hole)."""

    def write(path: Path) -> None:
        with path.open("wb") as file:
            file.truncate(size)

    return write


BAD_INPUTS: list[tuple[list[str], dict, str]] = [
    # -- numbers are not booleans, strings or floats ------------------------------------
    (["run", "e.yaml", *DB], experiment("budget: true\n"),
     "budget=True is invalid: expected an integer in [1, 1000000000] or None (line 4 of e.yaml)"),
    (["run", "e.yaml", *DB], experiment("trials: 1.5\n"),
     "trials=1.5 is invalid: expected an integer in [1, 10000] or None (line 4 of e.yaml)"),
    (["run", "e.yaml", *DB], experiment("trials: 2.0\n"), "trials=2.0 is invalid"),
    (["run", "e.yaml", *DB], experiment('seeds: "3"\n'),
     "seeds='3' is invalid: expected an integer in [1, 1000] (line 4 of e.yaml)"),
    (["run", "e.yaml", *DB], experiment("workers: false\n"), "workers=False is invalid"),
    (["run", "e.yaml", *DB], experiment("device: true\n"), "device=True is invalid"),
    ([*RUN, "--seeds", "1.5", *DB], {}, "seeds='1.5' is invalid: expected an integer"),
    (WITH_P, protocol("    lr: {scale: log, low: true, high: 1.0}\n"),
     "spaces.sgd.lr.low=True is invalid: expected a finite number (line 7 of p.yaml)"),
    (WITH_P, protocol(LR, PROTOCOL.replace("4", "true")),
     "trials=True is invalid: expected an integer in [1, 10000] (line 3 of p.yaml)"),
    (WITH_P, protocol(LR, PROTOCOL.replace("0.1", "yes")),
     "base_lr=True is invalid: expected a finite number > 0 (line 4 of p.yaml)"),
    # -- a key given twice, at any depth ---------------------------------------------------
    (["run", "e.yaml", *DB], experiment("budget: 5\nbudget: 10\n"),
     "key='budget' is invalid: expected each key once in a mapping (first given at line 4) "
     "(line 5 of e.yaml)"),
    (["run", "e.yaml", *DB], {"e.yaml": HEAD.replace("lr-only", "p.yaml"), **protocol(LR + LR)},
     "key='spaces.sgd.lr' is invalid: expected each key once in a mapping (first given at line 7) "
     "(line 8 of p.yaml)"),
    (WITH_P,
     protocol("    lr: {scale: log, low: 0.1, high: 1.0, low: 0.2}\n"),
     "key='spaces.sgd.lr.low' is invalid"),
    (["run", "e.yaml", *DB], experiment("optimizers: [adam]\n"), "key='optimizers' is invalid"),
    (["run", "e.yaml", *DB], {"e.yaml": HEAD.replace("[sgd]", "[sgd, adam, sgd]")},
     "optimizers=['sgd', 'adam', 'sgd'] is invalid: expected each name once ('sgd' is repeated)"),
    # -- YAML that would never end, or end the memory ------------------------------------
    (["run", "e.yaml", *DB], {"e.yaml": billion_laughs()},
     "found aliases that expand to more than 100000 nodes at line 9"),
    (["run", "e.yaml", *DB], experiment("loop: &loop [*loop]\n"),
     "found an alias inside the node it names at line 4"),
    (["run", "e.yaml", *DB], experiment("deep: " + "[" * 10_000 + "]" * 10_000 + "\n"),
     "found lists or mappings nested deeper than 20 levels at line 4"),
    (["run", "e.yaml", *DB], {"e.yaml": sparse(50 * 2**20)},
     "experiment='e.yaml' is invalid: expected a YAML file of at most 262144 bytes "
     "(it has 52428800)"),
    (["run", "e.yaml", *DB], experiment("seed: " + HUGE + "\n"),
     "... (5002 characters) is invalid: expected an integer of at most 4300 digits (line 4"),
    (["run", "e.yaml", *DB], experiment("base: &b {budget: 5}\nmore:\n  <<: *b\n"),
     "key='more.<<' is invalid: expected no merge key"),
    (["run", "e.yaml", *DB], experiment("seed: !!python/object:os.system x\n"),
     "seed='x' is invalid: expected a plain YAML value, without the tag"),
    (["run", "e.yaml", *DB], {"e.yaml": b"workloads: [\xff]\n"},
     "experiment='e.yaml' is invalid: expected a UTF-8 text file (byte 12 is not UTF-8)"),
    (["run", ".", *DB], {},
     "experiment='.' is invalid: expected a YAML file (this is a directory)"),
    # -- every count, size and integer is bounded --------------------------------------------
    ([*RUN, "--trials", "99999999999999999999999", *DB], {},
     "trials=99999999999999999999999 is invalid: expected an integer in [1, 10000] or None"),
    ([*RUN, "--trials", HUGE, *DB], {},
     "trials='99999999999999999999999999999999999999999999999999999999999... (5002 characters) "
     "is invalid"),
    ([*RUN, "--seed", str(2**63), *DB], {},
     "seed=9223372036854775808 is invalid: expected an integer in [0, 9223372036854775807]"),
    (["run", "e.yaml", *DB], experiment(f"seed: {2**63}\n"),
     "seed=9223372036854775808 is invalid: expected an integer in [0, 9223372036854775807] "
     "(line 4 of e.yaml)"),
    ([*RUN, "--budget", str(10**10), *DB], {}, "budget=10000000000 is invalid"),
    ([*RUN, "--eval-every", "-1", *DB], {}, "eval_every=-1 is invalid"),
    ([*RUN, "--workers", "5000", *DB], {},
     "workers=5000 is invalid: expected an integer in [1, 1024]"),
    ([*RUN, "--threads", "100000", *DB], {}, "threads=100000 is invalid"),
    ([*RUN, "--executor", "processes", "--trials-per-gpu", "4", *DB], {},
     "trials_per_gpu=4 is invalid: expected device cuda, cuda:N or auto (on cpu give workers)"),
    ([*RUN, "--device", "cuda", "--trials-per-gpu", "2", *DB], {},
     "trials_per_gpu=2 is invalid: expected executor processes or ray"),
    ([*RUN, "--executor", "processes", "--device", "cuda", "--trials-per-gpu", "300", *DB], {},
     "trials_per_gpu=300 is invalid: expected an integer in [1, 256]"),
    ([*RUN, "--executor", "ray", "--gpus-per-trial", "1.5", *DB], {},
     "gpus_per_trial=1.5 is invalid: expected a fraction of a GPU in [1/256, 1] or a whole "
     "number of GPUs (Ray allows no fraction above 1)"),
    ([*RUN, "--executor", "ray", "--gpus-per-trial", "half", *DB], {},
     "gpus_per_trial='half' is invalid"),
    ([*RUN, "--executor", "processes", "--gpus-per-trial", "0.5", *DB], {},
     "gpus_per_trial=0.5 is invalid: expected executor ray"),
    ([*RUN, "--executor", "ray", "--device", "cuda", "--trials-per-gpu", "2",
      "--gpus-per-trial", "0.5", *DB], {},
     "gpus_per_trial=0.5 is invalid: expected no value with trials_per_gpu"),
    (["run", "e.yaml", *DB], experiment("executor: ray\ngpus_per_trial: 0\n"),
     "gpus_per_trial=0 is invalid: expected a fraction of a GPU in [1/256, 1] or a whole "
     "number of GPUs (Ray allows no fraction above 1) (line 5 of e.yaml)"),
    ([*RUN, "--seeds", "1001", *DB], {}, "seeds=1001 is invalid: expected an integer in [1, 1000]"),
    ([*RUN, "--trials", "6000", "--seeds", "2", *DB], {},
     "seeds=2 is invalid: expected at most 1 seeds with 6000 trials"),
    ([*RUN[:6], "full", "--seeds", "101", *DB], {},
     "seeds=101 is invalid: expected at most 100 seeds with 100 trials"),
    (WITH_P, protocol(LR, PROTOCOL.replace("4", "20000")),
     "trials=20000 is invalid: expected an integer in [1, 10000] (line 3 of p.yaml)"),
    (WITH_P,
     protocol("    lr: {scale: choice, values: [" + ", ".join(map(str, range(1, 1002))) + "]}\n"),
     "expected a list of at most 1000 values (it has 1001) (line 7 of p.yaml)"),
    (WITH_P,
     protocol(f"    lr: {{scale: log, low: 0.1, high: {10**400}}}\n"),
     "is invalid: expected a finite number (line 7 of p.yaml)"),
    (["worker", "--study", str(2**63), *DB], {}, "study=9223372036854775808 is invalid"),
    (["worker", "--threads", "0", *DB], {}, "threads=0 is invalid"),
    (["report", "--n-boot", str(10**9), "--out", "out", *DB], {},
     "--n-boot=1000000000 is invalid: expected an integer in [1, 100000]"),
    (["report", "--seed", "-1", "--out", "out", *DB], {}, "--seed=-1 is invalid"),
    # -- a path given is used or refused, never replaced by another ------------------------
    ([*RUN[:6], "missing.yaml", *DB], {},
     "protocols='missing.yaml' is invalid: expected a readable YAML file (No such file"),
    ([*RUN[:6], "./full", *DB], {},
     "protocols='./full' is invalid: expected a readable YAML file"),
    (["run", "sub/e.yaml", *DB], {"sub/e.yaml": HEAD.replace("lr-only", "p.yaml"), **protocol(LR)},
     "protocols='sub/p.yaml' is invalid: expected a readable YAML file (No such file or "
     "directory) (line 3 of sub/e.yaml)"),
    ([*RUN, "--data-path", "no/such/dir", *DB], {},
     "data_path='no/such/dir' is invalid: expected an existing directory or file"),
    (["run", "e.yaml", *DB], experiment("data_path: /no/such/dir\n"),
     "data_path='/no/such/dir' is invalid: expected an existing directory or file (no such "
     "file or directory) (line 4 of e.yaml)"),
    (["worker", "--data-path", "no/such/dir", *DB], {}, "data_path='no/such/dir' is invalid"),
    # -- data in the wrong format: found before anything is stored ---------------------------
    ([*RUN, "--data-path", "fm", *DB],
     {"fm": fmnist_with("train-labels-idx1-ubyte.gz", np.full(60, 10, np.uint8))},
     "fm/train-labels-idx1-ubyte.gz: label 10 is out of range [0, 10) (example 0)"),
    (["run", "e.yaml", *DB],
     {**experiment("data_path: fm\n"),
      "fm": fmnist_with("t10k-labels-idx1-ubyte.gz", np.full(20, -1, np.int8))},
     "fm/t10k-labels-idx1-ubyte.gz: label -1 is out of range [0, 10) (example 0)"),
    (["data", "where", "fashion_mnist", "--path", "fm"],
     {"fm": fmnist_with("train-images-idx3-ubyte.gz", np.zeros((60, 28), np.uint8))},
     "fm/train-images-idx3-ubyte.gz: images of shape (28,), expected (28, 28) each"),
    (["data", "fetch", "mnist", "--root", "out", "--timeout", "0"], {},
     "timeout=0.0 is invalid: expected a number of seconds in (0, 604800]"),
    (["data", "fetch", "mnist", "--root", "out", "--deadline", "inf"], {},
     "deadline=inf is invalid"),
]  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store with one prepared study of two pending trials (no training, no data needed)."""
    path = tmp_path_factory.mktemp("template") / "study.db"
    store = Store(str(path))
    prepare(store, StudyPlan("fmnist_mlp_cpu", "sgd", "lr-only", trials=2, budget=5))
    store.engine.dispose()
    return path


def _write(folder: Path, files: dict) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def _databases(folder: Path) -> dict[str, str]:
    """sha256 of every file of the store (``study.db`` and any journal beside it)."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.glob("study.db*"))
    }


@pytest.mark.parametrize(
    ("args", "files", "expected"), BAD_INPUTS, ids=[f"{i:02d}" for i in range(len(BAD_INPUTS))]
)
def test_a_bad_input_exits_2_with_one_line_at_once_and_changes_no_database(
    template, tmp_path, monkeypatch, capsys, args, files, expected
):
    shutil.copy(template, tmp_path / "study.db")
    _write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    before = _databases(tmp_path)
    start = time.perf_counter()
    code = main(args)
    elapsed = time.perf_counter() - start
    captured = capsys.readouterr()
    error = captured.err.strip()
    assert code == 2, captured
    assert len(error.splitlines()) == 1 and "Traceback" not in error, error
    assert error.startswith("optbench: error: ") and len(error) < 400, error
    assert expected in error, error
    assert elapsed < 5.0  # refused at once: no hang, no expansion, nothing read in full
    assert _databases(tmp_path) == before
    assert not (tmp_path / "out").exists()
