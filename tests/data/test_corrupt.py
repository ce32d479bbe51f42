"""Damaged data, one fault per row, each found three ways: by ``optbench data where``, by
``optbench run`` before anything is stored, and by the Python loader, always as a
:class:`DataFormatError` naming the file and the fault in one line.

Each row of :data:`FAULTS` is ``(dataset, write, file, fault)``: ``write(folder)`` puts a small
copy of ``dataset`` in its real format into ``folder`` with one fault, ``file`` is the path
(relative to ``folder``) that the error must name and ``fault`` a substring of what it must say.
"""

from __future__ import annotations

import gzip
import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

from optbench.cli import main
from optbench.data import (
    DataFormatError,
    Tokenization,
    load_cifar,
    load_images,
    load_text,
    load_token_corpus,
    locate,
    scan_image_folder,
    write_idx,
)
from optbench.data import corpus as corpus_module
from optbench.data.formats import parse_idx
from optbench.data.sources import LM1B_FOLDER, LM1B_HELDOUT, LM1B_TRAIN
from optbench.data.synthetic import (
    write_cifar_dataset,
    write_idx_dataset,
    write_image_folder,
    write_lm1b,
)
from optbench.workloads import create

IMAGES = "train-images-idx3-ubyte.gz"
LABELS = "train-labels-idx1-ubyte.gz"
TEST_LABELS = "t10k-labels-idx1-ubyte.gz"
CIFAR = "cifar-10-batches-py"
ARCHIVE = "cifar-10-python.tar.gz"


# -- writers: a small copy in the real format, then one fault ----------------------------------


def idx(change: Callable[[Path], None]) -> Callable[[Path], None]:
    """Fashion-MNIST's four gzip IDX files (60 / 20 images), then ``change(folder)``."""

    def write(folder: Path) -> None:
        write_idx_dataset(folder, 60, 20)
        change(folder)

    return write


def gzip_bytes(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    """Replace the compressed bytes of ``name`` by ``change(bytes)``."""
    return lambda folder: (folder / name).write_bytes(change((folder / name).read_bytes()))


def idx_content(name: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    """Replace the decompressed IDX content of ``name`` by ``change(content)``, recompressed."""

    def write(folder: Path) -> None:
        content = gzip.decompress((folder / name).read_bytes())
        (folder / name).write_bytes(gzip.compress(change(content), mtime=0))

    return write


def idx_array(name: str, array: np.ndarray) -> Callable[[Path], None]:
    return lambda folder: write_idx(folder / name, array)


def raw_idx_gzipped(name: str) -> Callable[[Path], None]:
    """The four IDX files uncompressed, as discovery also accepts them, ``name`` gzipped."""

    def write(folder: Path) -> None:
        write_idx_dataset(folder, 60, 20, compress=False)
        (folder / name).write_bytes(gzip.compress((folder / name).read_bytes()))

    return write


def garble(data: bytes) -> bytes:
    """The gzip stream with its deflate data overwritten in the middle."""
    middle = len(data) // 2
    return data[:middle] + b"\xff" * 64 + data[middle + 64 :]


def labels_with(value: int, dtype=np.uint8) -> np.ndarray:
    labels = np.arange(60) % 10
    labels[7] = value
    return labels.astype(dtype)


def text(content: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / "pg2600.txt").write_bytes(content)


def cifar_folder(change: Callable[[Path], None]) -> Callable[[Path], None]:
    """CIFAR-10's unpacked folder (50 / 10 images), then ``change(its path)``."""

    def write(folder: Path) -> None:
        change(write_cifar_dataset(folder / CIFAR, n_train=50, n_test=10))

    return write


def batch_3(**entries) -> Callable[[Path], None]:
    """``data_batch_3`` replaced by a pickle of ``entries`` (bytes keys, as the official)."""
    batch = {key.encode(): value for key, value in entries.items()}
    return lambda cifar: (cifar / "data_batch_3").write_bytes(pickle.dumps(batch, protocol=2))


def truncated_archive(folder: Path) -> None:
    archive = write_cifar_dataset(folder / ARCHIVE, n_train=50, n_test=10)
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])


def image_folder(change: Callable[[Path], None]) -> Callable[[Path], None]:
    """ImageNet's layout, 2 classes of 4 training and 2 validation JPEGs, then ``change``."""

    def write(folder: Path) -> None:
        write_image_folder(folder, classes=2, per_class=4, val_per_class=2, size=(16, 12))
        change(folder)

    return write


def empty_class(folder: Path) -> None:
    for image in (folder / "train" / "n00000001").iterdir():
        image.unlink()


def lm1b(change: Callable[[Path], None]) -> Callable[[Path], None]:
    """LM1B's unpacked folder with three training shards, then ``change(that folder)``."""
    return lambda folder: change(write_lm1b(folder, train_shards=3, sentences=20))


def remove(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).unlink()


def empty(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(b"")


FAULTS = {
    # -- IDX (Fashion-MNIST) -----------------------------------------------------------------
    "corrupt gzip (CRC)": (
        "fashion_mnist", idx(gzip_bytes(IMAGES, garble)), IMAGES,
        "cannot be read (CRC check failed",
    ),
    "corrupt gzip (deflate)": (
        "fashion_mnist", idx(gzip_bytes(IMAGES, lambda data: data[:10] + b"\xff" + data[11:])),
        IMAGES, "cannot be read (Error -3 while decompressing data: invalid block type)",
    ),
    "truncated gzip": (
        "fashion_mnist", idx(gzip_bytes(LABELS, lambda data: data[: len(data) // 2])), LABELS,
        "cannot be read (Compressed file ended before the end-of-stream marker was reached)",
    ),
    "not gzip at all": (
        "fashion_mnist", idx(gzip_bytes(LABELS, lambda data: b"PK\x03\x04" + data)), LABELS,
        "cannot be read (Not a gzipped file",
    ),
    "gzip under a raw name": (
        "fashion_mnist", raw_idx_gzipped("t10k-images-idx3-ubyte"), "t10k-images-idx3-ubyte",
        "not an IDX file but gzip-compressed: name it *.gz",
    ),
    "wrong magic": (
        "fashion_mnist", idx(idx_content(IMAGES, lambda data: b"\x08\x03" + data[2:])), IMAGES,
        "not an IDX file (its first two bytes must be zero)",
    ),
    "wrong type code": (
        "fashion_mnist", idx(idx_content(LABELS, lambda data: data[:2] + b"\x07" + data[3:])),
        LABELS, "unknown IDX type code 0x07",
    ),
    "truncated IDX payload": (
        "fashion_mnist", idx(idx_content(IMAGES, lambda data: data[:-100])), IMAGES,
        "IDX shape (60, 28, 28) needs 47056 bytes, the file has 46956",
    ),
    "truncated IDX header": (
        "fashion_mnist", idx(idx_content(IMAGES, lambda data: data[:9])), IMAGES,
        "truncated IDX header (rank 3)",
    ),
    "labels and images disagree in count": (
        "fashion_mnist", idx(idx_array(LABELS, np.zeros(59, np.uint8))), LABELS,
        f"59 labels for the 60 images of {IMAGES}",
    ),
    "label 10 in a 10-class set": (
        "fashion_mnist", idx(idx_array(LABELS, labels_with(10))), LABELS,
        "label 10 is out of range [0, 10) (example 7)",
    ),
    "negative label (signed type)": (
        "fashion_mnist", idx(idx_array(TEST_LABELS, labels_with(-1, np.int8)[:20])), TEST_LABELS,
        "label -1 is out of range [0, 10) (example 7)",
    ),
    "float labels": (
        "fashion_mnist", idx(idx_array(LABELS, labels_with(3).astype(np.float32))), LABELS,
        "labels must be one integer per example, found float32 (60,)",
    ),
    "images of the wrong size": (
        "fashion_mnist", idx(idx_array(IMAGES, np.zeros((60, 32, 32), np.uint8))), IMAGES,
        "images of shape (32, 32), expected (28, 28) each",
    ),
    # -- text (War and Peace) --------------------------------------------------------------------
    "text not UTF-8": (
        "war_and_peace", text("Ça va, Pierre?\n".encode("latin-1")), "pg2600.txt",
        "is not UTF-8 text (byte 0 is 0xc7)",
    ),
    "empty text": ("war_and_peace", text(b""), "pg2600.txt", "holds no text"),
    "blank text": ("war_and_peace", text(b" \n\n\t\n"), "pg2600.txt", "holds no text"),
    # -- CIFAR-10 --------------------------------------------------------------------------------
    "CIFAR missing batch": (
        "cifar10", cifar_folder(remove("data_batch_3")), CIFAR,
        f"has no data_batch_3: an incomplete copy of {ARCHIVE}",
    ),
    "CIFAR wrong key": (
        "cifar10", cifar_folder(batch_3(data=np.zeros((2, 3072), np.uint8), label=[1, 2])),
        f"{CIFAR}/data_batch_3", "has no 'labels' entry (its keys: 'data', 'label')",
    ),
    "CIFAR wrong shape": (
        "cifar10", cifar_folder(batch_3(data=np.zeros((2, 3000), np.uint8), labels=[1, 2])),
        f"{CIFAR}/data_batch_3", "'data' has shape (2, 3000), expected (N, 3072)",
    ),
    "CIFAR label out of range": (
        "cifar10", cifar_folder(batch_3(data=np.zeros((2, 3072), np.uint8), labels=[1, 10])),
        f"{CIFAR}/data_batch_3", "label 10 is out of range [0, 10) (example 1)",
    ),
    "CIFAR not a pickle": (
        "cifar10", cifar_folder(empty("test_batch")), f"{CIFAR}/test_batch",
        "is not a CIFAR batch pickle",
    ),
    "CIFAR truncated tar": ("cifar10", truncated_archive, ARCHIVE, "is not a readable tar archive"),
    # -- ImageNet's class folders ----------------------------------------------------------------
    "ImageNet class folder without images": (
        "imagenet", image_folder(empty_class), "train/n00000001", "holds no image files",
    ),
    # -- LM1B ------------------------------------------------------------------------------------
    "LM1B missing heldout shard": (
        "lm1b", lm1b(remove(LM1B_HELDOUT.format(0))), LM1B_FOLDER,
        f"has no {LM1B_HELDOUT.format(0)}: an incomplete copy of {LM1B_FOLDER}.tar.gz",
    ),
    "LM1B missing training shard": (
        "lm1b", lm1b(remove(LM1B_TRAIN.format(2))), LM1B_FOLDER, f"has no {LM1B_TRAIN.format(2)}",
    ),
    "LM1B empty shard": (
        "lm1b", lm1b(empty(LM1B_TRAIN.format(3))), f"{LM1B_FOLDER}/{LM1B_TRAIN.format(3)}",
        "is empty",
    ),
}  # fmt: skip

WORKLOADS = {  # the workload that reads each dataset, for `optbench run`
    "fashion_mnist": "fmnist_mlp_cpu",
    "war_and_peace": "war_and_peace_lstm_cpu",
    "cifar10": "cifar10_resnet32_cpu",
    "imagenet": "imagenet_resnet50_cpu",
    "lm1b": "lm_transformer_cpu",
}

LOADERS: dict[str, Callable[[Path], object]] = {  # each dataset's Python loader
    "fashion_mnist": lambda path: load_images("fashion_mnist", path),
    "war_and_peace": lambda path: load_text("war_and_peace", path),
    "cifar10": lambda path: load_cifar("cifar10", path),
    "imagenet": lambda path: scan_image_folder(locate("imagenet", path)["train"]),
    "lm1b": lambda path: load_token_corpus("lm1b", path, Tokenization("bytes")),
}


@pytest.fixture(params=list(FAULTS))
def damaged(request, tmp_path, monkeypatch) -> tuple[str, Path, str]:
    """``(dataset, folder, expected start of the message)`` for one row of FAULTS; token
    caches go to a temporary folder."""
    dataset, write, file, fault = FAULTS[request.param]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("OPTBENCH_DATA", raising=False)
    folder = tmp_path / "data"
    folder.mkdir()
    write(folder)
    return dataset, folder, f"{folder / file}: ", fault


def one_line(error: str, where: str, fault: str) -> None:
    assert error.count("\n") == 1 and "Traceback" not in error, error
    assert error.startswith(f"optbench: error: {where}") and fault in error, error


def test_data_where_names_the_file_and_the_fault(damaged, capsys):
    dataset, folder, where, fault = damaged
    assert main(["data", "where", dataset, "--path", str(folder)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    one_line(captured.err, where, fault)


def test_run_refuses_before_anything_is_stored(damaged, tmp_path, capsys):
    dataset, folder, where, fault = damaged
    database = tmp_path / "study.db"
    args = ["run", "--workload", WORKLOADS[dataset], "--optimizers", "sgd", "--trials", "1",
            "--budget", "1", "--data-path", str(folder), "--db", str(database)]  # fmt: skip
    assert main(args) == 2
    one_line(capsys.readouterr().err, where, fault)
    assert not database.exists()


def test_the_loader_raises_a_data_format_error(damaged):
    dataset, folder, where, fault = damaged
    with pytest.raises(DataFormatError) as caught:
        LOADERS[dataset](folder)
    message = str(caught.value)
    assert message.startswith(where) and fault in message and "\n" not in message


def test_parse_idx_never_lets_a_lower_level_error_through():
    """Every prefix of a valid IDX file is refused with DataFormatError, none with another."""
    content = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6])
    assert parse_idx(content).tolist() == [[1, 2, 3], [4, 5, 6]]
    for end in range(len(content)):
        with pytest.raises(DataFormatError):
            parse_idx(content[:end])


def test_an_image_a_worker_cannot_decode_fails_the_batch_naming_the_file(tmp_path):
    """In a DataLoader worker process, as a trial of the ImageNet workload reads it."""
    write_image_folder(tmp_path, classes=2, per_class=4, val_per_class=2, size=(16, 12))
    broken = tmp_path / "train" / "n00000001" / "image_00003.JPEG"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    spec = create("imagenet_resnet50_cpu")
    task = spec.task.__class__(
        validation_per_class=1, image_size=8, resize_size=10, workers=1, eval_batch_size=8
    )
    problem = task.problem(6, 0, torch.device("cpu"), str(tmp_path))
    with pytest.raises(DataFormatError) as caught:
        for _ in range(3):  # an epoch reads every training image once
            problem.next_batch()
    assert str(caught.value).startswith(f"{broken}: is not a readable image (")


@pytest.mark.parametrize("file", ["train.npy", "tokenizer.json"])
def test_a_damaged_token_cache_is_named_with_the_way_to_rebuild_it(tmp_path, monkeypatch, file):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("OPTBENCH_DATA", raising=False)
    folder = write_lm1b(tmp_path, train_shards=1, sentences=20)
    load_token_corpus("lm1b", folder, Tokenization("bytes"))
    (cached,) = (tmp_path / "cache" / "optbench" / "tokens").glob("lm1b-*")
    content = (cached / file).read_bytes()
    (cached / file).write_bytes(content[: len(content) // 2])
    corpus_module._open.cache_clear()
    with pytest.raises(DataFormatError) as caught:
        load_token_corpus("lm1b", folder, Tokenization("bytes"))
    message = str(caught.value)
    assert message.startswith(f"{cached / file}: is a damaged token cache (")
    assert message.endswith("); delete its folder to build it again")
