"""Experiments with optimizers given by import path: paths beside the file, declarations
checked and located, the path stored with the study and its name shown, a false inclusion
refused before anything is stored."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from optbench.errors import InvalidParameterError
from optbench.study import experiment
from optbench.study.plan import StudyPlan, plan_study

USER = Path(__file__).parents[1] / "optimizers" / "user_optimizers.py"
EXPERIMENT = """\
workloads: [fmnist_mlp_cpu]
optimizers: [sgd, momentum, torch.optim.AdamW, ./opt/user_optimizers.py:QHM]
protocols: [lr-only]
declarations:
  torch.optim.AdamW:
    arguments: {betas: [beta1, beta2]}
    spaces:
      lr-only: {lr: {scale: log, low: 1.0e-5, high: 0.1}, beta2: 0.99, weight_decay: 0.0}
  ./opt/user_optimizers.py:QHM:
    name: qhm
    includes:
      momentum: {map: {lr: lr / (1 - momentum), beta: momentum, nu: 1}}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "opt").mkdir()
    shutil.copy(USER, tmp_path / "opt" / "user_optimizers.py")
    return tmp_path


def _load(folder: Path, text: str = EXPERIMENT, **overrides) -> experiment.Experiment:
    (folder / "experiment.yaml").write_text(text)
    return experiment.load(folder / "experiment.yaml", **overrides)


def test_a_file_path_is_found_beside_the_experiment_and_stored_absolute(folder, monkeypatch):
    monkeypatch.chdir(folder.parent)
    spec = _load(folder)
    qhm = f"{folder}/opt/user_optimizers.py:QHM"
    assert spec.optimizers == ["sgd", "momentum", "torch.optim.AdamW", qhm]
    plans = {plan.optimizer: plan for plan in spec.plans()}
    studies = {o: plan_study(plan).spec for o, plan in plans.items()}
    assert [s.name for s in studies.values()] == [
        "fmnist_mlp_cpu/sgd/lr-only", "fmnist_mlp_cpu/momentum/lr-only",
        "fmnist_mlp_cpu/AdamW/lr-only", "fmnist_mlp_cpu/qhm/lr-only",
    ]  # fmt: skip
    assert studies[qhm].optimizer == qhm and "optimizer" not in studies["sgd"].settings
    assert studies[qhm].settings["optimizer"] == {"name": "qhm", "includes": [{
        "special": "momentum", "special_name": "momentum",
        "note": "lr = lr / (1 - momentum), beta = momentum, nu = 1",
        "map": {"lr": "lr / (1 - momentum)", "beta": "momentum", "nu": 1.0},
    }]}  # fmt: skip
    assert "arguments:\n  betas: [beta1, beta2]" in studies["torch.optim.AdamW"].space_yaml


def test_the_trials_of_an_assembled_argument_hold_its_tuple(folder):
    plan = {p.optimizer: p for p in _load(folder).plans()}["torch.optim.AdamW"]
    trials = plan_study(StudyPlan(**{**plan.__dict__, "trials": 2})).trials
    assert [t.hparams["betas"] for t in trials] == [(0.9, 0.99), (0.9, 0.99)]
    assert trials[0].hparams["lr"] != trials[1].hparams["lr"] and "beta2" not in trials[0].hparams


def test_an_undeclared_path_optimizer_under_lr_only_searches_lr_alone(folder):
    spec = _load(folder, "workloads: [fmnist_mlp_cpu]\noptimizers: [torch.optim.Adagrad]\n"
                 "protocols: [lr-only]\n")  # fmt: skip
    (plan,) = spec.plans()
    study = plan_study(plan).spec
    assert study.name == "fmnist_mlp_cpu/Adagrad/lr-only"
    assert "lr: {scale: log, low: 5.0e-06, high: 50.0}" in study.space_yaml  # base_lr 0.05


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("beta: momentum", "beta: gamma"), r"declarations\..*QHM\.includes\.momentum\.map\.beta="
         r"'gamma' is invalid: .*'gamma' is not one of them \(line 12 of"),
        (("nu: 1}", "nu: 0}"), r"includes\.momentum='lr = lr / \(1 - momentum\), beta = momentum, "
         r"nu = 0' is invalid: expected a map that holds on a small model, but momentum ⊆ qhm"),
        (("lr-only: {lr", "lr-onyl: {lr"), r"spaces\.lr-onyl='lr-onyl' .*did you mean 'lr-only'"),
        (("name: qhm", "name: adam"), r"\.name='adam' is invalid: expected a name no other"),
        (("./opt/user_optimizers.py:QHM]", "./opt/user_optimizers.py:QHN]"),
         r"optimizers=.* has no attribute 'QHN'"),
        (("protocols: [lr-only]", "protocols: [full]"), r"optimizer of protocol 'full'='torch."
         r"optim.AdamW' is invalid: .*declarations: <optimizer>: spaces: <protocol>"),
    ],
)  # fmt: skip
def test_a_bad_declaration_is_one_error_naming_the_field(folder, edit, message):
    with pytest.raises(InvalidParameterError, match=message):
        _load(folder, EXPERIMENT.replace(*edit)).plans()


def test_flags_may_pick_some_of_a_files_optimizers(folder, monkeypatch):
    monkeypatch.chdir(folder)
    spec = _load(folder, optimizers=["sgd", "./opt/user_optimizers.py:QHM"])
    assert list(spec.declarations) == [f"{folder}/opt/user_optimizers.py:QHM"]
    assert [p.declaration.name if p.declaration else None for p in spec.plans()] == [None, "qhm"]


def test_a_registered_optimizer_with_a_declaration_is_refused(folder):
    text = EXPERIMENT + "  sgd: {name: plain}\n"
    with pytest.raises(InvalidParameterError, match="declarations.sgd='sgd' is invalid: expected "
                       "an optimizer given by import path"):  # fmt: skip
        _load(folder, textwrap.dedent(text))
