"""The cache policy: validators sent, what a 200 stores, when a 304 reuses the body."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pytest_httpx import HTTPXMock

from scraper.errors import FetchError
from scraper.sources.http.fetcher import Fetcher
from scraper.sources.options import RemoteOptions
from tests.sources.conftest import HTML, URL, etag_of, source


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
    assert etag_of(fetcher.fetch(source())) == '"v2"'
    assert etag_of(fetcher.fetch(source())) == '"v2"'
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
        f"ios: ignoring the cache entry {meta} (its metadata is not valid JSON); "
        "fetching the page in full"
    ]


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
    assert etag_of(second) is None
    assert "If-None-Match" not in httpx_mock.get_requests()[1].headers
    assert len(warnings) == 1
    assert "ETag" in warnings[0]
