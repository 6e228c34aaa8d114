"""The client and the one exception table: what is sent, and every library error translated."""

from __future__ import annotations

import time
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
from tests.sources.conftest import URL, source


def test_user_agent_names_the_tool_its_version_and_the_project_url() -> None:
    import tomllib

    pyproject = tomllib.loads(
        (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    )
    homepage = pyproject["project"]["urls"]["Homepage"]
    assert project_url() == homepage
    assert user_agent() == f"jmessage-errorcodes/{__version__} (+{homepage})"


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
