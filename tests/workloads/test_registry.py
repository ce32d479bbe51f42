"""The workload registry: names, variants, overrides, user workloads, errors."""

from __future__ import annotations

import pickle

import pytest

from optbench import workloads
from optbench.errors import InvalidParameterError
from optbench.workloads import WorkloadSpec, available, create, register_spec, unregister

PAPER_AND_LADDER = ["fmnist_simple_cnn", "war_and_peace_lstm", "fmnist_mlp", "fmnist_cnn_small"]


def test_every_workload_and_its_cpu_variant_is_registered():
    names = available()
    for name in PAPER_AND_LADDER:
        assert name in names and f"{name}_cpu" in names
    assert available("fmnist_*_cpu") == [
        "fmnist_cnn_small_cpu",
        "fmnist_mlp_cpu",
        "fmnist_simple_cnn_cpu",
    ]


def test_paper_workloads_have_the_papers_numbers():
    cnn = create("fmnist_simple_cnn")
    assert (cnn.batch_size, cnn.budget, cnn.target) == (256, 10_000, 0.066)
    assert cnn.task.validation == 5000 and cnn.task.dataset == "fashion_mnist"
    assert dict(cnn.model_args) == {"channels": (32, 64), "hidden": 1024}
    lstm = create("war_and_peace_lstm")
    assert lstm.batch_size == 50 and lstm.task.sequence_length == 50
    assert dict(lstm.model_args) == {"embedding": 128, "hidden": 128, "layers": 2}


def test_cpu_variant_applies_its_overrides_only():
    full, cpu = create("fmnist_simple_cnn"), create("fmnist_simple_cnn_cpu")
    assert cpu.name == "fmnist_simple_cnn_cpu"
    assert cpu.budget == full.cpu["budget"] < full.budget
    assert (cpu.batch_size, cpu.model_args, cpu.task) == (
        full.batch_size,
        full.model_args,
        full.task,
    )
    assert cpu.cpu == {}


def test_create_with_overrides_returns_a_new_spec():
    spec = create("fmnist_mlp", budget=7, batch_size=16)
    assert (spec.budget, spec.batch_size) == (7, 16)
    assert create("fmnist_mlp").budget != 7


def test_unknown_name_suggests_close_matches():
    with pytest.raises(InvalidParameterError, match=r"did you mean 'fmnist_mlp'"):
        create("fmnist_mpl")


def test_unknown_override_and_invalid_values_raise():
    with pytest.raises(InvalidParameterError, match="override='learning_rate'"):
        create("fmnist_mlp", learning_rate=0.1)
    with pytest.raises(InvalidParameterError, match="budget=0"):
        create("fmnist_mlp", budget=0)
    with pytest.raises(InvalidParameterError, match="target=6.6"):
        create("fmnist_mlp", target=6.6)


def test_user_workload_registers_with_its_variant_and_refuses_duplicates():
    spec = create("fmnist_mlp").replace(name="my_mlp", cpu={"budget": 3})
    register_spec(spec)
    try:
        assert create("my_mlp_cpu").budget == 3
        with pytest.raises(InvalidParameterError, match="my_mlp"):
            register_spec(spec)
    finally:
        unregister("my_mlp")
    assert "my_mlp" not in available() and "my_mlp_cpu" not in available()


def test_specs_pickle():
    spec = create("war_and_peace_lstm_cpu")
    assert pickle.loads(pickle.dumps(spec)) == spec


def test_register_decorator_registers_what_the_factory_returns():
    @workloads.register
    def tiny() -> WorkloadSpec:
        return create("fmnist_mlp").replace(name="tiny_mlp", cpu={})

    try:
        assert create("tiny_mlp").name == "tiny_mlp" and "tiny_mlp_cpu" not in available()
    finally:
        unregister("tiny_mlp")
