"""The conformance check passes the six and torch's AdamW, and fails a deliberately broken
optimizer on exactly the properties it breaks, one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from optbench.cli import main
from optbench.optimizers.conformance import PROPERTIES, check_optimizer

USER = Path(__file__).with_name("user_optimizers.py")
NAMES = [name for name, _, _ in PROPERTIES]


@pytest.mark.parametrize(
    "optimizer",
    ["sgd", "momentum", "nesterov", "rmsprop", "adam", "nadam", "torch.optim.AdamW", f"{USER}:QHM"],
)
def test_the_six_torch_adamw_and_a_correct_user_optimizer_pass_every_property(optimizer):
    results = check_optimizer(optimizer)
    assert [r.name for r in results] == NAMES
    assert [r.line() for r in results if not r.holds] == []
    assert dict((r.name, r.detail) for r in results)["closure"] == "supported"


@pytest.mark.parametrize(
    ("broken", "failing"),
    [
        ("ForgetsItsState", ["state_dict"]),
        ("CachesItsLearningRate", ["param_groups", "lr_changes"]),
        ("Float64State", ["dtypes"]),
        ("KeepsGradientsUnlessNone", ["zero_grad"]),
        ("IgnoresTheClosure", ["closure"]),
    ],
)
def test_each_broken_property_fails_alone(broken, failing):
    results = {r.name: r for r in check_optimizer(f"{USER}:{broken}")}
    assert [name for name, r in results.items() if not r.holds] == failing
    details = {name: results[name].detail for name in failing}
    expected = {
        "state_dict": "the resumed run differs by",
        "param_groups": "a group at lr 0 moved",
        "lr_changes": "the parameters moved by",
        "dtypes": "torch.float32 parameters became torch.float64",
        "zero_grad": "they differ by",
        "closure": "step(closure) ignores the closure",
    }
    assert all(details[name].startswith(expected[name]) for name in failing), details


def test_an_unseeded_optimizer_fails_reproducibility(capsys):
    status = main(["check", "optimizer", f"{USER}:Unseeded"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert lines[1].startswith("FAIL  reproducible: the same seed gives the identical trajectory "
                               "(two runs differ by")  # fmt: skip
    assert lines[-1].endswith("properties hold") and len(lines) == len(NAMES) + 2


def test_the_command_prints_one_line_per_property_and_fails_on_a_broken_one(capsys):
    assert main(["check", "optimizer", f"{USER}:CachesItsLearningRate", "--hparams", "lr=0.2"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"optimizer {USER}:CachesItsLearningRate (CachesItsLearningRate) at "
                      "lr=0.2, beta=0.9, nu=0.7")  # fmt: skip
    assert [line.split(":")[0] for line in out[1:-1]] == [
        "ok    reproducible", "ok    state_dict", "FAIL  param_groups", "FAIL  lr_changes",
        "ok    dtypes", "ok    zero_grad", "ok    closure",
    ]  # fmt: skip
    assert out[-1] == "5 of 7 properties hold"
    assert main(["check", "optimizer", "torch.optim.AdamW"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "7 of 7 properties hold"


def test_a_bad_path_or_hparams_is_one_line_and_status_2(capsys):
    assert main(["check", "optimizer", "./nowhere.py:X"]) == 2
    assert main(["check", "optimizer", "sgd", "--hparams", "lr=fast"]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and "an existing Python file" in errors[0]
    assert "--hparams='lr=fast' is invalid: expected NAME=NUMBER" in errors[1]


def test_arguments_the_constructor_refuses_are_bad_input_not_failed_properties(capsys):
    assert main(["check", "optimizer", "nadam", "--hparams", "lr=-1"]) == 2
    assert main(["check", "optimizer", "torch.optim.SGD", "--hparams", "lr=-1"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing checked
    ours, torchs = captured.err.splitlines()
    assert "lr=-1.0 is invalid: expected a finite number in [0, inf)" in ours
    assert torchs.endswith(
        "--hparams='lr=-1' is invalid: expected arguments torch.optim.SGD accepts (at lr=-1.0, "
        "momentum=0, dampening=0, weight_decay=0, nesterov=False: its constructor raised "
        "ValueError: Invalid learning rate: -1.0)"
    )
