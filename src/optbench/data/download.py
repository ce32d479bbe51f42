"""``optbench data fetch``: download a dataset from its official source, verified and atomic.

Each file is streamed into a temporary file beside its destination while its SHA-256 is
computed; only a complete file whose checksum matches the pinned one is renamed into place
(``os.replace``, atomic on POSIX), so no reader ever finds a partial or corrupt file. A
dropped connection, a short body or a wrong checksum deletes the temporary file and raises
:class:`DownloadError`.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import urllib.request
import zlib
from http.client import HTTPException
from pathlib import Path

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from optbench.data.discovery import cache_root
from optbench.data.sources import DatasetSource, RemoteFile, get_source

CHUNK = 1 << 16


class DownloadError(OSError):
    """A download that failed or did not verify; nothing was written to the cache."""


def sha256_of(path: Path, *, decompress: bool = False) -> str:
    """The SHA-256 of a file, or of its gzip-decompressed content."""
    digest = hashlib.sha256()
    opener = gzip.open if decompress else open
    with opener(path, "rb") as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, remote: RemoteFile) -> str | None:
    """None when ``path`` is a genuine copy of ``remote``, else what is wrong with it."""
    actual = sha256_of(path)
    if remote.sha256 is not None and actual == remote.sha256:
        return None
    if remote.content_sha256 is not None and remote.name.endswith(".gz"):
        try:
            if sha256_of(path, decompress=True) == remote.content_sha256:
                return None
        except (OSError, EOFError, zlib.error):
            pass
    if remote.sha256 is not None or remote.content_sha256 is not None:
        return f"SHA-256 {actual} does not match the pinned {remote.sha256}"
    if path.stat().st_size < remote.min_size:
        return f"{path.stat().st_size} bytes, expected at least {remote.min_size}"
    head = path.read_bytes()[: 1 << 16].decode("utf-8", errors="replace")
    if remote.must_contain and remote.must_contain.lower() not in head.lower():
        return f"does not contain {remote.must_contain!r} near its start"
    return None


def _stream(url: str, out, name: str, progress: Progress | None, timeout: float) -> int:
    """Copy ``url`` into the open file ``out``; the number of bytes received."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length is not None else None
        task = progress.add_task(name, total=total) if progress else None
        received = 0
        while block := response.read(CHUNK):
            out.write(block)
            received += len(block)
            if progress is not None:
                progress.update(task, advance=len(block))
    if total is not None and received != total:
        raise DownloadError(f"{url}: connection dropped after {received} of {total} bytes")
    return received


def fetch_file(
    remote: RemoteFile,
    directory: Path,
    *,
    url: str | None = None,
    progress: Progress | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download ``remote`` into ``directory`` unless a verified copy is already there."""
    destination = directory / remote.name
    if destination.is_file() and verify(destination, remote) is None:
        return destination
    directory.mkdir(parents=True, exist_ok=True)
    url = url or remote.url
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{remote.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            _stream(url, out, remote.name, progress, timeout)
            out.flush()
            os.fsync(out.fileno())
        problem = verify(Path(temporary), remote)
        if problem is not None:
            raise DownloadError(f"{url}: refused, {problem}")
        os.chmod(temporary, 0o644)  # mkstemp creates 0600; a cache is for every reader
        os.replace(temporary, destination)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, (OSError, HTTPException)) and not isinstance(error, DownloadError):
            raise DownloadError(f"{url}: {error}") from error
        raise
    if remote.sha256 is None and progress is not None:
        progress.console.print(
            f"{remote.name}: no pinned checksum (checked by content); "
            f"received SHA-256 {sha256_of(destination)}"
        )
    return destination


def fetch(
    name: str | DatasetSource,
    root: Path | str | None = None,
    *,
    mirror: str | None = None,
    progress: bool = True,
) -> Path:
    """Download dataset ``name`` into ``root/<name>`` (default: the cache); its directory.

    ``mirror`` replaces each official URL's directory by another base URL serving the same
    file names; what it serves is verified against the same pinned checksums. A dataset that
    cannot be downloaded (ImageNet) raises :class:`DownloadError` saying where to put it.
    """
    source = get_source(name) if isinstance(name, str) else name
    if any(remote.url is None for remote in source.files):
        raise DownloadError(source.manual or f"{source.title} has no download URL")
    directory = Path(root or cache_root()).expanduser() / source.name
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Progress(*columns, disable=not progress) as bar:
        for remote in source.files:
            url = f"{mirror.rstrip('/')}/{remote.name}" if mirror else None
            fetch_file(remote, directory, url=url, progress=bar)
    return directory
