"""The client and the one exception table: what is sent, and every library error translated."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from pytest_httpx import HTTPXMock

from scraper import __version__
from scraper.errors import FetchError
from scraper.sources.http.fetcher import Fetcher
from scraper.sources.options import RemoteOptions, project_url, user_agent
from scraper.sources.retry import RetryPolicy
from tests.conftest import CliResult
from tests.sources.conftest import URL, source


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
    assert user_agent() == f"jiguang-errorcodes/{__version__} (+{homepage})"


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


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://xn--/", "Malformed A-label, no Punycode eligible content found"),
        ("http://xn--ls8h.la/", "Codepoint U+1F4A9 at position 1 of '💩' not allowed"),
    ],
    ids=["empty-a-label", "emoji-a-label"],
)
def test_a_host_that_is_not_valid_idna_is_a_fetch_error(
    fetcher: Fetcher, url: str, reason: str
) -> None:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source(url))
    assert str(caught.value) == (
        f"ios: {url}: the host name is not a valid internationalised domain name ({reason}); "
        "fix the url's host name"
    )
    assert caught.value.exit_code == 3


def test_a_redirect_to_a_host_that_is_not_valid_idna_is_refused(
    fetcher: Fetcher, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=URL, status_code=302, headers={"Location": "http://xn--/"})
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value) == (
        f"ios: {URL}: redirected to a host name that is not a valid internationalised domain "
        "name (Malformed A-label, no Punycode eligible content found); refusing to follow"
    )


def test_an_idna_source_url_fails_the_refresh_with_exit_3(
    run_cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nid = "ios"\nproduct = "JMessage"\nurl = "http://xn--/"\nplatform = "ios"\n'
    )
    result = run_cli(
        "build", "--remote", "--no-cache", "--sources", sources, "--out", tmp_path / "out"
    )
    assert result.exit_code == 3, result.stderr
    assert "ios: http://xn--/: the host name is not a valid internationalised domain name" in (
        result.stderr
    )
    assert "internal error" not in result.stderr


def test_the_tls_context_is_made_on_the_first_https_connection_only() -> None:
    import httpcore

    from scraper.sources.http.transport import _Pool

    pool = _Pool(httpx.Limits())
    try:
        plain = pool.create_connection(httpcore.Origin(b"http", b"example.test", 80))
        assert pool._tls is None
        pool.create_connection(httpcore.Origin(b"https", b"example.test", 443))
        assert pool._tls is not None
    finally:
        plain.close()
        pool.close()


def test_connections_are_kept_alive_between_requests_to_a_host(
    options: RemoteOptions, raw_keepalive: tuple[str, list[int]]
) -> None:
    base, connections = raw_keepalive
    fetcher = Fetcher(replace(options, cache_dir=None), print)
    try:
        for _ in range(3):
            fetcher.fetch(source(f"{base}/page"))
    finally:
        fetcher.close()
    # The server counts a connection once it sees the close, on its own thread: wait for that.
    deadline = time.monotonic() + 5
    while not connections and time.monotonic() < deadline:
        time.sleep(0.01)
    assert connections == [3]  # three requests, one connection
