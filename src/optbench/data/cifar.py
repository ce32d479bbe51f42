"""CIFAR-10 and CIFAR-100, "python version" (Krizhevsky 2009,
https://www.cs.toronto.edu/~kriz/cifar.html), from the ``.tar.gz`` or its unpacked folder.

Each batch file is a pickled dict: ``data`` a uint8 array (N, 3072) holding each image's red,
green and blue 32×32 planes in row-major order, and the labels as a list of N integers
(``labels`` for CIFAR-10, ``fine_labels`` for CIFAR-100, which we use). CIFAR-10 ships
``data_batch_1`` … ``data_batch_5`` (50 000 training images) and ``test_batch`` (10 000);
CIFAR-100 ``train`` (50 000) and ``test`` (10 000).

Unpickling runs no code from the file: the unpickler resolves only the four globals a numpy
array needs (its reconstructor, ``ndarray``, ``dtype`` and the ``_codecs.encode`` that
Python 3 writes for bytes) and refuses any other with a :class:`DataFormatError`.
"""

from __future__ import annotations

import codecs
import functools
import io
import pickle
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from optbench.data.archives import member_label, read_members
from optbench.data.discovery import locate
from optbench.data.formats import DataFormatError, check_labels, register_reader
from optbench.data.loaders import LabelledImages, stamp


@dataclass(frozen=True)
class CifarLayout:
    """Where one CIFAR variant keeps its batches and labels."""

    folder: str
    train: tuple[str, ...]
    test: tuple[str, ...]
    label_key: str
    classes: int


LAYOUTS = {
    "cifar10": CifarLayout(
        "cifar-10-batches-py",
        tuple(f"data_batch_{i}" for i in range(1, 6)),
        ("test_batch",),
        "labels",
        10,
    ),
    "cifar100": CifarLayout("cifar-100-python", ("train",), ("test",), "fine_labels", 100),
}

_RECONSTRUCT = np.empty(0).__reduce__()[0]  # numpy's own array reconstructor, any version


def _latin1(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` as Python 3 pickles bytes (protocol 2), for latin-1 only."""
    if encoding.replace("-", "") != "latin1":
        raise pickle.UnpicklingError(f"_codecs.encode with encoding {encoding!r}")
    return codecs.encode(text, "latin1")


_SAFE_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1,
}


class _ArrayUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) not in _SAFE_GLOBALS:
            raise pickle.UnpicklingError(f"refers to {module}.{name}, which a batch never holds")
        return _SAFE_GLOBALS[(module, name)]


def parse_batch(content: bytes, label_key: str, classes: int, where: str) -> tuple:
    """``(images uint8 (N, 3, 32, 32), labels int64 (N,))`` from one pickled batch."""
    try:
        batch = _ArrayUnpickler(io.BytesIO(content), encoding="bytes").load()
    except Exception as error:  # a damaged pickle raises almost anything
        raise DataFormatError(where, f"is not a CIFAR batch pickle ({error})") from None
    if not isinstance(batch, dict):
        raise DataFormatError(where, f"holds a {type(batch).__name__}, not a dict")
    batch = {k.decode("latin1") if isinstance(k, bytes) else str(k): v for k, v in batch.items()}
    for key in ("data", label_key):
        if key not in batch:
            keys = ", ".join(repr(k) for k in sorted(batch)[:6])
            raise DataFormatError(where, f"has no {key!r} entry (its keys: {keys})")
    data = batch["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise DataFormatError(where, "'data' is not a 2-D uint8 array")
    if data.shape[1] != 3 * 32 * 32:
        raise DataFormatError(where, f"'data' has shape {data.shape}, expected (N, 3072)")
    if len(data) == 0:
        raise DataFormatError(where, "holds no images")
    try:
        labels = np.asarray(batch[label_key])
    except ValueError as error:  # a ragged list
        raise DataFormatError(where, f"{label_key!r} is not a list of integers ({error})") from None
    if labels.shape != (len(data),):
        raise DataFormatError(
            where, f"{label_key!r} holds {labels.shape} values for {len(data)} images"
        )
    check_labels(labels, classes, where)
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


def read_cifar(path: Path | str, layout: CifarLayout) -> LabelledImages:
    """The official train and test sets from the archive or unpacked folder at ``path``."""
    path = Path(path)
    names = set(layout.train + layout.test)
    contents = dict(read_members(path, layout.folder, names.__contains__))
    missing = sorted(names - contents.keys())
    if missing:
        raise DataFormatError(path, f"has no {', '.join(missing)} in {layout.folder}/")

    def stack(files: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        parts = [
            parse_batch(contents[name], layout.label_key, layout.classes, member_label(path, name))
            for name in files
        ]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    return LabelledImages(*stack(layout.train), *stack(layout.test))


def read_cifar_file(path: Path | str) -> LabelledImages:
    """:func:`read_cifar` with the layout told by the name: CIFAR-100 when the archive or
    folder is named ``cifar-100…``, else CIFAR-10 (the ``cifar`` format's reader)."""
    name = "cifar100" if Path(path).name.startswith("cifar-100") else "cifar10"
    return read_cifar(path, LAYOUTS[name])


@functools.lru_cache(maxsize=2)
def _read_cached(files_stamp: tuple, name: str) -> LabelledImages:
    return read_cifar(files_stamp[0][0], LAYOUTS[name])


def load_cifar(name: str = "cifar10", path: Path | str | None = None) -> LabelledImages:
    """CIFAR-10 or CIFAR-100 (``name``) as found by discovery (``path`` first), cached per
    process: images uint8 (N, 3, 32, 32), labels int64."""
    return _read_cached(stamp(locate(name, path)), name)


def write_cifar(
    path: Path | str,
    name: str,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
) -> Path:
    """Write images (N, 3, 32, 32) uint8 and labels in the official layout of ``name``: a
    ``.tar.gz`` when ``path`` ends so, else the unpacked folder at ``path``. The training set
    is cut into as many batch files as the official one has. For tests, and for users who
    convert their own images."""
    layout, path = LAYOUTS[name], Path(path)
    files: dict[str, bytes] = {}
    for names, (images, labels) in ((layout.train, train), (layout.test, test)):
        pieces = np.array_split(np.arange(len(labels)), len(names))
        for name_, index in zip(names, pieces, strict=True):
            batch = {
                b"batch_label": name_.encode(),
                b"data": np.ascontiguousarray(images[index].reshape(len(index), -1), np.uint8),
                layout.label_key.encode(): [int(y) for y in labels[index]],
                b"filenames": [f"{i}.png".encode() for i in index],
            }
            files[name_] = pickle.dumps(batch, protocol=2)
    if path.name.endswith(".tar.gz"):
        path.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(path, "w:gz") as archive:
            for name_, content in files.items():
                info = tarfile.TarInfo(f"{layout.folder}/{name_}")
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
        return path
    path.mkdir(parents=True, exist_ok=True)
    for name_, content in files.items():
        (path / name_).write_bytes(content)
    return path


register_reader("cifar", read_cifar_file)
