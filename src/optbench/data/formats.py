"""Readers for the official file formats, each a function from a path to numpy data.

- IDX (MNIST, Fashion-MNIST): the big-endian header of LeCun et al. followed by the raw array,
  gzip-compressed (``*.gz``) or not. See http://yann.lecun.com/exdb/mnist/ ("FILE FORMATS").
- Plain UTF-8 text, for character-level language modelling.

A reader raises :class:`DataFormatError` naming the file and what was wrong with it, never a
bare ``struct.error`` from deep inside. More formats plug in through :func:`register_reader`.
"""

from __future__ import annotations

import gzip
import math
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from optbench.limits import MAX_DECOMPRESSED_BYTES

# IDX type codes (third byte of the magic number) to numpy big-endian dtypes.
_IDX_TYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


#: The most characters of a fault a message shows (a pickle's keys, a decoder's complaint).
SHOWN_PROBLEM = 300


class DataFormatError(ValueError):
    """A data file that exists but is not in the format its reader expects: ``path`` (a file,
    a folder, or ``archive.tar.gz:member``) and ``problem``, said in one line."""

    def __init__(self, path: Path | str, problem: str) -> None:
        problem = " ".join(str(problem).split())
        if len(problem) > SHOWN_PROBLEM:
            problem = problem[: SHOWN_PROBLEM - 3] + "..."
        self.path, self.problem = Path(path), problem
        super().__init__(f"{path}: {problem}")

    def __reduce__(self) -> tuple:  # pickles whole, e.g. back from a DataLoader worker
        return (DataFormatError, (str(self.path), self.problem))


def read_bytes(path: Path | str, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """The content of ``path``, decompressed when its name ends in ``.gz``; a file whose
    content would pass ``limit`` bytes (a gzip "bomb", or not the dataset) is refused before
    it fills the memory."""
    path = Path(path)
    too_big = DataFormatError(path, f"holds more than {limit} bytes, the most optbench reads")
    try:
        if path.suffix != ".gz":
            if path.stat().st_size > limit:
                raise too_big
            return path.read_bytes()
        with gzip.open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise DataFormatError(path, f"cannot be read ({error})") from None
    if len(data) > limit:
        raise too_big
    return data


def parse_idx(data: bytes, path: Path | str = "<bytes>") -> np.ndarray:
    """The array stored in IDX ``data``: magic 0x0000TTDD (T type, D rank), D big-endian uint32
    sizes, then the values in C order."""
    if data[:2] == b"\x1f\x8b":
        raise DataFormatError(path, "not an IDX file but gzip-compressed: name it *.gz")
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise DataFormatError(path, "not an IDX file (its first two bytes must be zero)")
    type_code, rank = data[2], data[3]
    if type_code not in _IDX_TYPES:
        known = ", ".join(f"0x{code:02x}" for code in _IDX_TYPES)
        raise DataFormatError(path, f"unknown IDX type code 0x{type_code:02x} (known: {known})")
    header = 4 + 4 * rank
    if len(data) < header:
        raise DataFormatError(path, f"truncated IDX header (rank {rank})")
    shape = tuple(int(s) for s in np.frombuffer(data, ">u4", count=rank, offset=4))
    dtype = _IDX_TYPES[type_code]
    expected = header + math.prod(shape) * dtype.itemsize
    if len(data) != expected:
        raise DataFormatError(
            path, f"IDX shape {shape} needs {expected} bytes, the file has {len(data)}"
        )
    array = np.frombuffer(data, dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: Path | str) -> np.ndarray:
    """Read an IDX file, gzip-compressed or raw."""
    return parse_idx(read_bytes(path), path)


def write_idx(path: Path | str, array: np.ndarray) -> None:
    """Write ``array`` as IDX (gzip-compressed when ``path`` ends in ``.gz``); for tests and
    for users who convert their own data."""
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in _IDX_TYPES.items()}
    code = codes.get(array.dtype.newbyteorder("="))
    if code is None:
        raise DataFormatError(path, f"dtype {array.dtype} has no IDX type code")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    payload = header + array.astype(_IDX_TYPES[code]).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(payload, mtime=0) if path.suffix == ".gz" else payload)


def read_text(path: Path | str) -> str:
    """Read a UTF-8 text file (gzip-compressed when its name ends in ``.gz``)."""
    try:
        return read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataFormatError(
            path, f"is not UTF-8 text (byte {error.start} is 0x{error.object[error.start]:02x})"
        ) from None


def check_labels(labels: np.ndarray, classes: int | None, where: Path | str) -> None:
    """Raise :class:`DataFormatError` naming ``where`` unless ``labels`` are integers in
    [0, ``classes``) (at least 0 when ``classes`` is None), one per example."""
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise DataFormatError(
            where, f"labels must be one integer per example, found {labels.dtype} {labels.shape}"
        )
    outside = labels < 0 if classes is None else (labels < 0) | (labels >= classes)
    if outside.any():
        first = int(np.argmax(outside))
        allowed = f"[0, {classes})" if classes is not None else "[0, ...)"
        raise DataFormatError(
            where, f"label {labels[first]} is out of range {allowed} (example {first})"
        )


def listed(names: list[str]) -> str:
    """The first three of ``names``, and how many more, for a message."""
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


READERS: dict[str, Callable[[Path], object]] = {"idx": read_idx, "text": read_text}


def register_reader(format_name: str, reader: Callable[[Path], object]) -> None:
    """Make ``reader`` available for files declared with ``format=format_name``."""
    READERS[format_name] = reader
