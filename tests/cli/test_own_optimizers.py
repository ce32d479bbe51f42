"""Your own optimizer, end to end: torch's AdamW and an optimizer from a user's file, by import
path, with their own spaces, run with three of the six through the inline, processes and Ray
executors into one store; the report ranks them with the six and gives their declared
inclusions' verdicts; a worker that cannot import an optimizer says so before claiming."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

from optbench.analysis import VERDICTS
from optbench.cli import main
from optbench.store import Store

USER = Path(__file__).parents[1] / "optimizers" / "user_optimizers.py"
EXPERIMENT = """\
workloads: [fmnist_mlp_cpu]
optimizers: [sgd, momentum, adam, torch.optim.AdamW, ./user_optimizers.py:QHM]
protocols: [lr-only]
budget: 20
eval_every: 0
threads: 1
workers: 2
declarations:
  torch.optim.AdamW:
    arguments: {betas: [beta1, beta2]}
    includes:   # torch adds eps to the bias-corrected root: Table 1's Adam at eps / sqrt(b2_t)
      adam:
        map: {lr: lr, beta1: beta1, beta2: beta2, weight_decay: 0,
              eps: "eps / sqrt(1 - beta2 ** (step + 1))"}
    spaces:
      lr-only: {lr: {scale: log, low: 1.0e-5, high: 0.1}, beta2: 0.99, weight_decay: 0.0}
  ./user_optimizers.py:QHM:
    includes:
      sgd: {map: {lr: lr, nu: 0}}
      momentum: {map: {lr: lr / (1 - momentum), beta: momentum, nu: 1}}
    spaces:
      lr-only: {lr: {scale: log, low: 0.01, high: 10.0}, nu: 0.7}
"""
NAMES = ["sgd", "momentum", "adam", "AdamW", "QHM"]


def _rows(path: Path) -> list[dict]:
    with path.open() as file:
        return list(csv.DictReader(file))


def test_own_optimizers_run_with_the_six_through_three_executors_into_one_store(
    real_fmnist, tmp_path, monkeypatch, capsys
):
    shutil.copy(USER, tmp_path / "user_optimizers.py")
    (tmp_path / "experiment.yaml").write_text(EXPERIMENT)
    monkeypatch.chdir(tmp_path)
    for trials, executor in ((1, "inline"), (2, "processes"), (3, "ray")):  # a trial each
        argv = ["run", "experiment.yaml", "--executor", executor, "--trials", str(trials)]
        assert main([*argv, "--db", "store.db"]) == 0, capsys.readouterr()
    with Store("store.db", read_only=True) as store:
        studies = dict(store.studies())
        assert [s.name for s in studies.values()] == [f"fmnist_mlp_cpu/{n}/lr-only" for n in NAMES]
        qhm = studies[5]
        assert qhm.optimizer == f"{tmp_path}/user_optimizers.py:QHM"
        for study_id in studies:
            trials = store.trials(study_id)
            assert [t.state.value in ("done", "diverged") for t in trials] == [True] * 3
            workers = [t.worker for t in trials]  # this process, a worker process, a Ray driver
            assert workers[0].rsplit(":", 1)[1] != workers[1].rsplit(":", 1)[1]
            assert workers[2].endswith(":ray") and not workers[0].endswith(":ray")
        adamw = store.trials(4)
        assert [t.hparams["betas"] for t in adamw] == [[0.9, 0.99]] * 3  # (beta1, beta2)
        assert {t.hparams["nu"] for t in store.trials(5)} == {0.7}
    assert main(["report", "--db", "store.db", "--out", "report", "--no-figures"]) == 0
    ranking = _rows(tmp_path / "report" / "tables" / "rankings.csv")
    ranked = {r["optimizer"] for r in ranking if r["criterion"] == "validation_error"}
    assert ranked == set(NAMES)
    verdicts = {(r["special"], r["general"]): r["verdict"]
                for r in _rows(tmp_path / "report" / "tables" / "verdicts.csv")
                if r["criterion"] == "validation_error"}  # fmt: skip
    assert set(verdicts) == {("sgd", "momentum"), ("momentum", "adam"), ("adam", "AdamW"),
                             ("sgd", "QHM"), ("momentum", "QHM")}  # fmt: skip
    assert set(verdicts.values()) <= set(VERDICTS)
    summary = (tmp_path / "report" / "summary.md").read_text()
    assert "| adam ⊆ AdamW |" in summary and "| momentum ⊆ QHM |" in summary


def test_a_worker_that_cannot_import_an_optimizer_fails_in_one_line_before_claiming(
    real_fmnist, tmp_path, monkeypatch
):
    shutil.copy(USER, tmp_path / "user_optimizers.py")
    monkeypatch.chdir(tmp_path)
    argv = ["run", "--workload", "fmnist_mlp_cpu", "--optimizers", "./user_optimizers.py:QHM",
            "--protocol", "lr-only", "--trials", "2", "--db", "store.db", "--enqueue-only"]
    assert main(argv) == 0
    (tmp_path / "user_optimizers.py").unlink()
    worker = [sys.executable, "-m", "optbench.cli", "worker", "--db", "store.db"]  # a fresh process
    done = subprocess.run(worker, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and done.stdout == ""
    (error,) = done.stderr.splitlines()
    assert error.startswith("optbench: error: optimizer of study 1='/") and error.endswith(
        f"is invalid: expected an existing Python file ({tmp_path}/user_optimizers.py is not one)"
    )
    with Store("store.db", read_only=True) as store:
        assert [(t.state.value, t.attempts) for t in store.trials(1)] == [("pending", 0)] * 2
