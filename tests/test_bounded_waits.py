"""Every wait and every byte bounded, against a real server on 127.0.0.1 that misbehaves.

What only a socket shows: a server that sends one byte a second (body or headers), or
`100 Continue` forever, is cut off at `--max-time`; SIGINT or SIGTERM during a stalled fetch
stops the build within 2 s with 130 or 143, having written nothing; a 2 GiB gzip-inside-gzip
body is refused with exit 3 while the process stays under 100 MB.
"""

from __future__ import annotations

import gzip
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from scraper.errors import FetchError
from scraper.model import Source
from scraper.sources.http import Fetcher
from scraper.sources.options import RemoteOptions
from scraper.sources.retry import RetryPolicy
from tests.conftest import PROJECT_ROOT

HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"


def _bomb() -> bytes:
    """2 GiB of zeros, gzip-compressed, then gzip-compressed again (a few KiB on the wire)."""
    inner = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1024 * 1024)
    parts = [inner.compress(block) for _ in range(2048)]
    parts.append(inner.flush())
    return gzip.compress(b"".join(parts), 9)


class Server:
    """Answers each connection by its path: /drip-body, /drip-headers, /continue, /stall,
    /bomb-stacked, /bomb-single."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.listener.settimeout(0.1)
        self.seen: list[str] = []
        self.stop = threading.Event()
        self.bomb = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            request = conn.recv(4096).decode("latin-1")
            path = request.split(" ")[1] if " " in request else ""
            self.seen.append(path)
            try:
                if path == "/drip-body":
                    conn.sendall(HEADERS + b"Content-Length: 1000\r\n\r\n")
                    self._drip(conn, b"<" * 1000)
                elif path == "/drip-headers":
                    self._drip(conn, HEADERS + b"X-Slow: " + b"a" * 1000)
                elif path == "/continue":
                    while not self.stop.wait(0.01):
                        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                elif path.startswith("/bomb"):
                    coding = b"gzip, gzip" if path == "/bomb-stacked" else b"gzip"
                    body = self.bomb if path == "/bomb-stacked" else gzip.decompress(self.bomb)
                    conn.sendall(
                        HEADERS
                        + b"Content-Encoding: "
                        + coding
                        + b"\r\nContent-Length: "
                        + str(len(body)).encode()
                        + b"\r\n\r\n"
                        + body
                    )
                else:
                    self.stop.wait(60)
            except OSError:
                pass

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        for index in range(len(data)):
            conn.sendall(data[index : index + 1])
            if self.stop.wait(0.5):
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()


@pytest.fixture
def server() -> Iterator[Server]:
    made = Server()
    yield made
    made.close()


def _source(url: str) -> Source:
    return Source("ios", url, None, "ios")


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers", "/continue"])
def test_a_server_that_never_finishes_is_cut_off_at_max_time(server: Server, path: str) -> None:
    options = RemoteOptions(
        cache_dir=None, read_timeout=5, max_time=1.5, retry=RetryPolicy(retries=0)
    )
    fetcher = Fetcher(options, print)
    started = time.monotonic()
    try:
        with pytest.raises(FetchError) as caught:
            fetcher.fetch(_source(server.base + path))
    finally:
        fetcher.close()
    assert str(caught.value) == (
        f"ios: {server.base}{path}: not complete after 1.5 s (--max-time); gave up after 1 "
        "attempt; the site is answering very slowly; try again later, or raise --max-time"
    )
    assert time.monotonic() - started < 3.5


def test_a_retry_is_announced_with_its_reason_and_delay(server: Server) -> None:
    said: list[str] = []
    options = RemoteOptions(cache_dir=None, max_time=0.5, retry=RetryPolicy(retries=1, backoff=0.2))
    fetcher = Fetcher(options, said.append, jitter=lambda: 1.0)
    try:
        with pytest.raises(FetchError):
            fetcher.fetch(_source(server.base + "/stall"))
    finally:
        fetcher.close()
    assert said == [
        f"ios: {server.base}/stall: not complete after 0.5 s (--max-time), retry 1/1 in 0.2 s"
    ]


def test_the_refresh_deadline_stops_every_pending_source(server: Server) -> None:
    from scraper.sources.http import fetch_pages

    options = RemoteOptions(cache_dir=None, max_time=30, max_refresh_time=1.0)
    started = time.monotonic()
    results = list(fetch_pages((_source(server.base + "/stall"),), options, print))
    assert time.monotonic() - started < 3
    assert [str(error) for _, error in results] == [
        f"ios: {server.base}/stall: the refresh took more than 1 s (--max-refresh-time) and was "
        "stopped; try again later, or raise --max-refresh-time"
    ]


def _sources_file(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "sources.toml"
    config.write_text(
        f'[[source]]\nid = "ios"\nurl = "{url}"\nplatform = "ios"\nproduct = "JMessage"\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sent", "code", "said"),
    [
        (signal.SIGINT, 130, "interrupted: stopped, nothing was written"),
        (signal.SIGTERM, 143, "terminated: stopped, nothing was written"),
    ],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_signal_during_a_stalled_fetch_stops_the_build_within_2_s(
    server: Server, tmp_path: Path, sent: signal.Signals, code: int, said: str
) -> None:
    out = tmp_path / "output"
    build = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scraper",
            "build",
            "--remote",
            "--no-cache",
            "--sources",
            str(_sources_file(tmp_path, server.base + "/stall")),
            "--out",
            str(out),
            "--read-timeout",
            "60",
            "--exit-code",
        ],
        cwd=PROJECT_ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not server.seen and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.seen == ["/stall"]
        time.sleep(0.3)
        sent_at = time.monotonic()
        build.send_signal(sent)
        _, stderr = build.communicate(timeout=10)
        assert time.monotonic() - sent_at < 2
    finally:
        build.kill()
        build.wait()
    assert build.returncode == code, stderr
    assert stderr.splitlines()[-1] == said
    assert not out.exists() or not [p for p in out.iterdir() if p.name != ".lock"]


# Runs the command line in a child and prints the child's peak resident memory (KiB on Linux).
# The child is started from this small process rather than from pytest: Linux carries a
# process's peak over into the program it executes, so a child of pytest would report pytest's.
PEAK_MEMORY = """
import resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "scraper", *sys.argv[1:]], check=False)
print("peak", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(done.returncode)
"""


@pytest.mark.slow
@pytest.mark.parametrize("path", ["/bomb-stacked", "/bomb-single"])
def test_a_2_gib_gzip_inside_gzip_body_is_refused_in_bounded_memory(
    server: Server, tmp_path: Path, path: str
) -> None:
    server.bomb = _bomb()
    out = tmp_path / "output"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK_MEMORY,
            "build",
            "--remote",
            "--no-cache",
            "--sources",
            str(_sources_file(tmp_path, server.base + path)),
            "--out",
            str(out),
            "--max-body-size",
            "1M",
            "--retries",
            "0",
            "--exit-code",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert done.returncode == 3, done.stderr
    peak_kib = int(done.stderr.splitlines()[-1].split()[1])
    assert peak_kib < 100 * 1024
    expected = (
        "the body is compressed 2 times over (Content-Encoding: gzip, gzip); refusing stacked "
        "content codings"
        if path == "/bomb-stacked"
        else "the page is larger than the 1 MiB limit; raise --max-body-size if it really is "
        "that big"
    )
    assert done.stderr.startswith("ios: FAILED\n")
    assert f"\nerror: ios: {server.base}{path}: {expected}\n" in done.stderr
