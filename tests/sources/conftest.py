"""What the tests of the HTTP package share: a source, options, a fetcher with a recorded
clock, and a real server on 127.0.0.1 for what only a socket shows."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.model import Source, Transfer
from scraper.sources.http.fetcher import Fetched, Fetcher
from scraper.sources.options import RemoteOptions
from scraper.sources.retry import RetryPolicy

URL = "https://docs.example.test/jmessage/client/im_errorcode_ios/"
HTML = b"<html><body><h2>iOS</h2><table><tr><th>Code</th></tr></table></body></html>"


@pytest.fixture
def options(tmp_path: Path) -> RemoteOptions:
    return RemoteOptions(cache_dir=tmp_path / "cache", retry=RetryPolicy(retries=2))


@pytest.fixture
def delays() -> list[float]:
    return []


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def fetcher(options: RemoteOptions, delays: list[float], warnings: list[str]) -> Iterator[Fetcher]:
    made = Fetcher(options, warnings.append, sleep=delays.append, jitter=lambda: 1.0)
    yield made
    made.close()


def transfer_of(fetched: Fetched) -> Transfer:
    assert fetched.page.transfer is not None
    return fetched.page.transfer


def etag_of(fetched: Fetched) -> str | None:
    return transfer_of(fetched).etag


def source(url: str = URL, source_id: str = "ios") -> Source:
    return Source(source_id, url, None, "ios")


# Only a real socket shows a read timeout and a body cut off while it streams.


@pytest.fixture
def raw_server() -> Iterator[tuple[str, list[str]]]:
    """A one-request-at-a-time server on 127.0.0.1: /stall never answers, /huge streams 8 MiB."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    seen: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                request = conn.recv(4096).decode("latin-1")
                path = request.split(" ")[1] if " " in request else ""
                seen.append(path)
                if path == "/huge":
                    _stream_huge(conn, stop)
                else:
                    _stall(conn, stop)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    stop.set()
    thread.join(5)
    listener.close()


def _stall(conn: socket.socket, stop: threading.Event) -> None:
    """Send nothing until the client hangs up (or the test ends)."""
    conn.settimeout(0.05)
    while not stop.is_set():
        try:
            if not conn.recv(1024):
                return
        except TimeoutError:
            continue
        except OSError:
            return


def _stream_huge(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
    chunk = b"<p>" + b"x" * 65533
    try:
        for _ in range(128):  # 8 MiB, but the client should hang up after about 1 MiB
            if stop.is_set():
                return
            conn.sendall(chunk)
    except OSError:
        return


@pytest.fixture
def raw_keepalive() -> Iterator[tuple[str, list[int]]]:
    """A server on 127.0.0.1 that answers every request of a connection with a small page, and
    records how many requests each connection carried."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)
    per_connection: list[int] = []
    stop = threading.Event()
    body = b"<html><body><p>ok</p></body></html>"
    answer = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            served = 0
            conn.settimeout(0.05)
            pending = b""
            with conn:
                while not stop.is_set():
                    try:
                        data = conn.recv(4096)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    pending += data
                    while b"\r\n\r\n" in pending:
                        _, pending = pending.split(b"\r\n\r\n", 1)
                        conn.sendall(answer)
                        served += 1
            per_connection.append(served)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", per_connection
    stop.set()
    thread.join(5)
    listener.close()
