"""Small data in the real file formats, written by the tests (the real Fashion-MNIST is
tests/conftest.py's `real_fmnist`)."""

from __future__ import annotations

import pytest

from optbench.data.synthetic import write_idx_dataset, write_text
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
