"""The protocol files shipped with the experiments keep every inclusion reachable."""

from __future__ import annotations

from pathlib import Path

import pytest

from optbench.study import experiment
from optbench.tuning import protocols, reachability

FOLDER = Path(__file__).parents[2] / "experiments"


@pytest.mark.parametrize("path", sorted((FOLDER / "protocols").glob("*.yaml")), ids=str)
def test_shipped_final_spaces_keep_every_inclusion_reachable(path):
    protocol = protocols.load_protocol(path)
    checks = reachability.check_inclusions(list(protocol.spaces.values()))
    assert len(checks) == 5
    assert [c for c in checks if not c.reachable] == []


def test_an_experiment_finds_its_protocol_file_beside_it_whatever_the_working_directory(
    monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    plans = experiment.load(FOLDER / "demo.yaml").plans()
    assert {plan.protocol for plan in plans} == {
        "lr-only",
        str(FOLDER / "protocols" / "full-fmnist-mlp.yaml"),
    }
    assert len(plans) == 12  # the six optimizers under two protocols
