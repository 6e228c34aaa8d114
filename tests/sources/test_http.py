"""The fetcher: what it sends, what it accepts, how it retries, and what it refuses."""

from __future__ import annotations

import dataclasses
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from pytest_httpx import HTTPXMock

from scraper import __version__
from scraper.errors import FetchError
from scraper.model import Source, Transfer
from scraper.sources.http import Fetched, Fetcher, fetch_pages
from scraper.sources.options import RemoteOptions, project_url, user_agent
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


def _transfer(fetched: Fetched) -> Transfer:
    assert fetched.page.transfer is not None
    return fetched.page.transfer


def _etag(fetched: Fetched) -> str | None:
    return _transfer(fetched).etag


def source(url: str = URL, source_id: str = "ios") -> Source:
    return Source(source_id, url, None, "ios")


def test_user_agent_names_the_tool_its_version_and_the_project_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import tomllib

    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)  # set in a GitHub Actions run

    pyproject = tomllib.loads(
        (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    )
    homepage = pyproject["project"]["urls"]["Homepage"]
    assert project_url() == homepage
    assert user_agent() == f"jmessage-errorcodes/{__version__} (+{homepage})"


def test_a_200_page_with_its_provenance(fetcher: Fetcher, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=URL,
        content=HTML,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "ETag": '"abc"',
            "Last-Modified": "Sat, 01 Mar 2025 12:00:00 GMT",
        },
    )
    fetched = fetcher.fetch(source())
    page = fetched.page
    assert (page.data, page.kind, page.charset, page.location) == (HTML, "html", "utf-8", URL)
    assert fetched.attempts == 1
    assert not fetched.not_modified
    assert page.transfer is not None
    provenance = dataclasses.asdict(page.transfer)
    fetched_at = provenance.pop("fetched_at")
    assert isinstance(fetched_at, str)
    assert fetched_at.endswith("Z")
    assert provenance == {
        "final_url": URL,
        "status": 200,
        "etag": '"abc"',
        "last_modified": "Sat, 01 Mar 2025 12:00:00 GMT",
        "not_modified": False,
    }
    [request] = httpx_mock.get_requests()
    assert request.headers["User-Agent"] == user_agent()
    assert request.headers["Accept"].startswith("text/html")
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


@pytest.mark.parametrize(
    ("url", "content_type", "body", "kind"),
    [
        (URL, "text/html", HTML, "html"),
        (URL, "application/xhtml+xml", HTML, "html"),
        (URL, "text/markdown; charset=utf-8", b"| Code |\n|---|\n| 1 |\n", "markdown"),
        (URL, "text/plain", b"| Code |\n|---|\n| 1 |\n", "markdown"),
        ("https://docs.example.test/ios.md", "text/html", b"| Code |\n", "markdown"),
        ("https://docs.example.test/ios.md", None, b"| Code |\n", "markdown"),
        (URL, None, b"<!DOCTYPE html>" + HTML, "html"),
        (URL, None, b"# Title\n\n| Code |\n", "markdown"),
    ],
    ids=[
        "html",
        "xhtml",
        "markdown-type",
        "plain-text",
        "md-url",
        "md-url-no-type",
        "no-type-sniffed-html",
        "no-type-sniffed-markdown",
    ],
)
def test_markdown_or_html_by_url_and_content_type(
    fetcher: Fetcher,
    httpx_mock: HTTPXMock,
    url: str,
    content_type: str | None,
    body: bytes,
    kind: str,
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    httpx_mock.add_response(url=url, content=body, headers=headers)
    assert fetcher.fetch(source(url)).page.kind == kind


def test_a_304_reuses_the_cached_body_after_sending_the_validators(
    fetcher: Fetcher, httpx_mock: HTTPXMock, warnings: list[str]
) -> None:
    validators = {"ETag": '"v1"', "Last-Modified": "Sat, 01 Mar 2025 12:00:00 GMT"}
    httpx_mock.add_response(
        url=URL, content=HTML, headers={**validators, "Content-Type": "text/html; charset=gbk"}
    )
    httpx_mock.add_response(url=URL, status_code=304, headers={"ETag": '"v1"'})
    first = fetcher.fetch(source())
    second = fetcher.fetch(source())
    assert second.not_modified
    assert (second.page.data, second.page.kind, second.page.charset) == (HTML, "html", "gbk")
    assert second.page.transfer is not None
    assert second.page.transfer.status == 304
    assert second.page.transfer.etag == '"v1"'
    assert second.page.sha256 == first.page.sha256
    conditional = httpx_mock.get_requests()[1]
    assert conditional.headers["If-None-Match"] == '"v1"'
    assert conditional.headers["If-Modified-Since"] == "Sat, 01 Mar 2025 12:00:00 GMT"
    assert warnings == []


def test_a_304_with_new_validators_updates_the_cache(
    fetcher: Fetcher, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=URL, content=HTML, headers={"ETag": '"v1"'})
    httpx_mock.add_response(url=URL, status_code=304, headers={"ETag": '"v2"'})
    httpx_mock.add_response(url=URL, status_code=304)
    fetcher.fetch(source())
    assert _etag(fetcher.fetch(source())) == '"v2"'
    assert _etag(fetcher.fetch(source())) == '"v2"'
    assert httpx_mock.get_requests()[2].headers["If-None-Match"] == '"v2"'


def test_a_page_without_validators_is_not_cached(
    fetcher: Fetcher, httpx_mock: HTTPXMock, options: RemoteOptions
) -> None:
    httpx_mock.add_response(url=URL, content=HTML)
    fetcher.fetch(source())
    assert options.cache_dir is not None
    assert not options.cache_dir.exists()


def test_without_a_cache_nothing_is_sent_conditionally(
    options: RemoteOptions, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=URL, content=HTML, headers={"ETag": '"v1"'}, is_reusable=True)
    uncached = Fetcher(replace(options, cache_dir=None), print)
    try:
        uncached.fetch(source())
        uncached.fetch(source())
    finally:
        uncached.close()
    assert [r.headers.get("If-None-Match") for r in httpx_mock.get_requests()] == [None, None]


def test_an_unexpected_304_is_an_error(fetcher: Fetcher, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, status_code=304)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value) == (
        f"ios: {URL}: HTTP 304 Not Modified, but nothing was cached to reuse; "
        "run the refresh again with --no-cache"
    )


def test_a_corrupt_cache_entry_is_a_full_fetch_with_a_warning(
    fetcher: Fetcher, httpx_mock: HTTPXMock, options: RemoteOptions, warnings: list[str]
) -> None:
    httpx_mock.add_response(url=URL, content=HTML, headers={"ETag": '"v1"'})
    httpx_mock.add_response(url=URL, content=HTML, headers={"ETag": '"v1"'})
    fetcher.fetch(source())
    assert options.cache_dir is not None
    [meta] = options.cache_dir.glob("*.json")
    meta.write_text("{broken")
    fetched = fetcher.fetch(source())
    assert not fetched.not_modified
    assert "If-None-Match" not in httpx_mock.get_requests()[1].headers
    assert warnings == [
        f"warning: ios: ignoring the cache entry {meta} (its metadata is not valid JSON); "
        "fetching the page in full"
    ]


def test_a_redirect_within_the_host_is_followed_and_validators_go_to_the_final_url(
    fetcher: Fetcher, httpx_mock: HTTPXMock
) -> None:
    final = "https://docs.example.test/jmessage/client/im_errorcode_ios_v2/"
    for _ in range(2):
        httpx_mock.add_response(url=URL, status_code=301, headers={"Location": final})
    httpx_mock.add_response(url=final, content=HTML, headers={"ETag": '"v1"'})
    httpx_mock.add_response(url=final, status_code=304)
    first = fetcher.fetch(source())
    assert (first.page.location, _transfer(first).final_url) == (final, final)
    second = fetcher.fetch(source())
    assert second.not_modified
    requests = httpx_mock.get_requests()
    assert [str(r.url) for r in requests] == [URL, final, URL, final]
    assert [r.headers.get("If-None-Match") for r in requests] == [None, None, None, '"v1"']


def test_a_relative_redirect_resolves_against_the_url(
    fetcher: Fetcher, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=URL, status_code=302, headers={"Location": "../moved/"})
    moved = "https://docs.example.test/jmessage/client/moved/"
    httpx_mock.add_response(url=moved, content=HTML)
    assert fetcher.fetch(source()).page.location == moved


@pytest.mark.parametrize(
    ("location", "message"),
    [
        (
            "https://evil.example.test/page/",
            "redirected to https://evil.example.test/page/ on another host (evil.example.test); "
            "refusing to follow; if the page moved, update the source's url",
        ),
        (
            "http://docs.example.test/page/",
            "redirected from https to plain http (http://docs.example.test/page/); "
            "refusing to follow",
        ),
        (
            "ftp://docs.example.test/page/",
            "redirected to ftp://docs.example.test/page/, which is not http or https; "
            "refusing to follow",
        ),
    ],
    ids=["other-host", "https-to-http", "ftp"],
)
def test_unsafe_redirects_are_refused(
    fetcher: Fetcher, httpx_mock: HTTPXMock, location: str, message: str
) -> None:
    httpx_mock.add_response(url=URL, status_code=302, headers={"Location": location})
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value) == f"ios: {URL}: {message}"
    assert len(httpx_mock.get_requests()) == 1


def test_more_than_five_redirects_are_refused(fetcher: Fetcher, httpx_mock: HTTPXMock) -> None:
    hops = [f"https://docs.example.test/{n}" for n in range(7)]
    for here, there in itertools.pairwise(hops):
        httpx_mock.add_response(
            url=here, status_code=307, headers={"Location": there}, is_optional=True
        )
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source(hops[0]))
    assert str(caught.value) == (
        f"ios: {hops[0]}: more than 5 redirects (last to {hops[6]}); "
        "update the source's url to where the page now lives"
    )
    assert len(httpx_mock.get_requests()) == 6


def test_503_then_200_is_retried(
    fetcher: Fetcher, httpx_mock: HTTPXMock, delays: list[float]
) -> None:
    httpx_mock.add_response(url=URL, status_code=503)
    httpx_mock.add_response(url=URL, content=HTML)
    fetched = fetcher.fetch(source())
    assert (fetched.attempts, fetched.page.data) == (2, HTML)
    assert delays == [1.0]
    assert len(httpx_mock.get_requests()) == 2


def test_retry_after_sets_the_wait(
    fetcher: Fetcher, httpx_mock: HTTPXMock, delays: list[float]
) -> None:
    httpx_mock.add_response(url=URL, status_code=429, headers={"Retry-After": "7"})
    httpx_mock.add_response(url=URL, content=HTML)
    assert fetcher.fetch(source()).attempts == 2
    assert delays == [7.0]


def test_a_persistent_503_gives_up_after_the_retries(
    fetcher: Fetcher, httpx_mock: HTTPXMock, delays: list[float]
) -> None:
    httpx_mock.add_response(url=URL, status_code=503, is_reusable=True)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value) == (
        f"ios: {URL}: HTTP 503 Service Unavailable; gave up after 3 attempts; "
        "the site may be down or busy; try again later"
    )
    assert delays == [1.0, 2.0]
    assert len(httpx_mock.get_requests()) == 3


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (404, "Not Found (not retried); check the source's url"),
        (403, "Forbidden (not retried); check the source's url"),
        (501, "Not Implemented (not retried); the site answered unexpectedly; try again later"),
        (204, "No Content (not retried); the site answered unexpectedly; try again later"),
    ],
    ids=["404", "403", "501", "204"],
)
def test_other_statuses_fail_at_once(
    fetcher: Fetcher, httpx_mock: HTTPXMock, delays: list[float], status: int, hint: str
) -> None:
    httpx_mock.add_response(url=URL, status_code=status)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value) == f"ios: {URL}: HTTP {status} {hint}"
    assert (delays, len(httpx_mock.get_requests())) == ([], 1)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            httpx.ReadTimeout("timed out"),
            "timed out waiting for data (after 10 s); gave up after 3 attempts; "
            "try again later, or raise --read-timeout",
        ),
        (
            httpx.ConnectTimeout("timed out"),
            "timed out connecting (after 10 s); gave up after 3 attempts; "
            "try again later, or raise --connect-timeout",
        ),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            "cannot connect ([Errno 111] Connection refused); gave up after 3 attempts; "
            "check the url and the network, or try again later",
        ),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            "the connection broke (Server disconnected without sending a response.); "
            "gave up after 3 attempts; try again later",
        ),
    ],
    ids=["read-timeout", "connect-timeout", "connection-refused", "disconnected"],
)
def test_transport_failures_are_retried_then_reported(
    fetcher: Fetcher, httpx_mock: HTTPXMock, delays: list[float], error: Exception, message: str
) -> None:
    httpx_mock.add_exception(error, is_reusable=True)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value) == f"ios: {URL}: {message}"
    assert isinstance(caught.value.__cause__, httpx.HTTPError)
    assert len(httpx_mock.get_requests()) == 3
    assert delays == [1.0, 2.0]


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("x"),
        httpx.WriteTimeout("x"),
        httpx.PoolTimeout("x"),
        httpx.ConnectTimeout("x"),
        httpx.ConnectError("x"),
        httpx.ReadError("x"),
        httpx.WriteError("x"),
        httpx.CloseError("x"),
        httpx.RemoteProtocolError("x"),
        httpx.LocalProtocolError("x"),
        httpx.ProxyError("x"),
        httpx.UnsupportedProtocol("x"),
        httpx.DecodingError("x"),
        httpx.TooManyRedirects("x"),
        httpx.InvalidURL("x"),
        httpx.StreamClosed(),
    ],
    ids=lambda error: type(error).__name__,
)
def test_no_httpx_exception_escapes_untranslated(
    options: RemoteOptions, httpx_mock: HTTPXMock, error: Exception
) -> None:
    httpx_mock.add_exception(error, is_reusable=True)
    fetcher = Fetcher(replace(options, retry=RetryPolicy(retries=0)), print)
    try:
        with pytest.raises(FetchError) as caught:
            fetcher.fetch(source())
    finally:
        fetcher.close()
    assert str(caught.value).startswith(f"ios: {URL}: ")
    assert caught.value.__cause__ is not None


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Content-Length": str(2048)}, b"x" * 2048),
        ({}, None),
    ],
    ids=["declared-length", "streamed"],
)
def test_an_oversize_body_is_refused(
    options: RemoteOptions, httpx_mock: HTTPXMock, headers: dict[str, str], body: bytes | None
) -> None:
    chunks = [b"x" * 512] * 8  # 4 KiB streamed in 512-byte chunks, no Content-Length
    if body is None:
        httpx_mock.add_response(url=URL, stream=httpx.ByteStream(b"".join(chunks)))
    else:
        httpx_mock.add_response(url=URL, content=body, headers=headers)
    small = Fetcher(replace(options, max_body_size=1024), print)
    try:
        with pytest.raises(FetchError) as caught:
            small.fetch(source())
    finally:
        small.close()
    assert str(caught.value) == (
        f"ios: {URL}: the page is larger than the 1 KiB limit; "
        "raise --max-body-size if it really is that big"
    )
    assert len(httpx_mock.get_requests()) == 1


def test_a_wrong_content_type_is_refused(fetcher: Fetcher, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, content=b"\x89PNG\r\n", headers={"Content-Type": "image/png"})
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value) == (
        f"ios: {URL}: unexpected Content-Type image/png; expected an HTML or Markdown page "
        "(text/html, text/markdown or text/plain); check the source's url"
    )


def test_an_empty_body_is_refused(fetcher: Fetcher, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=URL, content=b"", headers={"Content-Type": "text/html"})
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value) == (
        f"ios: {URL}: HTTP 200 with an empty body; the site may be failing, try again later"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "ios: no url to fetch; give the source a url or build without --remote"),
        (
            "ftp://docs.example.test/ios.html",
            "ios: ftp://docs.example.test/ios.html: only http and https urls are fetched, "
            "not 'ftp'; fix the source's url",
        ),
        (
            "file:///etc/passwd",
            "ios: file:///etc/passwd: only http and https urls are fetched, not 'file'; "
            "fix the source's url",
        ),
    ],
    ids=["no-url", "ftp", "file"],
)
def test_only_http_and_https_are_fetched(fetcher: Fetcher, url: str, message: str) -> None:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source(url))
    assert str(caught.value) == message


def test_at_most_four_requests_to_one_host_at_a_time(
    options: RemoteOptions, httpx_mock: HTTPXMock
) -> None:
    lock = threading.Lock()
    in_flight = 0
    most = 0

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return httpx.Response(200, content=HTML)

    httpx_mock.add_callback(slow, is_reusable=True)
    sources = tuple(source(f"{URL}{n}", f"s{n}") for n in range(10))
    results = list(fetch_pages(sources, options, print))
    assert sorted(src.id for src, _ in results) == sorted(s.id for s in sources)
    assert len(httpx_mock.get_requests()) == 10
    assert most == 4


def test_fetch_pages_yields_errors_beside_pages(
    options: RemoteOptions, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=URL, content=HTML)
    httpx_mock.add_response(url=URL + "gone", status_code=404)
    results = {
        src.id: outcome
        for src, outcome in fetch_pages((source(), source(URL + "gone", "gone")), options, print)
    }
    assert not isinstance(results["ios"], FetchError)
    assert isinstance(results["gone"], FetchError)
    assert str(results["gone"]).startswith(f"gone: {URL}gone: HTTP 404 Not Found")


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


@pytest.mark.slow
def test_a_real_read_timeout(options: RemoteOptions, raw_server: tuple[str, list[str]]) -> None:
    base, seen = raw_server
    quick = Fetcher(
        replace(options, read_timeout=0.2, retry=RetryPolicy(retries=1, backoff=0)), print
    )
    started = time.perf_counter()
    try:
        with pytest.raises(FetchError) as caught:
            quick.fetch(source(f"{base}/stall"))
    finally:
        quick.close()
    assert str(caught.value) == (
        f"ios: {base}/stall: timed out waiting for data (after 0.2 s); gave up after 2 attempts; "
        "try again later, or raise --read-timeout"
    )
    assert seen == ["/stall", "/stall"]
    assert time.perf_counter() - started < 2


def test_a_real_oversize_stream_is_cut_off(
    options: RemoteOptions, raw_server: tuple[str, list[str]]
) -> None:
    base, seen = raw_server
    small = Fetcher(replace(options, max_body_size=1024 * 1024), print)
    try:
        with pytest.raises(FetchError) as caught:
            small.fetch(source(f"{base}/huge"))
    finally:
        small.close()
    assert str(caught.value).endswith(
        "the page is larger than the 1 MiB limit; raise --max-body-size if it really is that big"
    )
    assert seen == ["/huge"]


def test_a_redirect_to_another_port_of_the_same_host_is_refused(
    fetcher: Fetcher, httpx_mock: HTTPXMock
) -> None:
    other = "https://docs.example.test:8443/page/"
    httpx_mock.add_response(url=URL, status_code=302, headers={"Location": other})
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value).startswith(f"ios: {URL}: ")
    assert other in str(caught.value)
    assert "refusing to follow" in str(caught.value)
    assert len(httpx_mock.get_requests()) == 1


def test_an_upgrade_to_https_of_the_same_host_is_followed(
    fetcher: Fetcher, httpx_mock: HTTPXMock
) -> None:
    plain = URL.replace("https://", "http://")
    httpx_mock.add_response(url=plain, status_code=301, headers={"Location": URL})
    httpx_mock.add_response(url=URL, content=HTML, headers={"Content-Type": "text/html"})
    assert fetcher.fetch(source(plain)).page.location == URL


def test_a_non_ascii_etag_is_dropped_with_a_warning_and_never_sent_back(
    fetcher: Fetcher, httpx_mock: HTTPXMock, warnings: list[str]
) -> None:
    httpx_mock.add_response(
        url=URL,
        content=HTML,
        headers=[(b"ETag", '"版本"'.encode()), (b"Content-Type", b"text/html")],
    )
    httpx_mock.add_response(url=URL, content=HTML, headers={"Content-Type": "text/html"})
    fetcher.fetch(source())
    second = fetcher.fetch(source())
    assert _etag(second) is None
    assert "If-None-Match" not in httpx_mock.get_requests()[1].headers
    assert len(warnings) == 1
    assert "ETag" in warnings[0]
