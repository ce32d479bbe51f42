"""Fetching from a local HTTP server: verified, atomic, bounded in time, nothing cached on
failure, a timeout or a signal."""

from __future__ import annotations

import gzip
import hashlib
import signal
import stat
import subprocess
import sys
import time

import pytest

from optbench.cli import main
from optbench.data import (
    DatasetSource,
    DownloadError,
    RemoteFile,
    fetch,
    get_source,
    register_source,
)
from optbench.data.download import Limits
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


# -- a server that never finishes: the stall timeout and the deadline --------------------------


def fetch_timed(toy, tmp_path, **limits) -> tuple[str, float]:
    """Fetch ``toy`` expecting a DownloadError: its message and the seconds it took."""
    start = time.perf_counter()
    with pytest.raises(DownloadError) as caught:
        fetch(toy, tmp_path, progress=False, **limits)
    return str(caught.value), time.perf_counter() - start


def test_a_server_that_sends_nothing_is_left_after_the_stall_timeout(server, tmp_path):
    server.files = {"a.bin": (GOOD, "silent")}
    toy = source(server, [remote(server, "a.bin", GOOD)])
    message, elapsed = fetch_timed(toy, tmp_path, timeout=0.5, deadline=20)
    assert message == (
        f"{server.url}/a.bin: gave up after 0 of {len(GOOD)} bytes: "
        "no data for 0.5 s (the stall timeout)"
    )
    assert 0.5 <= elapsed < 3
    assert list((tmp_path / "toy").iterdir()) == []


def test_a_byte_now_and_then_does_not_outlast_the_deadline(server, tmp_path):
    server.files = {"a.bin": (GOOD, "trickle")}  # a byte every 0.25 s
    toy = source(server, [remote(server, "a.bin", GOOD)])
    message, elapsed = fetch_timed(toy, tmp_path, timeout=1, deadline=1.5)
    received = int(message.split("gave up after ")[1].split(" ")[0])
    assert message == (
        f"{server.url}/a.bin: gave up after {received} of {len(GOOD)} bytes: "
        "the deadline of 1.5 s"
    )
    assert 2 <= received <= 7  # some bytes came, each in time for the stall timeout
    assert 1.5 <= elapsed < 3.5
    assert list((tmp_path / "toy").iterdir()) == []


def test_headers_sent_a_byte_at_a_time_do_not_outlast_the_deadline(server, tmp_path):
    server.files = {"a.bin": (GOOD, "slow-headers")}
    toy = source(server, [remote(server, "a.bin", GOOD)])
    message, elapsed = fetch_timed(toy, tmp_path, timeout=1, deadline=1.5)
    assert message == f"{server.url}/a.bin: gave up after 0 bytes: the deadline of 1.5 s"
    assert 1.5 <= elapsed < 3.5
    assert list((tmp_path / "toy").iterdir()) == []


def test_the_default_deadline_is_half_an_hour_or_the_size_at_256_kib_per_second():
    assert Limits().stall == 30
    assert Limits().deadline_for(get_source("mnist").files[0]) == 1800  # 9.9 MB
    lm1b = get_source("lm1b").files[0]
    assert Limits().deadline_for(lm1b) == pytest.approx(1_792_209_805 / 262_144)  # 1.9 hours
    assert Limits(deadline=5).deadline_for(lm1b) == 5


@pytest.mark.parametrize(
    "flags, expected",
    [
        (["--timeout", "0"], "timeout=0.0 is invalid: expected a number of seconds in (0, 604800]"),
        (["--deadline", "nan"], "deadline=nan is invalid"),
        (["--deadline", "1e300"], "deadline=1e+300 is invalid"),
        (["--timeout", "soon"], "timeout='soon' is invalid"),
    ],
)
def test_limits_out_of_range_are_refused_before_any_download(
    server, tmp_path, capsys, flags, expected
):
    assert main(["data", "fetch", "mnist", "--root", str(tmp_path), "--mirror", server.url,
                 *flags]) == 2  # fmt: skip
    error = capsys.readouterr().err
    assert error.startswith(f"optbench: error: {expected}") and error.count("\n") == 1
    assert server.hits == {} and not (tmp_path / "mnist").exists()


def test_cli_timeout_flag_gives_one_line_and_keeps_nothing(server, tmp_path, capsys):
    server.files = {"a.bin": (GOOD, "silent")}
    register_source(source(server, [remote(server, "a.bin", GOOD)]))
    try:
        args = ["data", "fetch", "toy", "--root", str(tmp_path), "--quiet", "--timeout", "0.5"]
        assert main(args) == 2
    finally:
        SOURCES.pop("toy", None)
    error = capsys.readouterr().err
    assert error == (
        f"optbench: error: {server.url}/a.bin: gave up after 0 of {len(GOOD)} bytes: "
        "no data for 0.5 s (the stall timeout)\n"
    )
    assert list((tmp_path / "toy").iterdir()) == []


@pytest.mark.parametrize(
    "signal_number, status, said",
    [
        (signal.SIGTERM, 143, ""),
        (signal.SIGHUP, 129, ""),
        (signal.SIGINT, 130, "interrupted: the file being downloaded was not kept\n"),
    ],
)
def test_a_download_stopped_by_a_signal_leaves_no_partial_file(
    server, tmp_path, signal_number, status, said
):
    """A real ``optbench data fetch`` process, stopped by SIGTERM, SIGHUP or Ctrl-C (SIGINT)
    while its first file trickles in: it ends without a traceback and leaves nothing behind."""
    server.files = {"train-images-idx3-ubyte.gz": (GOOD, "trickle")}
    command = [sys.executable, "-m", "optbench.cli", "data", "fetch", "mnist", "--root",
               str(tmp_path), "--mirror", server.url, "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    folder = tmp_path / "mnist"
    try:
        give_up = time.monotonic() + 120
        while not (server.hits["train-images-idx3-ubyte.gz"] and list(folder.glob(".*.part"))):
            assert process.poll() is None, "the fetch ended before its download began"
            assert time.monotonic() < give_up, "the download did not begin within 120 s"
            time.sleep(0.05)
        time.sleep(0.3)  # a byte or two received
        process.send_signal(signal_number)
        _, error = process.communicate(timeout=30)
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == status, error
    assert error == said
    assert list(folder.iterdir()) == []
