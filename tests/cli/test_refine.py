"""``optbench refine``: writes a loadable final protocol from a store it never changes, and
refuses bad input with one line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from optbench.cli import main
from optbench.store import Store
from optbench.study.plan import StudyPlan, plan_study, store_study
from optbench.study.stages import refine_studies
from optbench.tuning import check_inclusions, load_protocol


def _bowl(unit) -> float:
    return 0.1 + sum((u - 0.4) ** 2 for u in unit)


@pytest.fixture(scope="module")
def database(tmp_path_factory, fill_study) -> Path:
    """sgd, momentum and adam under full (10 finished points each) and sgd under lr-only with
    too few points, on fmnist_mlp_cpu."""
    path = tmp_path_factory.mktemp("refine") / "optbench.db"
    with Store(str(path)) as store:
        studies = [("sgd", "full", 10), ("momentum", "full", 10), ("adam", "full", 10),
                   ("sgd", "lr-only", 5)]  # fmt: skip
        for optimizer, protocol, trials in studies:
            plan = StudyPlan("fmnist_mlp_cpu", optimizer, protocol, trials=trials, budget=20,
                             eval_every=10)  # fmt: skip
            fill_study(store, store_study(store, plan_study(plan)), _bowl)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_refine_writes_a_protocol_that_loads_to_the_proposed_spaces(database, tmp_path, capsys):
    before = _digest(database)
    out = tmp_path / "final.yaml"
    command = ["refine", "--db", str(database), "--workload", "fmnist_mlp_cpu", "--protocol",
               "full", "--out", str(out)]  # fmt: skip
    assert main(command) == 0
    printed = capsys.readouterr().out
    assert "momentum ⊆ adam: kept reachable" in printed and "sgd ⊆ momentum: kept" in printed
    assert printed.endswith(f"final protocol: {out}\n")
    protocol = load_protocol(out)
    assert (protocol.name, protocol.trials, protocol.base_lr) == ("full-final", 10, 0.05)
    with Store(str(database), read_only=True) as store:
        proposal = refine_studies(store, [1, 2, 3], name="full-final")
    assert out.read_text() == proposal.yaml
    for name, space in proposal.protocol.spaces.items():
        assert protocol.space(name, 0.05) == space
    assert all(check.reachable for check in check_inclusions(protocol.spaces))
    again = tmp_path / "again.yaml"
    assert main(["refine", "--db", str(database), "--study", "1", "2", "3", "--out", str(again),
                 "--name", "full-final"]) == 0  # fmt: skip
    assert again.read_text() == out.read_text()
    assert _digest(database) == before
    wal = Path(f"{database}-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_optimizers_and_name_and_trials_choose_what_is_written(database, tmp_path, capsys):
    out = tmp_path / "two.yaml"
    assert main(["refine", "--db", str(database), "--workload", "fmnist_mlp_cpu", "--protocol",
                 "full", "--optimizers", "adam,sgd", "--name", "mine", "--trials", "24", "--out",
                 str(out)]) == 0  # fmt: skip
    protocol = load_protocol(out)
    assert list(protocol.spaces) == ["sgd", "adam"] and protocol.name == "mine"
    assert protocol.trials == 24
    assert "inclusions:\n" in capsys.readouterr().out  # no pair of these two: none listed


BAD = [
    (["--study", "9"], "--study=9 is invalid: expected a study id of"),
    (["--study", "1", "--workload", "fmnist_mlp_cpu"], "studies={'--study': [1], '--workload'"),
    ([], "studies=None is invalid: expected either --study IDS or both --workload and"),
    (["--workload", "fmnist_mlp_cpu"], "expected either --study IDS or both --workload and"),
    (["--workload", "fmnist_mlp_cpu", "--protocol", "ful"], "--workload/--protocol="
     "'fmnist_mlp_cpu / ful' is invalid: expected a workload and protocol of studies in"),
    (["--workload", "fmnist_mlp_cpu", "--protocol", "full", "--optimizers", "nadam"],
     "--optimizers='nadam' is invalid: expected one of sgd, momentum, adam"),
    (["--study", "4"], "fmnist_mlp_cpu/sgd/lr-only)='5 finished points, 5 not diverged' is "
     "invalid: expected at least 8 finished points"),
    (["--study", "1", "4"], "expected one study per optimizer: study 1 is also sgd's"),
    (["--study", "1", "--trials", "0"], "--trials=0 is invalid"),
]  # fmt: skip


@pytest.mark.parametrize(("flags", "message"), BAD, ids=[b[1][:24] for b in BAD])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    database, tmp_path, capsys, flags, message
):
    before = _digest(database)
    out = tmp_path / "final.yaml"
    assert main(["refine", "--db", str(database), *flags, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("optbench: error: ") and error.count("\n") == 1
    assert message in error
    assert not out.exists() and _digest(database) == before


def test_an_output_that_is_a_directory_or_a_missing_database_is_refused(database, tmp_path, capsys):
    assert main(["refine", "--db", str(database), "--study", "1", "--out", str(tmp_path)]) == 2
    assert "--out=" in capsys.readouterr().err
    missing = tmp_path / "missing.db"
    assert main(["refine", "--db", str(missing), "--study", "1", "--out", "x.yaml"]) == 2
    assert "no such file" in capsys.readouterr().err and not missing.exists()
