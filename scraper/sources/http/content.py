"""Which answers are a page: status rules (a page, a retry, an error) and content types."""

from __future__ import annotations

from pathlib import PurePosixPath

import httpx

from scraper.errors import FetchError
from scraper.sources.http.transport import AttemptFailed, Failure
from scraper.sources.local import MARKDOWN_SUFFIXES, PageKind
from scraper.sources.retry import RETRY_STATUSES

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown", "text/plain"})


def check_status(label: str, response: httpx.Response) -> None:
    """Pass a 200 or 203; a status worth retrying is `AttemptFailed`, any other a FetchError.

    A 304 is the validator policy's to judge, before this is asked.
    """
    status = response.status_code
    if status in RETRY_STATUSES:
        raise AttemptFailed(
            Failure(
                f"HTTP {status} {response.reason_phrase}".rstrip(),
                "the site may be down or busy; try again later",
                status=status,
                retry_after=response.headers.get("Retry-After"),
            )
        )
    if status not in (200, 203):
        hint = (
            "check the source's url"
            if 400 <= status < 500
            else "the site answered unexpectedly; try again later"
        )
        raise FetchError(
            f"{label}: HTTP {status} {response.reason_phrase}".rstrip() + f" (not retried); {hint}"
        )


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type value, lower-cased ("" when there is none)."""
    return (content_type or "").split(";")[0].strip().lower()


def checked_kind(label: str, url: str, content_type: str | None) -> PageKind | None:
    """The page's kind by url and Content-Type; None when only the body can tell; a
    FetchError for a type that is no page."""
    media = media_type(content_type)
    kind = page_kind(url, media)
    if media and kind is None:
        raise FetchError(
            f"{label}: unexpected Content-Type {media}; expected an HTML or Markdown "
            "page (text/html, text/markdown or text/plain); check the source's url"
        )
    return kind


def page_kind(url: str, media: str) -> PageKind | None:
    """Markdown for a .md url or a Markdown/plain-text answer, HTML for HTML; None otherwise."""
    is_markdown_url = PurePosixPath(httpx.URL(url).path).suffix.lower() in MARKDOWN_SUFFIXES
    if media in MARKDOWN_TYPES or (is_markdown_url and media in HTML_TYPES | {""}):
        return "markdown"
    if media in HTML_TYPES:
        return "html"
    return None


def sniff(body: bytes) -> PageKind:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return "html" if head.startswith((b"<!doctype", b"<html")) else "markdown"


def charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type, if any."""
    if not content_type:
        return None
    return httpx.Response(200, headers={"Content-Type": content_type}).charset_encoding
