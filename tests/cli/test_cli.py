"""The command line: bad input exits 2 with one line and leaves the store as it was."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from optbench.cli import main
from optbench.store import Store
from optbench.study import experiment
from optbench.study.plan import plan_study

EXPERIMENT_ROOT = Path(__file__).parents[2] / "experiments"
EXPERIMENTS = sorted(  # every experiment file, in subfolders too; protocols/ holds protocols
    path
    for path in EXPERIMENT_ROOT.rglob("*.yaml")
    if path.relative_to(EXPERIMENT_ROOT).parts[0] != "protocols"
)
SMALL = ["--workload", "fmnist_mlp_cpu", "--optimizers", "sgd", "--protocol", "lr-only",
         "--trials", "2", "--budget", "10", "--eval-every", "5", "--threads", "1"]  # fmt: skip


@pytest.fixture(scope="module")
def stored(real_fmnist, tmp_path_factory) -> str:
    """A database holding one finished 2-trial study."""
    database = str(tmp_path_factory.mktemp("cli") / "optbench.db")
    assert main(["run", *SMALL, "--db", database]) == 0
    return database


def _snapshot(database: str) -> tuple:
    store = Store(database)
    ((study_id, _),) = store.studies()
    rows = [(t.id, t.state.value, t.attempts, t.finished) for t in store.trials(study_id)]
    values = [(m.trial_id, m.step, m.metric, m.value) for m in store.measurements(study_id)]
    store.engine.dispose()
    return rows, values


def _yaml(tmp_path: Path, text: str) -> str:
    path = tmp_path / "experiment.yaml"
    path.write_text(text)
    return str(path)


BAD = [
    (
        ["--workload", "fmnist_mpl"],
        "workloads='fmnist_mpl' is invalid: .*did you mean 'fmnist_mlp'",
    ),
    (["--optimizers", "adma"], "optimizers='adma' is invalid: .*did you mean 'adam'"),
    (["--protocol", "lr_only"], "protocols='lr_only' is invalid: .*did you mean 'lr-only'"),
    (["--budget", "0"], r"budget=0 is invalid: expected an integer in \[1, 1000000000\]"),
    (["--trials", "-3"], "trials=-3 is invalid"),
]


@pytest.mark.parametrize(("flags", "message"), BAD, ids=[b[1][:12] for b in BAD])
def test_bad_flags_exit_2_with_one_line_and_touch_nothing(stored, capsys, flags, message):
    before = _snapshot(stored)
    assert main(["run", *SMALL, *flags, "--db", stored]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "Traceback" not in error
    assert re.search(message, error), error
    assert _snapshot(stored) == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("workloads: [fmnist_mlp_cpu\noptimizers: [sgd]\n", "valid YAML .*line"),
        ("workloads: [fmnist_mlp_cpu]\noptimizers: [sgd]\ntrails: 4\n",
         "experiment field='trails' .*did you mean 'trials'"),
        ("workloads: [fmnist_mlp_cpu]\noptimizers: [sgd]\nseeds: many\n",
         "seeds='many' is invalid: .*integer.*line 3"),
        ("- just\n- a list\n", "a YAML mapping of fields"),
    ],
)  # fmt: skip
def test_bad_experiment_files_exit_2_naming_the_field(stored, tmp_path, capsys, text, message):
    before = _snapshot(stored)
    assert main(["run", _yaml(tmp_path, text), "--db", stored]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert re.search(message, error), error
    assert _snapshot(stored) == before


def test_an_unreachable_database_exits_2_without_a_traceback(capsys):
    assert main(["status", "--db", "postgresql+psycopg://u:pw@127.0.0.1:1/none"]) == 2
    error = capsys.readouterr().err
    assert "cannot open the study database" in error and "Traceback" not in error
    assert "pw" not in error


def test_running_the_same_command_again_runs_nothing_new(stored, capsys):
    before = _snapshot(stored)
    assert main(["run", *SMALL, "--db", stored]) == 0
    assert _snapshot(stored) == before


def test_more_trials_extend_the_same_study(real_fmnist, tmp_path):
    database = str(tmp_path / "optbench.db")
    assert main(["run", *SMALL, "--db", database]) == 0
    assert main(["run", *SMALL, "--trials", "3", "--db", database]) == 0
    store = Store(database)
    ((study_id, _),) = store.studies()
    assert [(t.index, t.attempts) for t in store.trials(study_id)] == [(0, 1), (1, 1), (2, 1)]


def test_status_list_and_export(stored, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # rich folds long names at the 80 columns of a pipe
    assert main(["status", "--db", stored]) == 0
    assert "fmnist_mlp_cpu/sgd/lr-only" in capsys.readouterr().out
    assert main(["list", "protocols"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in ("lr-grid", "lr-only", "lr-schedule", "full"))
    assert main(["export", "--db", stored, "--out", str(tmp_path)]) == 0
    trials = list(csv.DictReader((tmp_path / "trials.csv").open()))
    measurements = list(csv.DictReader((tmp_path / "measurements.csv").open()))
    assert len(trials) == 2 and {row["state"] for row in trials} <= {"done", "diverged"}
    assert float(trials[0]["lr"]) > 0 and trials[0]["torch_version"].startswith("2.13.0")
    evaluations = {(row["trial_id"], row["step"]) for row in measurements}
    trial_ids = {trial for trial, _ in evaluations}
    # four metrics at every evaluation, the test split's two after the last step only
    assert len(measurements) == 4 * len(evaluations) + 2 * len(trial_ids)
    done = [row["id"] for row in trials if row["state"] == "done"]
    assert {step for trial, step in evaluations if trial in done} == {"5", "10"}


def test_list_workloads_says_what_each_target_is_a_value_of(capsys):
    assert main(["list", "workloads", "--format", "json"]) == 0
    listed = {w["name"]: w for w in json.loads(capsys.readouterr().out)["workloads"]}
    assert (listed["lm_transformer"]["target"], listed["lm_transformer"]["target_metric"]) == (
        3.45,
        "validation_loss",
    )
    assert listed["fmnist_simple_cnn"]["target_metric"] == "validation_error"
    assert listed["lm_transformer_cpu"]["target_metric"] is None  # no target, no metric


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: str(p.relative_to(EXPERIMENT_ROOT)))
def test_every_shipped_experiment_file_is_valid(path):
    plans = experiment.load(path).plans()
    planned = [len(plan_study(plan).trials) for plan in plans]  # a protocol's default included
    assert len(plans) >= 3 and min(planned) >= 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rn"], "invalid choice: 'rn' .* \\(did you mean 'run', 'refine'\\?\\) "
         "\\(see optbench --help\\)"),
        (["list", "workload"], "did you mean 'workloads'\\?"),
        (["status", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["run", "--trials"], "argument --trials: expected one argument"),
        (["run", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    ],
)
def test_command_line_syntax_errors_are_one_line_with_exit_2(capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("optbench: error: ")
    assert re.search(message, err)


def test_a_piped_run_prints_plain_progress_lines_not_a_bar(real_fmnist, tmp_path, capsys):
    database = str(tmp_path / "piped.db")
    assert main(["run", *SMALL, "--db", database]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("trials ")]
    assert lines[0].startswith("trials 0/2, 0 diverged, 0 failed, 0:0")
    assert re.fullmatch(r"trials 2/2, 0 diverged, 0 failed, \d+:\d\d elapsed", lines[-1])
    assert "ETA" not in out  # no bar drawn into a pipe
