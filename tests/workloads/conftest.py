"""Small data in the real file formats, written by the tests (the real Fashion-MNIST is
tests/conftest.py's `real_fmnist`)."""

from __future__ import annotations

import pytest

from optbench.data.synthetic import (
    write_cifar_dataset,
    write_idx_dataset,
    write_image_folder,
    write_lm1b,
    write_text,
)
from optbench.study.runner import torch_threads


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread: on a shared 2-core machine, 2 threads slow down badly under load."""
    with torch_threads(1):
        yield


@pytest.fixture(scope="session")
def fake_fmnist(tmp_path_factory) -> str:
    """1200 train / 300 test learnable 28×28 images as gzip IDX files: a directory."""
    return str(write_idx_dataset(tmp_path_factory.mktemp("fake_fmnist"), 1200, 300))


@pytest.fixture(scope="session")
def fake_text(tmp_path_factory) -> str:
    """A 20 000-character UTF-8 text file."""
    return str(write_text(tmp_path_factory.mktemp("text") / "novel.txt", 20_000))


@pytest.fixture(scope="session")
def tiny_cifar10(tmp_path_factory) -> str:
    """CIFAR-10's official archive layout with 600 train / 200 test learnable images of 3
    classes: a directory holding ``cifar-10-python.tar.gz``."""
    directory = tmp_path_factory.mktemp("cifar10")
    write_cifar_dataset(directory / "cifar-10-python.tar.gz", "cifar10", classes=3)
    return str(directory)


@pytest.fixture(scope="session")
def tiny_cifar100(tmp_path_factory) -> str:
    """CIFAR-100's unpacked folder ``cifar-100-python/`` with 600 / 200 images of 3 classes."""
    directory = tmp_path_factory.mktemp("cifar100")
    write_cifar_dataset(directory / "cifar-100-python", "cifar100", classes=3)
    return str(directory)


@pytest.fixture(scope="session")
def tiny_imagenet(tmp_path_factory) -> str:
    """Real JPEGs in ImageNet's layout: 3 classes, 8 training and 2 validation images each."""
    root = tmp_path_factory.mktemp("imagenet")
    return str(write_image_folder(root, classes=3, per_class=8, val_per_class=2))


@pytest.fixture(scope="session")
def tiny_lm1b(tmp_path_factory) -> str:
    """LM1B's unpacked layout with two training shards and heldout shards 0 and 1."""
    return str(write_lm1b(tmp_path_factory.mktemp("lm1b"), train_shards=2, sentences=300))


@pytest.fixture
def token_cache(tmp_path_factory, monkeypatch):
    """Token corpora cached in one temporary folder for the whole session."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "token-cache"))
    monkeypatch.delenv("OPTBENCH_DATA", raising=False)
