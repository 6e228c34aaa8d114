"""The fetcher: provenance, retries, and every source fetched concurrently."""

from __future__ import annotations

import dataclasses

import pytest
from pytest_httpx import HTTPXMock

from scraper.errors import FetchError
from scraper.sources.http.fetcher import Fetcher, fetch_pages
from scraper.sources.options import RemoteOptions, user_agent
from tests.sources.conftest import HTML, URL, source, transfer_of


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


def test_credentials_in_a_source_url_reach_no_line_and_no_cache_file(
    fetcher: Fetcher,
    httpx_mock: HTTPXMock,
    options: RemoteOptions,
    warnings: list[str],
) -> None:
    secret_url = URL.replace("https://", "https://reader:s3cret@")
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_response(content=HTML, headers={"ETag": '"v1"'})
    fetched = fetcher.fetch(source(secret_url))
    assert warnings == [f"ios: {URL}: HTTP 503 Service Unavailable, retry 1/2 in 1 s"]
    assert (fetched.page.location, transfer_of(fetched).final_url) == (URL, URL)
    assert options.cache_dir is not None
    stored = "".join(path.read_text() for path in options.cache_dir.glob("*.json"))
    assert URL in stored
    assert "s3cret" not in stored
    httpx_mock.add_response(status_code=404)
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source(secret_url))
    assert (
        str(caught.value) == f"ios: {URL}: HTTP 404 Not Found (not retried); check the source's url"
    )
    assert httpx_mock.get_requests()[-1].headers["If-None-Match"] == '"v1"'
