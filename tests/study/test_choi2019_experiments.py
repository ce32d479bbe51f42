"""experiments/choi2019/: one GPU-cluster file and one 2-core CPU file per workload, each with
the six optimizers under the paper's comparison protocol and the two-stage full protocol."""

from __future__ import annotations

from pathlib import Path

import pytest

from optbench import workloads
from optbench.study import experiment

FOLDER = Path(__file__).parents[2] / "experiments" / "choi2019"
SIX = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "nadam"]
#: The protocol each workload is compared under besides full: DeepOBS's where the paper
#: compares with DeepOBS, Wilson et al.'s where it compares with them, lr-only elsewhere.
COMPARED_WITH = {
    "war_and_peace_lstm": "lr-grid",
    "cifar100_allcnnc": "lr-grid",
    "cifar10_vgg16": "lr-schedule",
}
#: Being run for the reproduction: they follow their own conventions and are not checked here.
REPRODUCTION = ("fmnist_mlp_cpu.yaml", "pride_and_prejudice_lstm_cpu.yaml")
#: Every workload optbench ships (each with a ``_cpu`` variant).
PAPER_WORKLOADS = [
    "fmnist_simple_cnn",
    "fmnist_cnn_small",
    "fmnist_mlp",
    "war_and_peace_lstm",
    "pride_and_prejudice_lstm",
    "cifar10_resnet32",
    "cifar10_vgg16",
    "cifar100_allcnnc",
    "imagenet_resnet50",
    "lm_transformer",
]


def test_every_workload_has_a_gpu_and_a_cpu_file():
    shipped = {n for n in workloads.available() if not n.endswith("_cpu")}
    assert shipped >= set(PAPER_WORKLOADS)
    expected = {f"{name}{suffix}.yaml" for name in PAPER_WORKLOADS for suffix in ("", "_cpu")}
    assert {path.name for path in FOLDER.glob("*.yaml")} == expected


@pytest.mark.parametrize("name", PAPER_WORKLOADS)
def test_the_gpu_file_runs_the_paper_scale_on_a_ray_cluster(name):
    loaded = experiment.load(FOLDER / f"{name}.yaml")
    assert loaded.workloads == [name] and loaded.optimizers == SIX
    assert loaded.protocols == [COMPARED_WITH.get(name, "lr-only"), "full"]
    assert loaded.two_stage == ["full"] and loaded.initial_trials == 100
    assert loaded.trials is None  # each protocol's own count; the final stage as the initial
    assert (loaded.executor, loaded.device, loaded.precision) == ("ray", "cuda", "float32")
    assert loaded.budget is None  # the workload's: the paper's budget where it is known


@pytest.mark.parametrize("name", PAPER_WORKLOADS)
def test_the_cpu_file_states_its_cost_and_runs_the_cpu_variant(name):
    path = FOLDER / f"{name}_cpu.yaml"
    loaded = experiment.load(path)
    assert loaded.workloads == [f"{name}_cpu"] and loaded.optimizers == SIX
    assert loaded.protocols == [COMPARED_WITH.get(name, "lr-only"), "full"]
    assert loaded.two_stage == ["full"] and loaded.device == "cpu"
    if path.name in REPRODUCTION:
        return
    header = path.read_text().split("\nworkloads:")[0]
    assert "Cost: a trial is about" in header and "2-core" in header
    assert "Assumptions:" in header
    assert (loaded.executor, loaded.threads) == ("processes", 1)
