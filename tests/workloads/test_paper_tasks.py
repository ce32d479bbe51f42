"""The CIFAR, ImageNet and token language-model tasks: splits, batches, standardisation,
regularisation and metrics, checked against values computed by hand."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from optbench.data import load_cifar
from optbench.data.augment import normalize
from optbench.errors import InvalidParameterError
from optbench.workloads import create
from optbench.workloads.cifar import CifarClassification
from optbench.workloads.imagenet import MEAN, STD, ImageNetClassification
from optbench.workloads.losses import l2_penalty
from optbench.workloads.token_lm import TokenLanguageModel

CPU = torch.device("cpu")


def test_cifar_validates_on_the_last_training_images_and_standardises_per_channel(tiny_cifar10):
    problem = CifarClassification(validation=100).problem(32, 0, CPU, tiny_cifar10)
    data = load_cifar("cifar10", tiny_cifar10)
    assert problem.splits["validation"][1].tolist() == data.train_labels[-100:].tolist()
    assert torch.equal(problem.splits["train"][0], torch.from_numpy(data.train_images[:500]))
    assert problem.info == {"input_shape": (3, 32, 32), "num_classes": 10}
    train = normalize(problem.splits["train"][0], problem.splits["mean"], problem.splits["std"])
    assert torch.allclose(train.mean(dim=(0, 2, 3)), torch.zeros(3), atol=1e-4)
    assert torch.allclose(train.std(dim=(0, 2, 3)), torch.ones(3), atol=1e-3)


def test_cifar_batches_are_crops_of_the_chosen_images(tiny_cifar10):
    task = CifarClassification(validation=100, augment=False)
    plain = task.problem(16, 7, CPU, tiny_cifar10)
    augmented = dataclasses.replace(task, augment=True).problem(16, 7, CPU, tiny_cifar10)
    (x, y), (xa, ya) = plain.next_batch(), augmented.next_batch()
    assert torch.equal(y, ya)  # the same seed picks the same images
    order = torch.randperm(500, generator=torch.Generator().manual_seed(7))[:16]
    images, labels = plain.splits["train"]
    assert torch.equal(y, labels[order])
    assert torch.equal(x, normalize(images[order], plain.splits["mean"], plain.splits["std"]))
    assert not torch.equal(x, xa)
    again = dataclasses.replace(task, augment=True).problem(16, 7, CPU, tiny_cifar10)
    assert torch.equal(again.next_batch()[0], xa)


def test_l2_penalises_weights_not_biases_and_label_smoothing_mixes_in_uniform(tiny_cifar10):
    task = CifarClassification(validation=100, augment=False, l2=0.01, label_smoothing=0.2)
    problem = task.problem(8, 0, CPU, tiny_cifar10)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(3072, 10))
    with torch.no_grad():
        model[1].bias.fill_(5.0)  # would add 0.5 · 0.01 · 10 · 25 if biases were penalised
    batch = problem.next_batch()
    logits = model(batch[0])
    log_p = F.log_softmax(logits, dim=1)
    smoothed = -(0.8 * log_p.gather(1, batch[1][:, None]).squeeze(1) + 0.2 * log_p.mean(1))
    penalty = 0.5 * 0.01 * model[1].weight.square().sum()
    expected = smoothed.mean() + penalty
    assert problem.train_loss(model, batch).item() == pytest.approx(expected.item(), rel=1e-5)
    assert l2_penalty(model, 0.0) == 0.0


def test_invalid_regularisation_is_refused():
    with pytest.raises(InvalidParameterError, match="label_smoothing=1.0"):
        CifarClassification(label_smoothing=1.0)
    with pytest.raises(InvalidParameterError, match="l2=-0.1"):
        TokenLanguageModel(l2=-0.1)
    with pytest.raises(InvalidParameterError, match="dataset='cifar20'"):
        CifarClassification(dataset="cifar20")


IMAGENET = ImageNetClassification(
    validation_per_class=2, image_size=24, resize_size=28, workers=0, eval_batch_size=5
)


def test_imagenet_holds_out_the_last_images_of_each_class(tiny_imagenet):
    problem = IMAGENET.problem(4, 0, CPU, tiny_imagenet)
    train, validation = problem.splits["train"], problem.splits["validation"]
    assert validation.labels.tolist() == [0, 0, 1, 1, 2, 2]
    for label in range(3):
        kept = [p for p, y in zip(train.paths, train.labels, strict=True) if y == label]
        held = [p for p, y in zip(validation.paths, validation.labels, strict=True) if y == label]
        assert len(kept) == 6 and max(kept) < min(held)  # the last files by name
    assert len(problem.splits["test"].paths) == 6
    assert problem.info == {"input_shape": (3, 24, 24), "num_classes": 3}


def test_imagenet_batches_are_standardised_crops_and_evaluation_reads_every_image(tiny_imagenet):
    problem = IMAGENET.problem(4, 0, CPU, tiny_imagenet)
    x, y = problem.next_batch()
    assert x.shape == (4, 3, 24, 24) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert x.min() >= (0 - max(MEAN)) / min(STD) and x.max() <= (1 - min(MEAN)) / min(STD)

    class AlwaysTwo(nn.Module):
        def forward(self, x):
            return torch.tensor([[0.0, 0.0, 1.0]]).expand(len(x), 3)

    loss, error = problem.evaluate(AlwaysTwo(), "test")
    assert error == pytest.approx(4 / 6)  # two test images of each class
    log_z = math.log(2 + math.e)
    assert loss == pytest.approx((1 - log_z) * -1 / 3 + log_z * 2 / 3)
    capped = dataclasses.replace(IMAGENET, eval_limit=3).problem(4, 0, CPU, tiny_imagenet)
    assert capped.evaluate(AlwaysTwo(), "test")[1] == pytest.approx(2 / 3)  # images 0, 2, 5
    with pytest.raises(InvalidParameterError, match="validation_per_class=8"):
        dataclasses.replace(IMAGENET, validation_per_class=8).problem(4, 0, CPU, tiny_imagenet)


LM = TokenLanguageModel(tokenizer="bytes", context=16, eval_batch_size=7)


@pytest.fixture
def lm_problem(tiny_lm1b, token_cache):
    return LM.problem(8, 0, CPU, tiny_lm1b)


def test_token_batches_are_windows_of_the_stream_and_an_epoch_visits_each_once(lm_problem):
    stream = torch.from_numpy(np.asarray(lm_problem.streams["train"]).astype(np.int64))
    x, y = lm_problem.next_batch()
    assert x.shape == (8, 16) and torch.equal(x[:, 1:], y[:, :-1])
    starts = lm_problem._starts
    for row, start in zip(x, starts[:8], strict=True):
        assert torch.equal(row, stream[start : start + 16])
    assert len(set((starts - starts[0]) % 16)) == 1  # one offset for the whole epoch
    assert sorted((starts - starts.min()) // 16) == list(range(len(starts)))


def test_token_evaluation_is_per_token_cross_entropy_and_error(lm_problem):
    class Uniform(nn.Module):
        def forward(self, x):
            return torch.zeros(*x.shape, 256)

    loss, error = lm_problem.evaluate(Uniform(), "test")
    assert loss == pytest.approx(math.log(256))
    stream = np.asarray(lm_problem.streams["test"])
    windows = (len(stream) - 1) // 16
    targets = stream[1 : windows * 16 + 1]
    assert error == pytest.approx(1 - np.mean(targets == 0))  # argmax of a tie is token 0
    assert lm_problem.info == {"vocab_size": 256, "context": 16}


def test_token_evaluation_can_be_limited_to_the_first_windows(lm_problem):
    class AlwaysSpace(nn.Module):
        def forward(self, x):
            return F.one_hot(torch.full_like(x, 32), 256).float()

    stream = np.asarray(lm_problem.streams["test"])
    everything = lm_problem.evaluate(AlwaysSpace(), "test")[1]
    lm_problem.task = dataclasses.replace(LM, eval_sequences=2)
    first_two = lm_problem.evaluate(AlwaysSpace(), "test")[1]
    assert first_two == pytest.approx(1 - np.mean(stream[1:33] == 32))
    assert first_two != everything


def test_token_batches_larger_than_the_stream_are_refused(tiny_lm1b, token_cache):
    with pytest.raises(InvalidParameterError, match="batch_size=100000 is invalid"):
        LM.problem(100_000, 0, CPU, tiny_lm1b)


def test_lm_transformer_reads_any_text_file(fake_text, token_cache):
    spec = create("lm_transformer")
    task = dataclasses.replace(spec.task, tokenizer="bytes", context=32)
    problem = task.problem(4, 0, CPU, fake_text)
    with open(fake_text, "rb") as file:
        text = file.read()
    train = np.frombuffer(text[: round(len(text) * 0.9)], np.uint8)
    assert np.array_equal(np.asarray(problem.streams["train"]), train)
