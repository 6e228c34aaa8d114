"""The body: bounded while it streams and while it is decompressed."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from pytest_httpx import HTTPXMock

from scraper.errors import FetchError
from scraper.sources.http.fetcher import Fetcher
from scraper.sources.options import RemoteOptions
from tests.sources.conftest import URL, source


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
