"""A real HTTP server on 127.0.0.1 for the download tests.

``server.files[name] = (body, mode)``; mode "ok" serves the body, "drop" announces the full
length, sends half and closes the connection, "missing" answers 404, "silent" sends the headers
and then nothing, "trickle" sends the headers and then one byte every ``server.interval``
seconds, "slow-headers" sends its status line and then its headers one byte at a time.
``server.hits`` counts requests per name. A silent or slow handler stops when the test ends.
"""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        name = self.path.lstrip("/")
        self.server.hits[name] += 1
        body, mode = self.server.files.get(name, (b"", "missing"))
        if mode == "missing":
            self.send_error(404)
            return
        if mode == "slow-headers":
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            self._trickle(b"X-Padding: " + b"x" * 10_000)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "drop":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "silent":
            self.wfile.flush()
            self.server.finished.wait(30)
            return
        if mode == "trickle":
            self._trickle(body)
            return
        self.wfile.write(body)

    def _trickle(self, data: bytes) -> None:
        """Send ``data`` one byte every ``server.interval`` seconds, until the test ends."""
        for index in range(len(data)):
            if self.server.finished.wait(self.server.interval):
                return
            try:
                self.wfile.write(data[index : index + 1])
                self.wfile.flush()
            except OSError:  # the client gave up
                return

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.hits = {}, Counter()
    httpd.interval, httpd.finished = 0.25, threading.Event()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield httpd
    httpd.finished.set()
    httpd.shutdown()
    httpd.server_close()
