"""Fetching pages over HTTP: polite, bounded, retried, and conditional on the cache.

The only module that imports httpx; every httpx exception is translated into `FetchError`
here. What to retry lives in `scraper.sources.retry`, what to cache in `scraper.sources.cache`.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath

import httpx

from scraper.errors import FetchError, SourceError
from scraper.model import Source
from scraper.sources.cache import CacheEntry, CacheStore, conditional_headers
from scraper.sources.local import MARKDOWN_SUFFIXES, Page, PageKind
from scraper.sources.options import MAX_REDIRECTS, PER_HOST, RemoteOptions, user_agent
from scraper.sources.retry import RETRY_STATUSES, ErrorKind, decide

ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/markdown;q=0.8, text/plain;q=0.7"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown", "text/plain"})
_CHUNK = 64 * 1024

Warn = Callable[[str], None]


def pause(seconds: float) -> None:
    """Wait between attempts (a module function so tests can replace it)."""
    time.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched page, how long it took and how many attempts it needed."""

    page: Page
    seconds: float
    attempts: int

    @property
    def not_modified(self) -> bool:
        return bool(self.page.provenance.get("not_modified"))


class _Transient(Exception):
    """One attempt failed in a way worth retrying; carries what `retry.decide` needs."""

    def __init__(
        self,
        cause: str,
        hint: str,
        *,
        status: int | None = None,
        error: ErrorKind | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(cause)
        self.cause = cause
        self.hint = hint
        self.status = status
        self.error: ErrorKind | None = error
        self.retry_after = retry_after


def make_client(options: RemoteOptions) -> httpx.Client:
    """One client for the whole refresh (its connections are reused); redirects by hand."""
    return httpx.Client(
        headers={"User-Agent": user_agent(), "Accept": ACCEPT},
        timeout=httpx.Timeout(
            connect=options.connect_timeout,
            read=options.read_timeout,
            write=options.read_timeout,
            pool=None,  # the per-host slots already bound how many requests wait
        ),
        follow_redirects=False,
    )


class Fetcher:
    """Fetches sources with one shared client, at most `PER_HOST` requests per host at once."""

    def __init__(
        self,
        options: RemoteOptions,
        warn: Warn,
        *,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.options = options
        self.cache = CacheStore(options.cache_dir, warn) if options.cache_dir else None
        self._own_client = client is None
        self._client = client if client is not None else make_client(options)
        self._sleep = sleep
        self._jitter = jitter
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._slots_lock = threading.Lock()

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def fetch(self, source: Source) -> Fetched:
        """The source's page, after retries; FetchError names the url, the cause and a fix."""
        started = time.perf_counter()
        url = _checked_url(source)
        label = f"{source.id}: {url}"
        entry = self.cache.load(url, source.id) if self.cache else None
        attempt = 0
        while True:
            attempt += 1
            try:
                with self._slot(httpx.URL(url).host):
                    page = self._attempt(source, url, label, entry)
            except _Transient as failure:
                decision = decide(
                    attempt,
                    policy=self.options.retry,
                    status=failure.status,
                    error=failure.error,
                    retry_after=failure.retry_after,
                    jitter=self._jitter(),
                )
                if decision.delay is None:
                    # Chain to the library's exception (if any), not to the internal signal.
                    raise FetchError(
                        f"{label}: {failure.cause}; {decision.reason}; {failure.hint}"
                    ) from failure.__cause__
                (self._sleep or pause)(decision.delay)
                continue
            return Fetched(page, time.perf_counter() - started, attempt)

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._slots_lock:
            return self._slots.setdefault(host, threading.BoundedSemaphore(PER_HOST))

    def _attempt(self, source: Source, url: str, label: str, entry: CacheEntry | None) -> Page:
        """One attempt: follow redirects within the host, then read the final answer."""
        current = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                # Validators belong to the resource they came from: send them only there.
                headers = conditional_headers(entry) if entry and entry.final_url == current else {}
                with self._client.stream("GET", current, headers=headers) as response:
                    if response.has_redirect_location:
                        current = _redirect_target(label, url, response)
                        continue
                    return self._read(source, url, label, response, entry)
        except httpx.TimeoutException as exc:
            phase = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for data"
            limit = (
                self.options.connect_timeout
                if isinstance(exc, httpx.ConnectTimeout)
                else self.options.read_timeout
            )
            option = (
                "--connect-timeout" if isinstance(exc, httpx.ConnectTimeout) else "--read-timeout"
            )
            raise _Transient(
                f"timed out {phase} (after {limit:g} s)",
                f"try again later, or raise {option}",
                error="timeout",
            ) from exc
        except httpx.ConnectError as exc:
            raise _Transient(
                f"cannot connect ({_reason(exc)})",
                "check the url and the network, or try again later",
                error="network",
            ) from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise _Transient(
                f"the connection broke ({_reason(exc)})", "try again later", error="network"
            ) from exc
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            raise FetchError(f"{label}: request failed ({_reason(exc)})") from exc
        raise FetchError(
            f"{label}: more than {MAX_REDIRECTS} redirects (last to {current}); "
            "update the source's url to where the page now lives"
        )

    def _read(
        self,
        source: Source,
        url: str,
        label: str,
        response: httpx.Response,
        entry: CacheEntry | None,
    ) -> Page:
        status = response.status_code
        final_url = str(response.url)
        if status == 304:
            if entry is None:
                raise FetchError(
                    f"{label}: HTTP 304 Not Modified, but nothing was cached to reuse; "
                    "run the refresh again with --no-cache"
                )
            return self._reuse(source, response, entry)
        if status in RETRY_STATUSES:
            raise _Transient(
                f"HTTP {status} {response.reason_phrase}".rstrip(),
                "the site may be down or busy; try again later",
                status=status,
                retry_after=response.headers.get("Retry-After"),
            )
        if status not in (200, 203):
            hint = (
                "check the source's url"
                if 400 <= status < 500
                else "the site answered unexpectedly; try again later"
            )
            raise FetchError(
                f"{label}: HTTP {status} {response.reason_phrase}".rstrip()
                + f" (not retried); {hint}"
            )
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        kind = _kind(final_url, media_type)
        if media_type and kind is None:
            raise FetchError(
                f"{label}: unexpected Content-Type {media_type}; expected an HTML or Markdown "
                "page (text/html, text/markdown or text/plain); check the source's url"
            )
        body = self._body(label, response)
        if not body:
            raise FetchError(
                f"{label}: HTTP {status} with an empty body; the site may be failing, "
                "try again later"
            )
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        content_type = response.headers.get("Content-Type")
        stored = CacheEntry(
            url=url,
            final_url=final_url,
            etag=etag,
            last_modified=last_modified,
            content_type=content_type,
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            body=body,
        )
        # Without a validator the next refresh could not ask "changed?", so nothing is kept.
        if self.cache and (etag or last_modified):
            self.cache.save(stored, source.id)
        return _page(source, stored, kind or _sniff(body), status, not_modified=False)

    def _reuse(self, source: Source, response: httpx.Response, entry: CacheEntry) -> Page:
        """A 304: the cached body stands; new validators, if the site sent any, replace the old."""
        etag = response.headers.get("ETag") or entry.etag
        last_modified = response.headers.get("Last-Modified") or entry.last_modified
        current = replace(entry, etag=etag, last_modified=last_modified)
        if self.cache and (etag, last_modified) != (entry.etag, entry.last_modified):
            self.cache.save(current, source.id)
        media_type = (entry.content_type or "").split(";")[0].strip().lower()
        kind = _kind(entry.final_url, media_type) or _sniff(entry.body)
        return _page(source, current, kind, 304, not_modified=True)

    def _body(self, label: str, response: httpx.Response) -> bytes:
        """The body, refused as soon as it passes the limit, before it is held in memory."""
        limit = self.options.max_body_size
        too_big = (
            f"{label}: the page is larger than the {_size(limit)} limit; "
            "raise --max-body-size if it really is that big"
        )
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(too_big)
        chunks: list[bytes] = []
        received = 0
        # iter_bytes yields decoded bytes, so a small compressed bomb is stopped too.
        for chunk in response.iter_bytes(_CHUNK):
            received += len(chunk)
            if received > limit:
                raise FetchError(too_big)
            chunks.append(chunk)
        return b"".join(chunks)


def fetch_pages(
    sources: tuple[Source, ...],
    options: RemoteOptions,
    warn: Warn,
    *,
    client: httpx.Client | None = None,
) -> Iterator[tuple[Source, Fetched | SourceError]]:
    """Fetch the sources concurrently; yield each one's page or error as soon as it is done."""
    fetcher = Fetcher(options, warn, client=client)
    hosts = {_host(source.url) for source in sources}
    workers = max(1, min(len(sources), PER_HOST * len(hosts)))
    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
            futures = {pool.submit(fetcher.fetch, source): source for source in sources}
            for future in as_completed(futures):
                try:
                    yield futures[future], future.result()
                except SourceError as error:
                    yield futures[future], error
    finally:
        fetcher.close()


def _checked_url(source: Source) -> str:
    if not source.url:
        raise FetchError(
            f"{source.id}: no url to fetch; give the source a url or build without --remote"
        )
    try:
        scheme = httpx.URL(source.url).scheme
    except httpx.InvalidURL as exc:
        raise FetchError(f"{source.id}: {source.url}: not a valid url ({exc})") from exc
    if scheme not in ("http", "https"):
        raise FetchError(
            f"{source.id}: {source.url}: only http and https urls are fetched, "
            f"not {scheme or 'a bare path'!r}; fix the source's url"
        )
    return source.url


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host
    except httpx.InvalidURL:
        return ""


def _redirect_target(label: str, url: str, response: httpx.Response) -> str:
    """Where a redirect points, if it stays on the source's host and does not drop https."""
    origin = httpx.URL(url)
    target = response.url.join(response.headers["Location"])
    if target.scheme not in ("http", "https"):
        raise FetchError(
            f"{label}: redirected to {target}, which is not http or https; refusing to follow"
        )
    if target.host != origin.host:
        raise FetchError(
            f"{label}: redirected to {target} on another host ({target.host}); refusing to "
            "follow; if the page moved, update the source's url"
        )
    if origin.scheme == "https" and target.scheme == "http":
        raise FetchError(
            f"{label}: redirected from https to plain http ({target}); refusing to follow"
        )
    return str(target)


def _kind(url: str, media_type: str) -> PageKind | None:
    """Markdown for a .md url or a Markdown/plain-text answer, HTML for HTML; None otherwise."""
    is_markdown_url = PurePosixPath(httpx.URL(url).path).suffix.lower() in MARKDOWN_SUFFIXES
    if media_type in MARKDOWN_TYPES or (is_markdown_url and media_type in HTML_TYPES | {""}):
        return "markdown"
    if media_type in HTML_TYPES:
        return "html"
    return None


def _sniff(body: bytes) -> PageKind:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return "html" if head.startswith((b"<!doctype", b"<html")) else "markdown"


def _page(
    source: Source,
    entry: CacheEntry,
    kind: PageKind,
    status: int,
    *,
    not_modified: bool,
) -> Page:
    charset = _charset(entry.content_type)
    return Page(
        source=source,
        location=entry.final_url,
        data=entry.body,
        kind=kind,
        charset=charset,
        provenance={
            "final_url": entry.final_url,
            "status": status,
            "etag": entry.etag,
            "last_modified": entry.last_modified,
            "fetched_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "not_modified": not_modified,
        },
    )


def _charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type, if any."""
    if not content_type:
        return None
    return httpx.Response(200, headers={"Content-Type": content_type}).charset_encoding


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _size(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"
