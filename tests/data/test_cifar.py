"""CIFAR python pickles: exact values from the archive and the folder, safe unpickling, and
errors that name the file and the fault; discovery and download of the pinned archives."""

from __future__ import annotations

import io
import pickle
import tarfile

import numpy as np
import pytest

from optbench.cli import main
from optbench.data import (
    DataFormatError,
    DataNotFoundError,
    DownloadError,
    fetch,
    get_source,
    load_cifar,
    locate,
    write_cifar,
)
from optbench.data.cifar import LAYOUTS, parse_batch, read_cifar

RNG = np.random.default_rng(0)
TRAIN = (RNG.integers(0, 256, (25, 3, 32, 32), dtype=np.uint8), RNG.integers(0, 10, 25))
TEST = (RNG.integers(0, 256, (7, 3, 32, 32), dtype=np.uint8), RNG.integers(0, 10, 7))


def official_batch(data: np.ndarray, **labels) -> bytes:
    """A batch pickled as the official files are: bytes keys, protocol 2."""
    batch = {b"batch_label": b"training batch 1 of 5", b"data": data, b"filenames": [b"x.png"]}
    batch.update({key.encode(): list(values) for key, values in labels.items()})
    return pickle.dumps(batch, protocol=2)


@pytest.mark.parametrize("form", ["cifar-10-python.tar.gz", "cifar-10-batches-py"])
def test_archive_and_folder_read_back_exactly(tmp_path, form):
    path = write_cifar(tmp_path / form, "cifar10", TRAIN, TEST)
    data = read_cifar(path, LAYOUTS["cifar10"])
    assert data.train_images.shape == (25, 3, 32, 32) and data.train_images.dtype == np.uint8
    assert np.array_equal(data.train_images, TRAIN[0])
    assert data.train_labels.tolist() == TRAIN[1].tolist()
    assert np.array_equal(data.test_images, TEST[0])
    assert data.test_labels.dtype == np.int64


def test_row_major_planes_become_channels():
    data = np.arange(3072, dtype=np.int64).astype(np.uint8)[None].repeat(2, 0)
    images, labels = parse_batch(official_batch(data, labels=[3, 9]), "labels", 10, "b")
    assert images.shape == (2, 3, 32, 32) and labels.tolist() == [3, 9]
    assert images[0, 1, 0, 0] == 1024 % 256  # green plane starts at byte 1024
    assert images[0, 0, 1, 0] == 32  # row 1 of red starts at byte 32


def test_cifar100_reads_fine_labels_not_coarse(tmp_path):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    data = RNG.integers(0, 256, (4, 3072), dtype=np.uint8)
    for name in ("train", "test"):
        content = official_batch(data, fine_labels=[99, 0, 42, 7], coarse_labels=[19, 0, 1, 2])
        (folder / name).write_bytes(content)
    loaded = read_cifar(folder, LAYOUTS["cifar100"])
    assert loaded.train_labels.tolist() == [99, 0, 42, 7]


def test_a_pickle_that_would_run_code_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "ran"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    content = pickle.dumps({b"data": Exploit(), b"labels": []}, protocol=2)
    with pytest.raises(DataFormatError, match=r"b1: is not a CIFAR batch .*refers to .*open"):
        parse_batch(content, "labels", 10, "b1")
    assert not marker.exists()


@pytest.mark.parametrize(
    "data, labels, fault",
    [
        (np.zeros((2, 3000), np.uint8), [0, 1], r"'data' has shape \(2, 3000\), expected"),
        (np.zeros((2, 3072), np.float32), [0, 1], "'data' is not a 2-D uint8 array"),
        (np.zeros((2, 3072), np.uint8), [0], r"'labels' holds \(1,\) values for 2 images"),
        (np.zeros((2, 3072), np.uint8), [3, 10], r"label 10 is out of range \[0, 10\)"),
        (np.zeros((2, 3072), np.uint8), [-1, 0], r"label -1 is out of range"),
    ],
)
def test_malformed_batches_name_the_member_and_the_fault(tmp_path, data, labels, fault):
    path = write_cifar(tmp_path / "cifar-10-python.tar.gz", "cifar10", TRAIN, TEST)
    contents = {}
    with tarfile.open(path) as archive:
        for member in archive.getmembers():
            contents[member.name] = archive.extractfile(member).read()
    contents["cifar-10-batches-py/data_batch_3"] = official_batch(data, labels=labels)
    with tarfile.open(path, "w:gz") as archive:
        for name, content in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    with pytest.raises(DataFormatError, match=f"{path}:data_batch_3: {fault}"):
        read_cifar(path, LAYOUTS["cifar10"])


def test_truncated_archive_and_missing_batch_are_format_errors(tmp_path):
    path = write_cifar(tmp_path / "cifar-10-python.tar.gz", "cifar10", TRAIN, TEST)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DataFormatError, match="is not a readable tar archive"):
        read_cifar(path, LAYOUTS["cifar10"])
    folder = write_cifar(tmp_path / "cifar-10-batches-py", "cifar10", TRAIN, TEST)
    (folder / "data_batch_3").unlink()
    with pytest.raises(DataFormatError, match="has no data_batch_3 in cifar-10-batches-py/"):
        read_cifar(folder, LAYOUTS["cifar10"])


def test_not_a_pickle_at_all(tmp_path):
    with pytest.raises(DataFormatError, match="x: is not a CIFAR batch pickle"):
        parse_batch(b"\x89PNG not a pickle", "labels", 10, "x")


def test_discovery_accepts_the_archive_the_unpacked_folder_or_that_folder_itself(tmp_path):
    archive = write_cifar(tmp_path / "a" / "cifar-10-python.tar.gz", "cifar10", TRAIN, TEST)
    folder = write_cifar(tmp_path / "b" / "cifar-10-batches-py", "cifar10", TRAIN, TEST)
    assert locate("cifar10", tmp_path / "a") == {"cifar-10-python.tar.gz": archive}
    assert locate("cifar10", tmp_path / "b") == {"cifar-10-python.tar.gz": folder}
    assert locate("cifar10", folder) == {"cifar-10-python.tar.gz": folder}
    assert load_cifar("cifar10", tmp_path / "b").train_labels.tolist() == TRAIN[1].tolist()


def test_missing_cifar_names_the_archive_its_folder_and_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("OPTBENCH_DATA", raising=False)
    (tmp_path / "given").mkdir()
    with pytest.raises(DataNotFoundError) as caught:
        locate("cifar100", tmp_path / "given")
    message = str(caught.value)
    assert "missing cifar-100-python.tar.gz (or its folder cifar-100-python/)" in message
    assert "Get it with `optbench data fetch cifar100`" in message and "\n" not in message


def test_the_official_archives_are_pinned_and_a_wrong_copy_is_refused(server, tmp_path):
    pinned = get_source("cifar10").files[0]
    assert pinned.sha256 == "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
    assert pinned.url == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    server.files = {"cifar-10-python.tar.gz": (b"not the archive", "ok")}
    with pytest.raises(DownloadError, match=f"does not match the pinned {pinned.sha256}"):
        fetch("cifar10", tmp_path, mirror=server.url, progress=False)
    assert list((tmp_path / "cifar10").iterdir()) == []


def test_data_where_prints_the_folder_found(tmp_path, capsys):
    folder = write_cifar(tmp_path / "cifar-100-python", "cifar100", TRAIN, TEST)
    assert main(["data", "where", "cifar100", "--path", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"cifar-100-python.tar.gz\t{folder}\n"
