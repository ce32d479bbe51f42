"""Token streams for language modelling: LM1B where it is found, any UTF-8 text otherwise,
tokenised once and cached on disk.

**LM1B** (Chelba et al. 2013, "r13output" release), from the ``.tar.gz`` or its unpacked
folder: training = every ``training-monolingual.tokenized.shuffled/news.en-000NN-of-00100``
shard (the official archive holds NN = 01 … 99), in shard order; validation = heldout shard
``news.en.heldout-00001-of-00050``; test = heldout shard ``00000`` (the split usually reported
as LM1B's test set). Each line is one space-tokenised sentence; lines are joined as they are
stored, newline included, so sentence ends are tokens too.

**Any text** (a registered text dataset, or a UTF-8 file given as the path): its bytes, without
a Project Gutenberg header and footer, cut into contiguous train / validation / test parts.

**Tokenisation** (:mod:`optbench.data.tokenize`): bytes (vocabulary 256), or byte-level BPE whose
merges are learned from the first ``sample_bytes`` of the training split only. The tokenizer
and the three token streams are written to ``<cache>/tokens/<dataset>-<key>/`` (``key`` hashes
the files' paths, sizes and modification times and the tokenisation), built in a temporary
folder and renamed into place, so a reader never sees a half-written cache and a second
process that loses the race uses the winner's copy. The training stream is memory-mapped.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from optbench.data.archives import member_label, member_sizes, read_members
from optbench.data.discovery import cache_root, locate
from optbench.data.formats import DataFormatError, listed, register_reader
from optbench.data.loaders import load_text, stamp
from optbench.data.sources import LM1B_FOLDER, LM1B_HELDOUT, LM1B_TRAIN, get_source
from optbench.data.splits import split_stream
from optbench.data.tokenize import BPETokenizer, ByteTokenizer, token_dtype, tokenizer_from_json
from optbench.errors import InvalidParameterError

SPLITS = ("train", "validation", "test")
_LM1B_SHARD = re.compile(r"training-monolingual\.tokenized\.shuffled/news\.en-\d{5}-of-00100")


@dataclass(frozen=True)
class Tokenization:
    """How text becomes tokens: ``kind`` "bytes" or "bpe"; for BPE the vocabulary size and
    how many bytes of training text its merges are learned from."""

    kind: str = "bpe"
    vocab_size: int = 32_768
    sample_bytes: int = 32 << 20

    def __post_init__(self) -> None:
        if self.kind not in ("bytes", "bpe"):
            raise InvalidParameterError("kind", self.kind, "'bytes' or 'bpe'")
        if self.kind == "bpe" and not 256 < self.vocab_size <= 1 << 32:
            raise InvalidParameterError("vocab_size", self.vocab_size, "an integer above 256")
        if self.sample_bytes <= 0:
            raise InvalidParameterError("sample_bytes", self.sample_bytes, "a positive size")


@dataclass(frozen=True)
class TokenCorpus:
    """A tokenizer and the three token streams (1-D integer arrays; train memory-mapped)."""

    tokenizer: ByteTokenizer | BPETokenizer
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


class Lm1bShards:
    """LM1B's splits as named shards of the archive or folder at ``path`` (the ``lm1b``
    format's reader): ``names[split]`` in order, and ``read(names)`` their contents."""

    def __init__(self, path: Path | str) -> None:
        self.path = path = Path(path)
        if path.is_dir():
            train = sorted(
                f.relative_to(path).as_posix()
                for f in path.glob("training-monolingual.tokenized.shuffled/*")
                if _LM1B_SHARD.fullmatch(f.relative_to(path).as_posix())
            )
        else:
            train = [LM1B_TRAIN.format(i) for i in range(1, 100)]
        self.names = {
            "train": tuple(train),
            "validation": (LM1B_HELDOUT.format(1),),
            "test": (LM1B_HELDOUT.format(0),),
        }

    def check(self) -> None:
        """Raise :class:`DataFormatError` naming the archive or folder unless every shard this
        reader reads is there and not empty, the training shards numbered from 00001 without a
        gap (an archive is read through once, for its listing)."""
        sizes = member_sizes(self.path, LM1B_FOLDER)
        gapless = [LM1B_TRAIN.format(i) for i in range(1, len(self.names["train"]) + 1)]
        needed = dict.fromkeys([*gapless, *self.names["validation"], *self.names["test"]])
        missing = [name for name in needed if name not in sizes]
        if missing:
            raise DataFormatError(self.path, f"has no {listed(missing)}")
        for name in needed:
            if sizes[name] == 0:
                raise DataFormatError(member_label(self.path, name), "is empty")

    def read(self, names: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
        wanted, seen = set(names), set()
        for name, content in read_members(self.path, LM1B_FOLDER, wanted.__contains__):
            seen.add(name)
            yield name, content
            if seen == wanted:
                return
        raise DataFormatError(self.path, f"has no {listed(sorted(wanted - seen))}")


class _PlainText:
    """One text's bytes cut into three contiguous parts."""

    def __init__(self, text: str, validation: float, test: float) -> None:
        data = np.frombuffer(text.encode("utf-8"), np.uint8)
        parts = split_stream(data, validation, test)
        self.parts = {split: part.tobytes() for split, part in zip(SPLITS, parts, strict=True)}
        self.names = {split: (split,) for split in SPLITS}

    def read(self, names: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
        for name in names:
            yield name, self.parts[name]


def _learn(text: Lm1bShards | _PlainText, tokenization: Tokenization):
    if tokenization.kind == "bytes":
        return ByteTokenizer()
    sample, size = [], 0
    for _, content in text.read(text.names["train"]):
        sample.append(content[: tokenization.sample_bytes - size])
        size += len(sample[-1])
        if size >= tokenization.sample_bytes:
            break
    return BPETokenizer.train(b"".join(sample).splitlines(keepends=True), tokenization.vocab_size)


def _encode_split(text, names: tuple[str, ...], tokenizer, out: Path, scratch: Path) -> None:
    """Encode the shards ``names`` (in whatever order they are stored) and write their tokens
    concatenated in the order of ``names`` to ``out`` (.npy)."""
    lengths = {}
    for name, content in text.read(names):
        ids = tokenizer.encode(content)
        np.save(scratch / f"{len(lengths)}.npy", ids)
        lengths[name] = (len(lengths), len(ids))
    dtype = token_dtype(tokenizer.vocab_size)
    total = sum(n for _, n in lengths.values())
    stream = np.lib.format.open_memmap(out, mode="w+", dtype=dtype, shape=(total,))
    position = 0
    for name in names:
        index, length = lengths[name]
        part = scratch / f"{index}.npy"
        stream[position : position + length] = np.load(part)
        part.unlink()
        position += length
    stream.flush()
    del stream


def _build(directory: Path, text, tokenization: Tokenization) -> None:
    directory.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    try:
        tokenizer = _learn(text, tokenization)
        (building / "tokenizer.json").write_text(tokenizer.to_json())
        scratch = building / "parts"
        scratch.mkdir()
        for split in SPLITS:
            _encode_split(text, text.names[split], tokenizer, building / f"{split}.npy", scratch)
        scratch.rmdir()
        try:
            os.replace(building, directory)  # atomic; fails if another process got there first
        except OSError:
            if not (directory / "tokenizer.json").is_file():
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)


def corpus_directory(dataset: str, identity: object, tokenization: Tokenization) -> Path:
    """Where the token cache of ``dataset`` with this ``identity`` and tokenisation lives."""
    key = json.dumps([identity, asdict(tokenization)], sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_root() / "tokens" / f"{dataset}-{digest}"


@functools.lru_cache(maxsize=4)
def _open(directory: Path) -> TokenCorpus:
    damaged = "is a damaged token cache ({}); delete its folder to build it again"
    try:
        tokenizer = tokenizer_from_json((directory / "tokenizer.json").read_text())
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataFormatError(directory / "tokenizer.json", damaged.format(error)) from None
    streams = {}
    for split in SPLITS:
        try:
            streams[split] = np.load(directory / f"{split}.npy", mmap_mode="r")
        except (OSError, ValueError, EOFError) as error:
            raise DataFormatError(directory / f"{split}.npy", damaged.format(error)) from None
    for split, stream in streams.items():
        if len(stream) < 2:
            raise DataFormatError(directory / f"{split}.npy", f"the {split} split has no text")
    return TokenCorpus(
        tokenizer, streams["train"], np.array(streams["validation"]), np.array(streams["test"])
    )


def load_token_corpus(
    dataset: str = "lm1b",
    path: Path | str | None = None,
    tokenization: Tokenization = Tokenization(),
    validation: float = 0.05,
    test: float = 0.05,
) -> TokenCorpus:
    """The token streams of ``dataset`` (LM1B, or any text dataset), or of the UTF-8 file at
    ``path``; built and cached on first use (see the module). ``validation`` and ``test`` are
    the fractions of a plain text held out; LM1B's splits are fixed."""
    is_file = path is not None and Path(path).is_file()
    lm1b = not is_file and get_source(dataset).format == "lm1b"
    files = {"text": Path(path)} if is_file else locate(dataset, path)
    identity = stamp(files) if lm1b else (stamp(files), validation, test)
    directory = corpus_directory(dataset, identity, tokenization)
    if not (directory / "tokenizer.json").is_file():
        if lm1b:
            text = Lm1bShards(next(iter(files.values())))
            text.check()
        else:
            text = _PlainText(load_text(dataset, path), validation, test)
        _build(directory, text, tokenization)
    return _open(directory)


register_reader("lm1b", Lm1bShards)
