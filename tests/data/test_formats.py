"""IDX and text readers: exact values, both encodings, and clear errors on damaged files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from optbench.data import DataFormatError, read_idx, read_text, strip_gutenberg, write_idx
from optbench.data.formats import parse_idx


def test_parse_idx_reads_a_hand_written_header_and_values():
    data = bytes([0, 0, 0x08, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big")
    data += bytes(range(6))
    array = parse_idx(data)
    assert array.shape == (2, 3)
    assert array.dtype == np.uint8
    assert array.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_parse_idx_reads_big_endian_int32():
    data = bytes([0, 0, 0x0C, 1]) + (2).to_bytes(4, "big") + (258).to_bytes(4, "big")
    data += (-7).to_bytes(4, "big", signed=True)
    assert parse_idx(data).tolist() == [258, -7]


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_idx_round_trip_raw_and_gzip(tmp_path, name):
    images = np.random.default_rng(0).integers(0, 256, size=(5, 4, 3), dtype=np.uint8)
    write_idx(tmp_path / name, images)
    assert np.array_equal(read_idx(tmp_path / name), images)
    is_gzip = (tmp_path / name).read_bytes()[:2] == b"\x1f\x8b"
    assert is_gzip == name.endswith(".gz")


def test_truncated_idx_names_the_file_and_the_sizes(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    write_idx(path, np.arange(10, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(DataFormatError, match=r"labels-idx1-ubyte: IDX shape \(10,\) needs 18"):
        read_idx(path)


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    path.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(DataFormatError, match="not an IDX file"):
        read_idx(path)


def test_corrupt_gzip_is_a_format_error_not_a_zlib_traceback(tmp_path):
    path = tmp_path / "x-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00" * 100)[:20])
    with pytest.raises(DataFormatError, match="cannot be read"):
        read_idx(path)


def test_read_text_decodes_utf8_and_gzip(tmp_path):
    text = "Наташа said: «Ça va?»\n"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(text.encode("utf-8")))
    assert read_text(tmp_path / "a.txt") == text
    assert read_text(tmp_path / "a.txt.gz") == text


def test_read_text_refuses_other_encodings(tmp_path):
    (tmp_path / "latin.txt").write_bytes("Ça va".encode("latin-1"))
    with pytest.raises(DataFormatError, match="latin.txt: is not UTF-8"):
        read_text(tmp_path / "latin.txt")


def test_strip_gutenberg_keeps_only_the_body():
    book = (
        "The Project Gutenberg eBook of War and Peace\nlicence...\n"
        "*** START OF THE PROJECT GUTENBERG EBOOK WAR AND PEACE ***\n\nBODY line\n\n"
        "*** END OF THE PROJECT GUTENBERG EBOOK WAR AND PEACE ***\nmore licence\n"
    )
    assert strip_gutenberg(book) == "BODY line\n"
    assert strip_gutenberg("plain text") == "plain text"


def test_a_gzip_file_that_inflates_beyond_the_limit_is_refused_before_it_is_read(tmp_path):
    from optbench.data.formats import read_bytes

    bomb = tmp_path / "train-images-idx3-ubyte.gz"
    with gzip.open(bomb, "wb") as stream:
        for _ in range(64):
            stream.write(bytes(1 << 20))  # 64 MB of zeros, about 64 KB compressed
    assert bomb.stat().st_size < 200_000
    with pytest.raises(DataFormatError, match=r"holds more than 1000000 bytes"):
        read_bytes(bomb, limit=1_000_000)
    assert len(read_bytes(bomb, limit=1 << 27)) == 64 << 20
