"""The real Fashion-MNIST (Debian's dataset-fashion-mnist, installed by ``make data``):
its checksums, its fixed split, and fmnist_mlp learning it within the cpu budget."""

from __future__ import annotations

import numpy as np
import pytest

from optbench.data import get_source, locate, sha256_of
from optbench.study.runner import run_trial
from optbench.study.trial import Trial
from optbench.workloads import create

pytestmark = pytest.mark.usefixtures("real_fmnist")


def test_found_files_hold_the_official_content():
    source = get_source("fashion_mnist")
    for name, path in locate("fashion_mnist").items():
        pinned = source.file(name)
        if path.name.endswith(".gz") and sha256_of(path) != pinned.sha256:
            assert sha256_of(path, decompress=True) == pinned.content_sha256, name


def test_split_is_55k_5k_10k_with_balanced_classes():
    problem = create("fmnist_mlp").task.problem(128, 0, "cpu")
    labels = {split: y.numpy() for split, (_, y) in problem.splits.items()}
    assert {s: len(y) for s, y in labels.items()} == {
        "train": 55_000,
        "validation": 5_000,
        "test": 10_000,
    }
    assert np.bincount(labels["test"]).tolist() == [1000] * 10
    together = np.concatenate([labels["train"], labels["validation"]])
    assert np.bincount(together).tolist() == [6000] * 10
    x = problem.splits["train"][0]
    assert x.shape[1:] == (1, 28, 28)
    assert abs(x.mean().item()) < 1e-3 and abs(x.std().item() - 1) < 1e-3


def test_mlp_with_adam_defaults_beats_15_percent_within_its_cpu_budget():
    result = run_trial(Trial("fmnist_mlp_cpu", "adam", {"lr": 1e-3}, seed=0, threads=1))
    assert result.status == "completed"
    assert result.steps == create("fmnist_mlp_cpu").budget
    assert result.final_validation_error < 0.15
    assert result.final_test_error < 0.17
    assert [p.step for p in result.curve] == [500, 1000, 1500]
    train_losses = [p.train_loss for p in result.curve]
    assert train_losses == sorted(train_losses, reverse=True)
