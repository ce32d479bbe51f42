"""Fetching from a local HTTP server: verified, atomic, nothing cached on failure."""

from __future__ import annotations

import gzip
import hashlib
import stat

import pytest

from optbench.cli import main
from optbench.data import DatasetSource, DownloadError, RemoteFile, fetch, register_source
from optbench.data.sources import SOURCES

GOOD = b"IDX-like payload " * 1000
TEXT = ("Title: WAR AND PEACE\n" + "Well, Prince, so Genoa and Lucca... " * 200).encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source(server, files) -> DatasetSource:
    return DatasetSource(
        name="toy",
        title="Toy",
        format="idx",
        homepage=server.url,
        licence="none",
        files=tuple(files),
    )


def remote(server, name, data, **kw) -> RemoteFile:
    return RemoteFile(name, f"{server.url}/{name}", sha256=kw.pop("sha256", sha(data)), **kw)


def test_fetch_writes_verified_files_and_nothing_else(server, tmp_path):
    other = gzip.compress(b"second file", mtime=0)
    server.files = {"a.bin": (GOOD, "ok"), "b.gz": (other, "ok")}
    toy = source(server, [remote(server, "a.bin", GOOD), remote(server, "b.gz", other)])
    directory = fetch(toy, tmp_path, progress=False)
    assert directory == tmp_path / "toy"
    assert sorted(p.name for p in directory.iterdir()) == ["a.bin", "b.gz"]
    assert (directory / "a.bin").read_bytes() == GOOD
    assert stat.S_IMODE((directory / "a.bin").stat().st_mode) == 0o644


def test_corrupt_file_is_refused_and_nothing_is_cached(server, tmp_path):
    server.files = {"a.bin": (GOOD[:-1] + b"X", "ok")}
    toy = source(server, [remote(server, "a.bin", GOOD)])
    with pytest.raises(
        DownloadError, match=f"refused, SHA-256 .* does not match the pinned {sha(GOOD)}"
    ):
        fetch(toy, tmp_path, progress=False)
    assert list((tmp_path / "toy").iterdir()) == []


def test_dropped_connection_caches_nothing(server, tmp_path):
    server.files = {"a.bin": (GOOD, "drop")}
    toy = source(server, [remote(server, "a.bin", GOOD)])
    with pytest.raises(
        DownloadError, match=f"connection dropped after {len(GOOD) // 2} of {len(GOOD)} bytes"
    ):
        fetch(toy, tmp_path, progress=False)
    assert list((tmp_path / "toy").iterdir()) == []


def test_http_error_is_a_download_error(server, tmp_path):
    toy = source(server, [remote(server, "absent.bin", GOOD)])
    with pytest.raises(DownloadError, match="404"):
        fetch(toy, tmp_path, progress=False)
    assert list((tmp_path / "toy").iterdir()) == []


def test_verified_copy_is_not_downloaded_again_but_a_corrupt_one_is(server, tmp_path):
    server.files = {"a.bin": (GOOD, "ok")}
    toy = source(server, [remote(server, "a.bin", GOOD)])
    fetch(toy, tmp_path, progress=False)
    fetch(toy, tmp_path, progress=False)
    assert server.hits["a.bin"] == 1
    (tmp_path / "toy" / "a.bin").write_bytes(b"damaged")
    fetch(toy, tmp_path, progress=False)
    assert server.hits["a.bin"] == 2
    assert (tmp_path / "toy" / "a.bin").read_bytes() == GOOD


def test_recompressed_copy_is_accepted_by_its_content_checksum(server, tmp_path):
    official = gzip.compress(GOOD, mtime=1)
    recompressed = gzip.compress(GOOD, compresslevel=1, mtime=2)
    assert sha(official) != sha(recompressed)
    server.files = {"a.gz": (recompressed, "ok")}
    pinned = remote(server, "a.gz", official, content_sha256=sha(GOOD))
    fetch(source(server, [pinned]), tmp_path, progress=False)
    assert gzip.decompress((tmp_path / "toy" / "a.gz").read_bytes()) == GOOD
    server.files = {"a.gz": (gzip.compress(GOOD + b"!"), "ok")}
    with pytest.raises(DownloadError, match="refused"):
        fetch(source(server, [pinned]), tmp_path / "other", progress=False)


def test_unpinned_text_is_checked_by_content(server, tmp_path):
    server.files = {"book.txt": (TEXT, "ok"), "wrong.txt": (b"x" * len(TEXT), "ok")}
    book = remote(
        server, "book.txt", TEXT, sha256=None, must_contain="war and peace", min_size=1000
    )
    fetch(source(server, [book]), tmp_path, progress=False)
    assert (tmp_path / "toy" / "book.txt").read_bytes() == TEXT
    wrong = remote(server, "wrong.txt", TEXT, sha256=None, must_contain="war and peace")
    with pytest.raises(DownloadError, match="does not contain 'war and peace'"):
        fetch(source(server, [wrong]), tmp_path, progress=False)
    short = remote(server, "book.txt", TEXT, sha256=None, min_size=10**6)
    with pytest.raises(DownloadError, match=f"{len(TEXT)} bytes, expected at least 1000000"):
        fetch(source(server, [short]), tmp_path / "short", progress=False)


def test_mirror_replaces_the_official_base_url(server, tmp_path):
    server.files = {"a.bin": (GOOD, "ok")}
    elsewhere = RemoteFile("a.bin", "https://unreachable.invalid/a.bin", sha256=sha(GOOD))
    fetch(source(server, [elsewhere]), tmp_path, mirror=server.url + "/", progress=False)
    assert server.hits["a.bin"] == 1


def test_cli_fetch_and_its_errors(server, tmp_path, capsys):
    server.files = {"a.bin": (GOOD, "ok"), "c.bin": (b"bad", "ok")}
    register_source(source(server, [remote(server, "a.bin", GOOD)]))
    try:
        assert main(["data", "fetch", "toy", "--root", str(tmp_path), "--quiet"]) == 0
        assert f"toy: verified, in {tmp_path / 'toy'}" in capsys.readouterr().out
        bad = source(server, [remote(server, "c.bin", GOOD)])
        register_source(bad, replace=True)
        assert main(["data", "fetch", "toy", "--root", str(tmp_path / "x"), "--quiet"]) == 2
        error = capsys.readouterr().err
        assert error.startswith("optbench: error: ") and "refused" in error
        assert "Traceback" not in error
    finally:
        SOURCES.pop("toy", None)
