"""Experiments take values as written: no boolean or string passes for a number, every integer
is bounded, and a path is used as given or refused."""

from __future__ import annotations

import pytest

from optbench.errors import MAX_INT, InvalidParameterError
from optbench.study import experiment
from optbench.study.plan import StudyPlan

BASE = {"workloads": ["fmnist_mlp_cpu"], "optimizers": ["sgd"], "protocols": ["lr-only"]}
PROTOCOL = """\
name: {name}
sampler: quasirandom
trials: 4
spaces:
  sgd:
    lr: {{scale: log, low: 0.1, high: 1.0}}
"""


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("budget", True), ("trials", 2.0), ("seeds", "3"), ("workers", True), ("threads", 1.5),
        ("eval_every", False), ("seed", -1), ("seed", MAX_INT + 1), ("trials", 10_001),
        ("seeds", 1_001), ("workers", 1_025), ("threads", 1_025), ("budget", 10**9 + 1),
        ("eval_every", 10**9 + 1), ("device", True), ("executor", 1), ("sampler", False),
        ("workloads", "fmnist_mlp_cpu"), ("optimizers", ["sgd", "sgd"]),
    ],
)  # fmt: skip
def test_a_value_of_the_wrong_kind_or_out_of_bounds_is_refused_naming_its_field(field, value):
    with pytest.raises(InvalidParameterError) as caught:
        experiment.from_data({**BASE, field: value})
    assert caught.value.parameter == field and caught.value.value == value


def test_every_integer_is_accepted_up_to_its_bound():
    spec = experiment.from_data(
        {**BASE, "trials": 10_000, "seeds": 1, "seed": MAX_INT, "budget": 10**9,
         "eval_every": 0, "workers": 1_024, "threads": 1_024}
    )  # fmt: skip
    assert (spec.trials, spec.seed, spec.workers, spec.threads) == (10_000, MAX_INT, 1024, 1024)


def test_trials_times_seeds_is_bounded_with_the_protocols_trials_too():
    assert len(experiment.from_data({**BASE, "seeds": 277}).plans()) == 1  # 36 x 277 = 9 972
    with pytest.raises(InvalidParameterError) as caught:
        experiment.from_data({**BASE, "seeds": 278}).plans()  # 36 x 278 = 10 008
    assert caught.value.expected.startswith("at most 277 seeds with 36 trials")
    with pytest.raises(InvalidParameterError, match="at most 2 seeds with 5000 trials"):
        StudyPlan("fmnist_mlp_cpu", "sgd", "lr-only", trials=5_000, seeds=3)


def test_protocol_files_of_an_experiment_are_read_beside_it_and_those_of_flags_here(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "p.yaml").write_text(PROTOCOL.format(name="beside"))
    (tmp_path / "p.yaml").write_text(PROTOCOL.format(name="here"))
    (tmp_path / "sub" / "e.yaml").write_text(
        "workloads: [fmnist_mlp_cpu]\noptimizers: [sgd]\nprotocols: [p.yaml]\n"
    )
    assert experiment.load("sub/e.yaml").protocols == ["sub/p.yaml"]
    assert experiment.load("sub/e.yaml", protocols=["p.yaml"]).protocols == ["p.yaml"]
    (tmp_path / "sub" / "p.yaml").unlink()  # never replaced by ./p.yaml
    with pytest.raises(InvalidParameterError) as caught:
        experiment.load("sub/e.yaml")
    assert (caught.value.parameter, caught.value.value) == ("protocols", "sub/p.yaml")
    assert (caught.value.source, caught.value.line) == ("sub/e.yaml", 3)


def test_an_error_in_a_protocol_file_keeps_that_files_field_and_line(tmp_path):
    (tmp_path / "p.yaml").write_text(PROTOCOL.format(name="mine").replace("0.1", "true"))
    (tmp_path / "e.yaml").write_text("workloads: [fmnist_mlp_cpu]\noptimizers: [sgd]\n"
                                     "protocols: [p.yaml]\n")  # fmt: skip
    with pytest.raises(InvalidParameterError) as caught:
        experiment.load(tmp_path / "e.yaml")
    error = caught.value
    assert (error.parameter, error.value, error.line) == ("spaces.sgd.lr.low", True, 6)
    assert error.source == str(tmp_path / "p.yaml")


def test_a_data_path_is_used_when_it_exists_and_refused_when_not(tmp_path):
    assert experiment.from_data({**BASE, "data_path": str(tmp_path)}).data_path == str(tmp_path)
    with pytest.raises(InvalidParameterError) as caught:
        experiment.from_data({**BASE, "data_path": str(tmp_path / "nothing")})
    assert caught.value.expected == "an existing directory or file (no such file or directory)"
