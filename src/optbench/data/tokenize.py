"""Tokenisers for language modelling, in plain Python and numpy: bytes, and byte-level BPE.

- **bytes**: each UTF-8 byte is a token (vocabulary 256). Nothing to learn; lossless.
- **byte-level BPE** (Sennrich et al. 2016 on bytes, as GPT-2, Radford et al. 2019): the text
  is cut into chunks — a word with at most one leading space, or whitespace that does not
  touch the next word (GPT-2's rule, ``" ?\\S+|\\s+(?!\\S)|\\s+"``) — and each chunk's
  bytes are merged pairwise by a learned list of merges. Merge k creates token 256 + k from
  the two tokens it joins; the vocabulary is 256 + len(merges).
  Training repeatedly merges the most frequent adjacent pair over the chunk counts (ties: the
  smallest pair of ids), updating counts incrementally; encoding applies the merges in order
  of rank. Merges never cross chunks, so ``decode(encode(text)) == text`` for any text.
"""

from __future__ import annotations

import heapq
import json
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from optbench.errors import InvalidParameterError

CHUNK = re.compile(rb" ?[^\s]+|\s+(?!\S)|\s+")
_NEVER = 1 << 62  # the rank of a pair that no merge joins


def chunks(data: bytes) -> list[bytes]:
    """``data`` cut into BPE chunks; ``b"".join(chunks(data)) == data``."""
    return CHUNK.findall(data)


def token_dtype(vocab_size: int) -> np.dtype:
    """The smallest unsigned dtype that holds ids below ``vocab_size``."""
    return np.dtype(np.uint16 if vocab_size <= 1 << 16 else np.uint32)


class ByteTokenizer:
    """One token per UTF-8 byte."""

    vocab_size = 256

    def encode(self, data: bytes) -> np.ndarray:
        """The bytes of ``data`` as token ids (uint16)."""
        return np.frombuffer(data, np.uint8).astype(np.uint16)

    def decode(self, ids: Iterable[int]) -> bytes:
        """The bytes that ``ids`` stand for."""
        return bytes(int(i) for i in ids)

    def to_json(self) -> str:
        return json.dumps({"kind": "bytes"})


@dataclass
class BPETokenizer:
    """Byte-level BPE with the given ``merges`` (pairs of token ids, in rank order)."""

    merges: list[tuple[int, int]]
    _ranks: dict[tuple[int, int], int] = field(init=False, repr=False)
    _cache: dict[bytes, list[int]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.merges = [tuple(pair) for pair in self.merges]
        self._ranks = {pair: rank for rank, pair in enumerate(self.merges)}
        self._cache = {}

    @property
    def vocab_size(self) -> int:
        return 256 + len(self.merges)

    @classmethod
    def train(cls, data: Iterable[bytes], vocab_size: int) -> BPETokenizer:
        """Learn ``vocab_size - 256`` merges from the chunks of ``data`` (an iterable of byte
        strings, e.g. lines). Stops early when no pair occurs twice."""
        if not isinstance(vocab_size, int) or vocab_size < 257:
            raise InvalidParameterError("vocab_size", vocab_size, "an integer above 256")
        counts: Counter[bytes] = Counter()
        for piece in data:
            counts.update(chunks(piece))
        words = [list(chunk) for chunk in counts]
        weights = list(counts.values())
        pairs: Counter[tuple[int, int]] = Counter()
        where: dict[tuple[int, int], set[int]] = defaultdict(set)
        for index, (word, weight) in enumerate(zip(words, weights, strict=True)):
            for pair in zip(word, word[1:], strict=False):
                pairs[pair] += weight
                where[pair].add(index)
        heap = [(-count, pair) for pair, count in pairs.items()]
        heapq.heapify(heap)
        merges: list[tuple[int, int]] = []
        while len(merges) < vocab_size - 256 and heap:
            negative, pair = heapq.heappop(heap)
            if pairs.get(pair, 0) != -negative:
                continue  # a stale entry: the count changed since it was pushed
            if -negative < 2:
                break
            new = 256 + len(merges)
            merges.append(pair)
            changed: set[tuple[int, int]] = set()
            for index in where.pop(pair):
                word, weight = words[index], weights[index]
                for old in zip(word, word[1:], strict=False):
                    pairs[old] -= weight
                    changed.add(old)
                words[index] = word = _merge(word, pair, new)
                for fresh in zip(word, word[1:], strict=False):
                    pairs[fresh] += weight
                    where[fresh].add(index)
                    changed.add(fresh)
            pairs.pop(pair, None)
            for other in changed - {pair}:
                if pairs[other] > 0:
                    heapq.heappush(heap, (-pairs[other], other))
        return cls(merges)

    def encode_chunk(self, chunk: bytes) -> list[int]:
        """The ids of one chunk: apply merges by rank until none applies (cached)."""
        ids = self._cache.get(chunk)
        if ids is None:
            ids = list(chunk)
            while len(ids) > 1:
                pairs = zip(ids, ids[1:], strict=False)
                rank, pair = min((self._ranks.get(p, _NEVER), p) for p in pairs)
                if rank == _NEVER:
                    break
                ids = _merge(ids, pair, 256 + rank)
            self._cache[chunk] = ids
        return ids

    def encode(self, data: bytes) -> np.ndarray:
        """The token ids of ``data`` (4 bytes of memory per token while encoding)."""
        out = array("I")
        for match in CHUNK.finditer(data):
            out.extend(self.encode_chunk(match.group()))
        return np.frombuffer(out, np.uint32).astype(token_dtype(self.vocab_size))

    def decode(self, ids: Iterable[int]) -> bytes:
        """The bytes that ``ids`` stand for."""
        pieces = [bytes([i]) for i in range(256)]
        for a, b in self.merges:
            pieces.append(pieces[a] + pieces[b])
        return b"".join(pieces[int(i)] for i in ids)

    def to_json(self) -> str:
        return json.dumps({"kind": "bpe", "merges": self.merges})


def _merge(word: list[int], pair: tuple[int, int], new: int) -> list[int]:
    """``word`` with each non-overlapping occurrence of ``pair``, left to right, made ``new``."""
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
            out.append(new)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return out


def tokenizer_from_json(text: str) -> ByteTokenizer | BPETokenizer:
    """The tokenizer that ``to_json`` wrote."""
    spec = json.loads(text)
    return ByteTokenizer() if spec["kind"] == "bytes" else BPETokenizer(spec["merges"])
