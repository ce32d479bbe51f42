"""Every workload builds on small data in its real file format and trains (conformance), and
the tasks batch, split and evaluate as documented."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from optbench.data import DataNotFoundError, read_idx
from optbench.errors import InvalidParameterError
from optbench.workloads import WorkloadSpec, create
from optbench.workloads.conformance import WorkloadCheckError, check_workload
from optbench.workloads.language import as_rows, encode

CPU = torch.device("cpu")


def labels_file(directory: str) -> str:
    return f"{directory}/train-labels-idx1-ubyte.gz"


def small(name: str, **overrides) -> WorkloadSpec:
    """Workload ``name`` with 200 validation examples, for the small fake data set."""
    spec = create(name, **overrides)
    return spec.replace(task=dataclasses.replace(spec.task, validation=200))


@pytest.mark.parametrize("name", ["fmnist_mlp", "fmnist_cnn_small", "fmnist_simple_cnn"])
def test_image_workloads_train_on_small_idx_files(name, fake_fmnist):
    spec = small(name, batch_size=32)
    report = check_workload(spec, fake_fmnist, steps=12)
    assert len(report.losses) == 12
    assert report.losses[-1] < report.losses[0]


@pytest.mark.parametrize("name", ["war_and_peace_lstm", "war_and_peace_lstm_cpu"])
def test_language_workloads_train_on_a_small_text_file(name, fake_text):
    report = check_workload(create(name, batch_size=8), fake_text, steps=30, lr=3e-3)
    assert report.losses[-1] < report.losses[0] - 0.5


def test_conformance_check_catches_a_model_that_cannot_learn(fake_fmnist):
    class Ignorant(nn.Module):
        """Predicts the same distribution whatever the image; its one parameter is a
        scale with no effect on the loss beyond a constant."""

        def __init__(self, input_shape, num_classes):
            super().__init__()
            self.scale = nn.Parameter(torch.randn(()))

        def forward(self, x):
            return torch.zeros(len(x), 10) + 0 * self.scale

    spec = small("fmnist_mlp", batch_size=32, model=Ignorant, model_args={})
    with pytest.raises(WorkloadCheckError, match="'fmnist_mlp': the loss did not fall"):
        check_workload(spec, fake_fmnist, steps=6)


def test_fmnist_split_holds_out_the_first_examples_whatever_the_seed(fake_fmnist):
    task = small("fmnist_mlp").task
    one = task.problem(128, seed=1, device=CPU, data_path=fake_fmnist)
    two = task.problem(128, seed=2, device=CPU, data_path=fake_fmnist)
    sizes = {split: len(labels) for split, (_, labels) in one.splits.items()}
    assert sizes == {"train": 1000, "validation": 200, "test": 300}
    assert one.splits["validation"][1].tolist() == read_idx(labels_file(fake_fmnist))[:200].tolist()
    assert torch.equal(one.splits["validation"][0], two.splits["validation"][0])
    assert not torch.equal(one.next_batch()[1], two.next_batch()[1])


def test_an_epoch_visits_every_training_example_once(fake_fmnist):
    problem = small("fmnist_mlp").task.problem(10, seed=0, device=CPU, data_path=fake_fmnist)
    train_x = problem.splits["train"][0].flatten(1)
    first_epoch = torch.cat([problem.next_batch()[0].flatten(1) for _ in range(100)])
    assert torch.equal(torch.unique(first_epoch, dim=0), torch.unique(train_x, dim=0))
    assert len(torch.unique(train_x, dim=0)) == 1000
    second_epoch = torch.cat([problem.next_batch()[0].flatten(1) for _ in range(100)])
    assert torch.equal(torch.unique(second_epoch, dim=0), torch.unique(train_x, dim=0))
    assert not torch.equal(first_epoch, second_epoch)  # reshuffled


def test_error_rate_of_a_constant_classifier_is_one_minus_its_class_share(fake_fmnist):
    problem = small("fmnist_mlp").task.problem(128, 0, CPU, fake_fmnist)

    class AlwaysThree(nn.Module):
        def forward(self, x):
            logits = torch.zeros(len(x), 10)
            logits[:, 3] = 1.0
            return logits

    labels = problem.splits["test"][1]
    loss, error = problem.evaluate(AlwaysThree(), "test")
    assert error == pytest.approx(1 - (labels == 3).double().mean().item(), abs=1e-12)
    expected_loss = -torch.log_softmax(torch.tensor([0.0] * 3 + [1.0] + [0.0] * 6), 0)
    share = (labels == 3).float().mean().item()
    assert loss == pytest.approx(
        share * expected_loss[3].item() + (1 - share) * expected_loss[0].item(), rel=1e-5
    )


def test_text_encoding_and_rows():
    ids, vocab = encode("abca")
    assert vocab == ["a", "b", "c"] and ids.tolist() == [0, 1, 2, 0]
    x, y = as_rows(torch.arange(23), rows=2, length=5)
    assert x.tolist() == [list(range(0, 10)), list(range(10, 20))]
    assert torch.equal(y, x + 1)


def test_language_batches_continue_each_stream_and_epochs_restart(fake_text):
    task = create("war_and_peace_lstm").task
    problem = task.problem(4, seed=0, device=CPU, data_path=fake_text)
    (x1, y1), (x2, _) = problem.next_batch(), problem.next_batch()
    assert x1.shape == (4, 50)
    assert torch.equal(x2[:, 0], y1[:, -1])  # row r of batch 2 continues row r of batch 1
    steps = problem._x.shape[1] // 50
    problem.state = "kept"
    for _ in range(steps - 2):
        problem.next_batch()
    assert problem.state == "kept"
    problem.next_batch()  # a new epoch: fresh offset, zero state
    assert problem.state is None


def test_language_splits_are_contiguous_and_fixed(fake_text):
    task = create("war_and_peace_lstm").task
    one = task.problem(4, seed=0, device=CPU, data_path=fake_text)
    two = task.problem(4, seed=5, device=CPU, data_path=fake_text)
    parts = [one.splits[s] for s in ("train", "validation", "test")]
    total = sum(map(len, parts))
    assert [len(p) for p in parts] == [
        round(total * 0.9),
        round(total * 0.95) - round(total * 0.9),
        total - round(total * 0.95),
    ]
    assert torch.equal(torch.cat(parts)[:100], parts[0][:100])
    assert all(torch.equal(one.splits[s], two.splits[s]) for s in one.splits)
    offsets = {int(np.random.default_rng(s).integers(50)) for s in range(5)}
    assert len(offsets) > 1


def test_missing_text_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("OPTBENCH_DATA", raising=False)
    with pytest.raises(DataNotFoundError, match="optbench data fetch war_and_peace"):
        create("war_and_peace_lstm").task.problem(4, 0, CPU)


def test_batches_larger_than_the_data_are_refused(fake_fmnist, fake_text):
    with pytest.raises(InvalidParameterError, match="batch_size=2000 is invalid"):
        small("fmnist_mlp").task.problem(2000, 0, CPU, fake_fmnist)
    with pytest.raises(InvalidParameterError, match="batch_size=900 is invalid"):
        create("war_and_peace_lstm").task.problem(900, 0, CPU, fake_text)
