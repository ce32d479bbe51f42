"""Tokenisers (bytes, byte-level BPE) and cached token corpora from LM1B's layout (folder
and archive) and from a plain text."""

from __future__ import annotations

import io
import tarfile

import numpy as np
import pytest

from optbench.data import (
    DataFormatError,
    DataNotFoundError,
    Tokenization,
    load_token_corpus,
    locate,
)
from optbench.data import corpus as corpus_module
from optbench.data.sources import LM1B_HELDOUT, LM1B_TRAIN
from optbench.data.synthetic import write_lm1b
from optbench.data.tokenize import BPETokenizer, ByteTokenizer, chunks, tokenizer_from_json
from optbench.errors import InvalidParameterError

BPE = Tokenization("bpe", vocab_size=300, sample_bytes=1 << 20)


@pytest.fixture(autouse=True)
def cache(tmp_path_factory, monkeypatch):
    """Token caches in one temporary folder for this module."""
    root = tmp_path_factory.getbasetemp() / "token-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
    monkeypatch.delenv("OPTBENCH_DATA", raising=False)
    return root / "optbench" / "tokens"


@pytest.fixture(scope="module")
def lm1b(tmp_path_factory):
    return write_lm1b(tmp_path_factory.mktemp("lm1b"), train_shards=2, sentences=300)


def test_chunks_are_words_with_one_leading_space_or_the_whitespace_before_it():
    text = b"Hello  world.\n\nOk"
    assert chunks(text) == [b"Hello", b" ", b" world.", b"\n", b"\n", b"Ok"]
    assert b"".join(chunks(text)) == text


def test_bpe_merges_the_most_frequent_pair_first_and_round_trips():
    tokenizer = BPETokenizer.train([b"abab abab ab"], vocab_size=259)
    # pairs: (a,b) x5, (b,a) x2, (' ',a) x2 -> merge (a,b) -> 256; then (256, 256) x2 and
    # (' ', 256) x2 tie: the smaller pair of ids, (32, 256), wins -> 257
    assert tokenizer.merges[:2] == [(97, 98), (32, 256)]
    assert tokenizer.encode(b"ab").tolist() == [256]
    text = "Ça abab, ünïcode! \n".encode()
    assert tokenizer.decode(tokenizer.encode(text)) == text
    again = tokenizer_from_json(tokenizer.to_json())
    assert again.encode(text).tolist() == tokenizer.encode(text).tolist()


def test_bpe_stops_when_no_pair_repeats_and_refuses_tiny_vocabularies():
    assert BPETokenizer.train([b"abc"], vocab_size=1000).merges == []
    with pytest.raises(InvalidParameterError, match="vocab_size=256"):
        BPETokenizer.train([b"x"], vocab_size=256)


def test_byte_tokens_are_the_utf8_bytes():
    tokenizer = ByteTokenizer()
    assert tokenizer.encode("é!".encode()).tolist() == [0xC3, 0xA9, 0x21]
    assert tokenizer.decode([0xC3, 0xA9]) == "é".encode()


def shard(folder, name) -> bytes:
    return (folder / name).read_bytes()


def test_lm1b_splits_are_the_shards_in_order_and_the_two_heldout_shards(lm1b):
    corpus = load_token_corpus("lm1b", lm1b, Tokenization("bytes"))
    decode = corpus.tokenizer.decode
    assert decode(corpus.train) == shard(lm1b, LM1B_TRAIN.format(1)) + shard(
        lm1b, LM1B_TRAIN.format(2)
    )
    assert decode(corpus.validation) == shard(lm1b, LM1B_HELDOUT.format(1))
    assert decode(corpus.test) == shard(lm1b, LM1B_HELDOUT.format(0))


def test_lm1b_archive_gives_the_same_tokens_as_its_folder(tmp_path):
    folder = write_lm1b(tmp_path / "unpacked", train_shards=99, sentences=3)
    archive = tmp_path / "packed" / f"{folder.name}.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(folder.rglob("*"), reverse=True):  # stored out of order
            if path.is_file():
                content = path.read_bytes()
                info = tarfile.TarInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}")
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    assert locate("lm1b", archive.parent) == {archive.name: archive}
    from_folder = load_token_corpus("lm1b", folder, BPE)
    from_archive = load_token_corpus("lm1b", archive.parent, BPE)
    assert from_archive.tokenizer.merges == from_folder.tokenizer.merges
    for split in ("train", "validation", "test"):
        assert np.array_equal(getattr(from_archive, split), getattr(from_folder, split))


def test_an_archive_without_the_official_shards_names_what_it_lacks(tmp_path):
    folder = write_lm1b(tmp_path / "unpacked", train_shards=2, sentences=3)
    archive = tmp_path / "packed" / f"{folder.name}.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=folder.name)
    with pytest.raises(DataFormatError) as caught:
        load_token_corpus("lm1b", archive.parent, BPE)
    assert str(caught.value) == (
        f"{archive}: has no training-monolingual.tokenized.shuffled/news.en-00003-of-00100, "
        "training-monolingual.tokenized.shuffled/news.en-00004-of-00100, "
        "training-monolingual.tokenized.shuffled/news.en-00005-of-00100 and 94 more"
    )


def test_the_vocabulary_is_learned_from_the_training_split_only(tmp_path):
    text = ("the cat sat on the mat. " * 400) + ("zyzzyva " * 200)
    path = tmp_path / "book.txt"
    path.write_text(text)
    corpus = load_token_corpus("war_and_peace", path, BPE, validation=0.1, test=0.1)
    merged = {corpus.tokenizer.decode([256 + k]) for k in range(len(corpus.tokenizer.merges))}
    assert b" the" in merged and not any(b"z" in piece for piece in merged)
    data = text.encode()
    cuts = [round(len(data) * 0.8), round(len(data) * 0.9)]
    assert corpus.tokenizer.decode(corpus.train) == data[: cuts[0]]
    assert corpus.tokenizer.decode(corpus.validation) == data[cuts[0] : cuts[1]]
    assert corpus.tokenizer.decode(corpus.test) == data[cuts[1] :]


def test_the_cache_is_built_once_atomically_and_reused(lm1b, cache, monkeypatch):
    tokenization = Tokenization("bpe", vocab_size=280, sample_bytes=4096)
    first = load_token_corpus("lm1b", lm1b, tokenization)
    built = [p for p in cache.iterdir() if p.name.startswith("lm1b-")]
    assert all((p / "tokenizer.json").is_file() for p in built)
    assert not [p for p in cache.iterdir() if p.name.startswith(".")]  # no temporary left

    def fail(*args):
        raise AssertionError("rebuilt")

    monkeypatch.setattr(corpus_module, "_build", fail)
    corpus_module._open.cache_clear()
    again = load_token_corpus("lm1b", lm1b, tokenization)
    assert np.array_equal(again.train, first.train) and len(first.tokenizer.merges) == 24


def test_missing_lm1b_names_the_archive_and_the_fetch_command(tmp_path):
    (tmp_path / "given").mkdir()
    with pytest.raises(DataNotFoundError) as caught:
        load_token_corpus("lm1b", tmp_path / "given", BPE)
    assert "or its folder 1-billion-word-language-modeling-benchmark-r13output/" in str(
        caught.value
    )
    assert "optbench data fetch lm1b" in str(caught.value)


def test_tokenization_arguments_are_checked():
    with pytest.raises(InvalidParameterError, match="kind='words'"):
        Tokenization("words")
    with pytest.raises(InvalidParameterError, match="vocab_size=100"):
        Tokenization("bpe", vocab_size=100)
