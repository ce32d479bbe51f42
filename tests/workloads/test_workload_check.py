"""``optbench check workload``: a user's workload by import path, one line per property."""

from __future__ import annotations

import pytest

from optbench.cli import main
from optbench.errors import InvalidParameterError
from optbench.workloads import spec_of

TASKS = '''\
import dataclasses

import torch

from optbench.workloads import create


def small_mlp():
    spec = create("fmnist_mlp", batch_size=32)
    return spec.replace(name="small_mlp", task=dataclasses.replace(spec.task, validation=200))


class Silent(torch.nn.Module):  # outputs zeros whatever it learns: its loss cannot fall
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x) * 0.0


def frozen_mlp():
    spec = small_mlp()
    return spec.replace(name="frozen_mlp", model=lambda **info: Silent(spec.model(**info)))


SPEC = small_mlp()
NOT_A_SPEC = 3
'''


@pytest.fixture
def tasks(tmp_path, monkeypatch):
    (tmp_path / "tasks.py").write_text(TASKS)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_workload_by_import_path_passes_every_property(tasks, fake_fmnist, capsys):
    assert spec_of("./tasks.py:SPEC").name == spec_of("./tasks.py:small_mlp").name == "small_mlp"
    assert main(["check", "workload", "./tasks.py:small_mlp", "--data-path", fake_fmnist,
                 "--steps", "12"]) == 0  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "workload small_mlp: batch 32, budget 5000, base_lr 0.05"
    assert [line.split(":")[0] for line in lines[1:]] == [
        "ok    builds", "ok    seeded", "ok    trains", "ok    evaluates", "4 of 4 properties hold"
    ]  # fmt: skip


def test_a_broken_workload_fails_its_property_and_what_follows_is_not_judged(
    tasks, fake_fmnist, capsys
):
    assert main(["check", "workload", "./tasks.py:frozen_mlp", "--data-path", fake_fmnist,
                 "--steps", "6"]) == 1  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[3].startswith("FAIL  trains: Adam trains it on the CPU: finite losses that fall "
                               "(the loss did not fall")  # fmt: skip
    assert lines[4].endswith("(not judged: an earlier one failed)") and lines[-1] == (
        "2 of 4 properties hold")  # fmt: skip


def test_a_path_to_something_else_is_refused(tasks):
    with pytest.raises(InvalidParameterError, match="a path to a WorkloadSpec or a function "
                       "returning one \\(it gives 3\\)"):  # fmt: skip
        spec_of("./tasks.py:NOT_A_SPEC")
