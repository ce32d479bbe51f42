"""``optbench run`` filling a device: the processes executor says where it placed its workers,
and ``--trials-per-gpu`` on a machine without a GPU is refused before anything is stored."""

from __future__ import annotations

import re

import pytest
import torch

from optbench.cli import main
from optbench.store import Store

RUN = ["run", "--workload", "fmnist_mlp_cpu", "--optimizers", "sgd", "--protocol", "lr-only",
       "--trials", "2", "--budget", "5", "--eval-every", "0"]  # fmt: skip


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("cuda", "device='cuda' is invalid: expected a device of this machine: it has no CUDA "
         "device (no GPU or a CPU torch)"),
        ("auto", "trials_per_gpu=4 is invalid: expected no value on cpu: give workers "
         "(there is no GPU to fill)"),
    ],
)  # fmt: skip
def test_trials_per_gpu_without_a_gpu_is_refused_before_anything_is_stored(
    real_fmnist, tmp_path, capsys, device, message
):
    database = tmp_path / "s.db"
    flags = ["--executor", "processes", "--device", device, "--trials-per-gpu", "4"]
    assert main([*RUN, *flags, "--db", str(database)]) == 2
    err = capsys.readouterr().err
    assert err == f"optbench: error: {message}\n"
    assert not database.exists()


def test_processes_print_where_they_placed_their_workers(real_fmnist, tmp_path, capsys):
    database = str(tmp_path / "s.db")
    assert main([*RUN, "--executor", "processes", "--workers", "2", "--db", database]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^cpu: workers 1, 2 \(pids \d+, \d+\)$", out, re.MULTILINE), out
    (counts,) = Store(database).state_counts().values()
    assert counts == {"done": 2}
