"""A local HTTP server for the refresh benchmark: every response waits `latency` seconds.

Pages are served with a strong ETag; a request whose If-None-Match matches gets 304 Not
Modified (after the same latency). Each loopback address given gets its own listening socket
on one port, so a benchmark can spread pages over several hosts. Every request is logged with
its arrival and completion times, so the benchmark can see how many were in flight at once.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it (perf_counter times)."""

    host: str
    path: str
    status: int
    arrived: float
    finished: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class LatencyServer:
    """Serves `pages` (path -> body) on each address in `hosts`, adding `latency` per response."""

    def __init__(self, pages: Mapping[str, bytes], hosts: Iterable[str], latency: float) -> None:
        self.pages = dict(pages)
        self.etags = {
            path: f'"{hashlib.sha256(body).hexdigest()[:16]}"' for path, body in pages.items()
        }
        self.latency = latency
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self.port = 0
        for host in hosts:
            server = _Server((host, self.port), self._handler())
            self.port = server.server_address[1]
            self._servers.append(server)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                arrived = time.perf_counter()
                time.sleep(owner.latency)
                body = owner.pages.get(self.path)
                if body is None:
                    status, payload, etag = 404, b"not found\n", None
                else:
                    etag = owner.etags[self.path]
                    matches = self.headers.get("If-None-Match", "")
                    not_modified = etag in {tag.strip() for tag in matches.split(",")}
                    status, payload = (304, b"") if not_modified else (200, body)
                self.send_response(status)
                if etag:
                    self.send_header("ETag", etag)
                    self.send_header("Cache-Control", "no-cache")
                if status != 304:
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                host, _ = self.connection.getsockname()[:2]  # the loopback address asked
                owner._log(Hit(str(host), self.path, status, arrived, time.perf_counter()))

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the benchmark reads `hits` instead."""

        return Handler

    def _log(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def take_hits(self) -> list[Hit]:
        """The requests logged since the last call, and a fresh log."""
        with self._lock:
            hits, self.hits = self.hits, []
        return hits

    def start(self) -> None:
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)


@contextmanager
def serving(
    pages: Mapping[str, bytes], hosts: Iterable[str], latency: float
) -> Iterator[LatencyServer]:
    server = LatencyServer(pages, hosts, latency)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def max_in_flight(hits: list[Hit]) -> int:
    """The most requests the server was handling at the same moment."""
    events = sorted([(hit.arrived, 1) for hit in hits] + [(hit.finished, -1) for hit in hits])
    current = peak = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak
