"""The real command against a real HTTP server on 127.0.0.1: sockets, redirects, ETags, 304s."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, PROJECT_ROOT, SEEDS, snapshot

pytestmark = pytest.mark.slow

PAGES = {
    "/docs/ios/": ((FIXTURES / "http" / "im_errorcode_ios.html").read_bytes(), "text/html"),
    "/docs/android.md": ((SEEDS / "im_errorcode_android.md").read_bytes(), "text/markdown"),
}
REDIRECTS = {"/old/ios/": "/docs/ios/"}


class DocsHandler(BaseHTTPRequestHandler):
    """Serves PAGES with strong ETags, answering If-None-Match with 304; logs every request."""

    log: list[tuple[str, dict[str, str]]]

    def do_GET(self) -> None:
        self.log.append((self.path, dict(self.headers.items())))
        if self.path in REDIRECTS:
            self.send_response(301)
            self.send_header("Location", REDIRECTS[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path not in PAGES:
            self.send_error(404)
            return
        body, media_type = PAGES[self.path]
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", f"{media_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads `log` instead."""


@pytest.fixture
def docs_server() -> Iterator[tuple[str, list[tuple[str, dict[str, str]]]]]:
    log: list[tuple[str, dict[str, str]]] = []
    handler = type("Handler", (DocsHandler,), {"log": log})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", log
    server.shutdown()
    server.server_close()
    thread.join(5)


def run_refresh(sources: Path, out: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "scraper",
            "build",
            "--remote",
            "--sources",
            str(sources),
            "--out",
            str(out),
            "--cache",
            str(cache),
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_refresh_over_a_real_socket_then_revalidate_with_etags(
    docs_server: tuple[str, list[tuple[str, dict[str, str]]]], tmp_path: Path
) -> None:
    base, log = docs_server
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nid = "ios"\nurl = "{base}/old/ios/"\nplatform = "ios"\n'
        'product = "JMessage"\n\n'
        f'[[source]]\nid = "android"\nurl = "{base}/docs/android.md"\nplatform = "android"\n'
        'product = "JMessage"\n',
        encoding="utf-8",
    )
    out, cache = tmp_path / "output", tmp_path / "cache"

    first = run_refresh(sources, out, cache)
    assert first.returncode == 0, first.stderr
    assert "refresh: 2 source(s): 2 fetched, 0 not modified, 0 retried, 0 failed" in first.stderr
    records = json.loads((out / "errorcodes.json").read_text(encoding="utf-8"))["records"]
    assert len(records) == 73
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    ios, android = manifest["sources"]
    assert (ios["status"], ios["final_url"], ios["not_modified"]) == (
        200,
        f"{base}/docs/ios/",
        False,
    )
    assert android["etag"].startswith('"')
    assert sorted(path for path, _ in log) == ["/docs/android.md", "/docs/ios/", "/old/ios/"]
    assert all(h["User-Agent"].startswith("jiguang-errorcodes/") for _, h in log)
    assert all("If-None-Match" not in h for _, h in log)

    published = snapshot(out)
    log.clear()
    second = run_refresh(sources, out, cache)
    assert second.returncode == 0, second.stderr
    assert "refresh: 2 source(s): 0 fetched, 2 not modified, 0 retried, 0 failed" in second.stderr
    assert f"no change: nothing written to {out}" in second.stderr
    assert snapshot(out) == published
    sent = {path: headers.get("If-None-Match") for path, headers in log}
    assert sent == {
        "/old/ios/": None,
        "/docs/ios/": ios["etag"],
        "/docs/android.md": android["etag"],
    }


def test_a_missing_page_fails_over_a_real_socket_and_writes_nothing(
    docs_server: tuple[str, list[tuple[str, dict[str, str]]]], tmp_path: Path
) -> None:
    base, log = docs_server
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nid = "ios"\nurl = "{base}/docs/ios/"\nplatform = "ios"\n'
        'product = "JMessage"\n\n'
        f'[[source]]\nid = "gone"\nurl = "{base}/docs/gone/"\nplatform = "android"\n'
        'product = "JMessage"\n',
        encoding="utf-8",
    )
    out = tmp_path / "output"
    done = run_refresh(sources, out, tmp_path / "cache")
    assert done.returncode == 3
    assert done.stderr.splitlines()[-2:] == [
        f"error: gone: {base}/docs/gone/: HTTP 404 Not Found (not retried); check the source's url",
        "error: nothing was written: 1 source failed",
    ]
    assert not (out / "errorcodes.json").exists()
    assert sorted(path for path, _ in log) == ["/docs/gone/", "/docs/ios/"]
