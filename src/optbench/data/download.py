"""``optbench data fetch``: download a dataset from its official source, verified and atomic.

Each file is streamed into a temporary file beside its destination while its SHA-256 is
computed; only a complete file whose checksum matches the pinned one is renamed into place
(``os.replace``, atomic on POSIX), so no reader ever finds a partial or corrupt file. A
dropped connection, a short body or a wrong checksum deletes the temporary file and raises
:class:`DownloadError`.

No server can hold a download forever: it gives up when no byte comes for a stall timeout
(30 s; the socket's timeout, which bounds the connection, the headers and every read) and
when one file is not complete by its deadline (30 minutes, or longer for a file whose
expected size needs longer at 256 KiB/s: a timer shuts the connection, which ends a read
however slowly the bytes come). Either raises :class:`DownloadError` with the URL, the bytes
received and the limit. The temporary file is removed on every way out: an error, a limit,
Ctrl-C (KeyboardInterrupt), and SIGTERM or SIGHUP, which during a download raise SystemExit
(status 143 or 129) instead of ending the process without cleanup.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.client
import os
import signal
import socket
import tempfile
import threading
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from optbench.data.discovery import cache_root
from optbench.data.sources import DatasetSource, RemoteFile, get_source
from optbench.errors import InvalidParameterError, is_finite

CHUNK = 1 << 16
#: Seconds without a byte after which a download gives up (``optbench data fetch --timeout``).
STALL_TIMEOUT = 30.0
#: Seconds one file's download may take in all (``--deadline``), unless it is so large that
#: receiving it at :data:`MIN_RATE` takes longer.
DEADLINE = 30 * 60.0
#: Bytes per second: a large file's default deadline is its expected size at this rate.
MIN_RATE = 256 * 1024
#: The longest stall timeout or deadline that may be given: a week.
MAX_SECONDS = 7 * 24 * 3600.0


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


@dataclass(frozen=True)
class Limits:
    """How long one file's download may take: ``stall`` seconds without receiving a byte (the
    connection and the response headers included), and ``deadline`` seconds in all (None:
    :data:`DEADLINE`, or for a file so large that it needs longer, its expected size at
    :data:`MIN_RATE`)."""

    stall: float = STALL_TIMEOUT
    deadline: float | None = None

    def __post_init__(self) -> None:
        for parameter, value in (("timeout", self.stall), ("deadline", self.deadline)):
            if value is not None and not (is_finite(value) and 0 < value <= MAX_SECONDS):
                raise InvalidParameterError(
                    parameter, value, f"a number of seconds in (0, {MAX_SECONDS:g}]"
                )

    def deadline_for(self, remote: RemoteFile) -> float:
        """The deadline of the download of ``remote``, in seconds."""
        if self.deadline is not None:
            return self.deadline
        return max(DEADLINE, (remote.size or 0) / MIN_RATE)


class _Deadline:
    """A timer that, when the deadline passes, shuts down every socket given to
    :meth:`watch`: a read blocked on one returns at once, whatever the thread that waits."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if not self.expired.is_set():
                return
        _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired.set()
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:  # the plain socket's shutdown, under TLS too: the peer's bytes stop, reads end
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def _watched(connection: type, deadline: _Deadline) -> type:
    """``connection`` (an HTTP(S)Connection class) whose sockets ``deadline`` watches."""

    class Watched(connection):
        def connect(self) -> None:
            super().connect()
            deadline.watch(self.sock)

    return Watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._connection = _watched(http.client.HTTPConnection, deadline)

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline) -> None:
        super().__init__()
        self._connection = _watched(http.client.HTTPSConnection, deadline)

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context)


def _stream(
    url: str, out, name: str, progress: Progress | None, stall: float, seconds: float
) -> int:
    """Copy ``url`` into the open file ``out``, giving up after ``stall`` seconds without a
    byte or ``seconds`` in all; the number of bytes received."""
    received, total = 0, None
    with _Deadline(seconds) as deadline:
        opener = urllib.request.build_opener(_HTTPHandler(deadline), _HTTPSHandler(deadline))
        try:
            with opener.open(url, timeout=stall) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length is not None and length.isdigit() else None
                task = progress.add_task(name, total=total) if progress else None
                while block := response.read1(CHUNK):  # what has come, not a whole chunk
                    out.write(block)
                    received += len(block)
                    if progress is not None:
                        progress.update(task, advance=len(block))
        except (OSError, HTTPException, ValueError) as error:
            if deadline.expired.is_set():
                raise _gave_up(url, received, total, f"the deadline of {seconds:g} s") from None
            if _is_timeout(error):
                limit = f"no data for {stall:g} s (the stall timeout)"
                raise _gave_up(url, received, total, limit) from None
            raise
        if deadline.expired.is_set() and received != total:  # the timer ended the last read
            raise _gave_up(url, received, total, f"the deadline of {seconds:g} s")
    if total is not None and received != total:
        raise DownloadError(f"{url}: connection dropped after {received} of {total} bytes")
    return received


def _is_timeout(error: BaseException) -> bool:
    """Whether ``error`` is a socket timeout, as raised or as urllib wraps it."""
    wrapped = getattr(error, "reason", None)
    return isinstance(error, TimeoutError) or isinstance(wrapped, TimeoutError)


def _gave_up(url: str, received: int, total: int | None, limit: str) -> DownloadError:
    of = f" of {total}" if total is not None else ""
    return DownloadError(f"{url}: gave up after {received}{of} bytes: {limit}")


#: Signals whose default action ends the process without cleanup; during a download each
#: raises SystemExit (status 128 + its number) instead.
STOPPING_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


@contextlib.contextmanager
def _stopping_signals_raise() -> Iterator[None]:
    """While the block runs, SIGTERM (and SIGHUP, a closed terminal) raise SystemExit in the
    main thread instead of ending the process at once, so that cleanup code runs. A signal that
    already has a handler keeps it; off the main thread (which cannot install one) nothing
    changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame) -> None:
        raise SystemExit(128 + signum)

    previous = {number: signal.getsignal(number) for number in STOPPING_SIGNALS}
    replaced = [number for number, handler in previous.items() if handler is signal.SIG_DFL]
    for number in replaced:
        signal.signal(number, stop)
    try:
        yield
    finally:
        for number in replaced:
            signal.signal(number, previous[number])


def fetch_file(
    remote: RemoteFile,
    directory: Path,
    *,
    url: str | None = None,
    progress: Progress | None = None,
    limits: Limits = Limits(),
) -> Path:
    """Download ``remote`` into ``directory`` unless a verified copy is already there.

    The file is written to a temporary ``.part`` file beside it, removed on every way out but
    success (an error, a limit of ``limits``, Ctrl-C, SIGTERM, SIGHUP), and renamed into place
    once verified."""
    destination = directory / remote.name
    if destination.is_file() and verify(destination, remote) is None:
        return destination
    directory.mkdir(parents=True, exist_ok=True)
    url = url or remote.url
    with _stopping_signals_raise():
        handle, temporary = tempfile.mkstemp(
            dir=directory, prefix=f".{remote.name}.", suffix=".part"
        )
        try:
            with os.fdopen(handle, "wb") as out:
                seconds = limits.deadline_for(remote)
                _stream(url, out, remote.name, progress, limits.stall, seconds)
                out.flush()
                os.fsync(out.fileno())
            problem = verify(Path(temporary), remote)
            if problem is not None:
                raise DownloadError(f"{url}: refused, {problem}")
            os.chmod(temporary, 0o644)  # mkstemp creates 0600; a cache is for every reader
            os.replace(temporary, destination)
        except BaseException as error:
            Path(temporary).unlink(missing_ok=True)
            failed = isinstance(error, (OSError, HTTPException, ValueError))
            if failed and not isinstance(error, DownloadError):  # ValueError: a malformed URL
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
    timeout: float = STALL_TIMEOUT,
    deadline: float | None = None,
) -> Path:
    """Download dataset ``name`` into ``root/<name>`` (default: the cache); its directory.

    ``mirror`` replaces each official URL's directory by another base URL serving the same
    file names; what it serves is verified against the same pinned checksums. A dataset that
    cannot be downloaded (ImageNet) raises :class:`DownloadError` saying where to put it.
    A file that sends nothing for ``timeout`` seconds, or is not complete after ``deadline``
    seconds (see :class:`Limits` for the default), raises :class:`DownloadError`.
    """
    limits = Limits(timeout, deadline)
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
            fetch_file(remote, directory, url=url, progress=bar, limits=limits)
    return directory
