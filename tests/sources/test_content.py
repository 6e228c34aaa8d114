"""Which answers are a page: statuses, content types, and the kind of page."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from scraper.errors import FetchError
from scraper.sources.http.fetcher import Fetcher
from tests.sources.conftest import HTML, URL, source


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
