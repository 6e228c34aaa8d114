"""Fetching pages over HTTP: polite, bounded, retried, and conditional on the cache.

The only module that imports httpx; every httpx exception is translated into `FetchError`
here. What to retry lives in `scraper.sources.retry`, what to cache in `scraper.sources.cache`.

Every wait is bounded: a request (connecting, headers, body, redirects) gets `--max-time` in
all, enforced between chunks and by a watchdog that shuts the connection down however the
server stalls (one byte a second, `100 Continue` forever); the whole refresh gets
`--max-refresh-time`; an interrupt cancels every request in flight and every retry wait.
Every byte is bounded: the body is decompressed here, in a bounded stream, and the limit counts
decompressed bytes; stacked or unknown content codings are refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath

import httpx

from scraper.errors import FetchError, SourceError
from scraper.model import Source, Transfer
from scraper.sources.cache import CacheEntry, CacheStore, conditional_headers, is_visible_ascii
from scraper.sources.local import MARKDOWN_SUFFIXES, Page, PageKind
from scraper.sources.options import MAX_REDIRECTS, PER_HOST, RemoteOptions, user_agent
from scraper.sources.retry import RETRY_STATUSES, ErrorKind, decide

ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/markdown;q=0.8, text/plain;q=0.7"
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown", "text/plain"})
ACCEPT_ENCODING = "gzip, deflate"  # the codings `_Inflater` decodes
_CHUNK = 64 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}

Warn = Callable[[str], None]


def pause(seconds: float) -> None:
    """Wait between attempts (a module function so tests can replace it)."""
    time.sleep(seconds)


_PAUSE = pause


class _Cancelled(Exception):
    """The refresh is stopping (an interrupt, or its deadline): give up at once."""


class _Watch:
    """One request in flight: the sockets it opened, and why it was cut off, if it was.

    httpx gives no handle on a request's socket before the answer's headers arrive, so the
    connection's trace events hand it over; `cut` shuts the socket down from another thread,
    which wakes a read blocked in it.
    """

    def __init__(self, max_time: float) -> None:
        self.deadline = time.monotonic() + max_time
        self.why: str | None = None  # "deadline" or "cancelled"
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def trace(self, event: str, info: dict[str, object]) -> None:
        if not event.endswith((".connect_tcp.complete", ".start_tls.complete")):
            return
        stream = info.get("return_value")
        get_extra_info = getattr(stream, "get_extra_info", None)
        sock = get_extra_info("socket") if get_extra_info else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if self.why is not None:
                    _shut(sock)

    def cut(self, why: str) -> None:
        with self._lock:
            if self.why is None:
                self.why = why
            for sock in self._sockets:
                _shut(sock)

    def check(self) -> None:
        """Cut the request off when its time is up (called between chunks)."""
        if self.why is None and time.monotonic() > self.deadline:
            self.cut("deadline")
        if self.why is not None:
            raise _Cut


class _Cut(Exception):
    """Raised in the fetching thread when its request was cut off (see `_Watch.why`)."""


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched page, how long it took and how many attempts it needed."""

    page: Page
    seconds: float
    attempts: int

    @property
    def not_modified(self) -> bool:
        return self.page.transfer is not None and self.page.transfer.not_modified


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
        headers={"User-Agent": user_agent(), "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=httpx.Timeout(
            connect=options.connect_timeout,
            read=options.read_timeout,
            write=options.read_timeout,
            pool=None,  # the per-host slots already bound how many requests wait
        ),
        follow_redirects=False,
        # A connection per request: the watchdog can then shut down exactly that request's
        # socket, and nothing stays open between pages (a refresh fetches a handful).
        limits=httpx.Limits(max_keepalive_connections=0),
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
        self._warn = warn
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._slots_lock = threading.Lock()
        self._stopped = threading.Event()
        self._watches: set[_Watch] = set()

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def cancel(self) -> None:
        """Stop every request in flight and every retry wait; later fetches fail at once."""
        self._stopped.set()
        with self._slots_lock:
            watches = list(self._watches)
        for watch in watches:
            watch.cut("cancelled")

    def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        elif pause is _PAUSE:  # the real clock: a cancel ends the wait at once
            self._stopped.wait(seconds)
        else:
            pause(seconds)
        if self._stopped.is_set():
            raise _Cancelled

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
                if self._stopped.is_set():
                    raise _Cancelled
                with self._slot(httpx.URL(url).host):
                    page = self._attempt(source, url, label, entry)
            except _Cancelled:
                raise FetchError(f"{label}: stopped before the page arrived") from None
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
                        f"{label}: {failure.cause}; {decision.reason}; {failure.hint}",
                        attempts=attempt,
                    ) from failure.__cause__
                retries = self.options.retry.retries
                self._warn(
                    f"{label}: {failure.cause}, retry {attempt}/{retries} "
                    f"in {_seconds(decision.delay)}"
                )
                try:
                    self._wait(decision.delay)
                except _Cancelled:
                    raise FetchError(f"{label}: stopped while waiting to retry") from None
                continue
            return Fetched(page, time.perf_counter() - started, attempt)

    def _slot(self, host: str) -> threading.BoundedSemaphore:
        with self._slots_lock:
            return self._slots.setdefault(host, threading.BoundedSemaphore(PER_HOST))

    def _attempt(self, source: Source, url: str, label: str, entry: CacheEntry | None) -> Page:
        """One attempt: follow redirects within the origin, then read the final answer, all
        within `--max-time`."""
        watch = _Watch(self.options.max_time)
        timer = threading.Timer(self.options.max_time, watch.cut, args=("deadline",))
        timer.daemon = True
        with self._slots_lock:
            self._watches.add(watch)
        if self._stopped.is_set():
            watch.cut("cancelled")
        timer.start()
        try:
            return self._follow(source, url, label, entry, watch)
        except (_Cut, httpx.HTTPError, httpx.StreamError, _Transient, OSError):
            if watch.why == "cancelled":
                raise _Cancelled from None
            if watch.why == "deadline":
                raise _Transient(
                    f"not complete after {self.options.max_time:g} s (--max-time)",
                    "the site is answering very slowly; try again later, or raise --max-time",
                    error="timeout",
                ) from None
            raise
        finally:
            timer.cancel()
            with self._slots_lock:
                self._watches.discard(watch)

    def _follow(
        self, source: Source, url: str, label: str, entry: CacheEntry | None, watch: _Watch
    ) -> Page:
        current = url
        chain = [url]
        try:
            for _ in range(MAX_REDIRECTS + 1):
                # Validators belong to the resource they came from: send them only there.
                headers = conditional_headers(entry) if entry and entry.final_url == current else {}
                with self._client.stream(
                    "GET", current, headers=headers, extensions={"trace": watch.trace}
                ) as response:
                    watch.check()
                    if response.has_redirect_location:
                        current = _redirect_target(label, url, chain, response)
                        chain.append(current)
                        continue
                    return self._read(source, url, label, response, entry, watch)
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
            if watch.why is not None:
                raise
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
        watch: _Watch,
    ) -> Page:
        status = response.status_code
        final_url = str(response.url)
        if status == 304:
            if entry is None:
                raise FetchError(
                    f"{label}: HTTP 304 Not Modified, but nothing was cached to reuse; "
                    "run the refresh again with --no-cache"
                )
            return self._reuse(source, label, response, entry)
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
        body = self._body(label, response, watch)
        if not body:
            raise FetchError(
                f"{label}: HTTP {status} with an empty body; the site may be failing, "
                "try again later"
            )
        etag = self._validator(label, response, "ETag")
        last_modified = self._validator(label, response, "Last-Modified")
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

    def _validator(self, label: str, response: httpx.Response, name: str) -> str | None:
        """A validator header to store and send back, if it is visible ASCII (else dropped)."""
        value: str | None = response.headers.get(name)
        if value is None or is_visible_ascii(value):
            return value
        self._warn(
            f"warning: {label}: ignoring the {name} header {value[:80]!r}, which is not "
            "visible ASCII; the next refresh cannot ask whether the page changed"
        )
        return None

    def _reuse(
        self, source: Source, label: str, response: httpx.Response, entry: CacheEntry
    ) -> Page:
        """A 304: the cached body stands; new validators, if the site sent any, replace the old."""
        etag = self._validator(label, response, "ETag") or entry.etag
        last_modified = self._validator(label, response, "Last-Modified") or entry.last_modified
        current = replace(entry, etag=etag, last_modified=last_modified)
        if self.cache and (etag, last_modified) != (entry.etag, entry.last_modified):
            self.cache.save(current, source.id)
        media_type = (entry.content_type or "").split(";")[0].strip().lower()
        kind = _kind(entry.final_url, media_type) or _sniff(entry.body)
        return _page(source, current, kind, 304, not_modified=True)

    def _body(self, label: str, response: httpx.Response, watch: _Watch) -> bytes:
        """The body, decompressed here and refused as soon as it passes the limit, before it is
        held in memory; the limit counts decompressed bytes, so a compression bomb stops too."""
        limit = self.options.max_body_size
        too_big = (
            f"{label}: the page is larger than the {_size(limit)} limit; "
            "raise --max-body-size if it really is that big"
        )
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise FetchError(too_big)
        inflater = _Inflater.for_coding(label, response.headers.get("Content-Encoding", ""))
        chunks: list[bytes] = []
        received = 0
        for raw in response.iter_raw(_CHUNK):
            watch.check()
            for chunk in inflater.feed(raw, limit - received + 1):
                received += len(chunk)
                if received > limit:
                    raise FetchError(too_big)
                chunks.append(chunk)
        inflater.finish()
        return b"".join(chunks)


class _Inflater:
    """Decompresses a body's one content coding (gzip or deflate) in bounded steps."""

    def __init__(self, label: str, coding: str) -> None:
        self._label = label
        self._coding = coding
        self._inflater: zlib._Decompress | None = None
        if coding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)

    @classmethod
    def for_coding(cls, label: str, header: str) -> _Inflater:
        codings = [part.strip().lower() for part in header.split(",")]
        codings = [coding for coding in codings if coding and coding != "identity"]
        if len(codings) > 1:
            raise FetchError(
                f"{label}: the body is compressed {len(codings)} times over "
                f"(Content-Encoding: {header[:80]}); refusing stacked content codings"
            )
        coding = codings[0] if codings else ""
        if coding not in ("", "gzip", "x-gzip", "deflate"):
            raise FetchError(
                f"{label}: unknown Content-Encoding {coding[:40]!r}; the tool asks for "
                f"{ACCEPT_ENCODING} only"
            )
        return cls(label, coding)

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        """The decompressed bytes of `data`, in pieces of at most `room` bytes each."""
        if not self._coding:
            yield data
            return
        if self._inflater is None:  # deflate: zlib-wrapped, as the standard says, or raw
            wrapped = bool(data) and data[0] & 0x0F == 8 and (data[0] << 8 | data[1:2][0]) % 31 == 0
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            while data and not self._inflater.eof:
                piece = self._inflater.decompress(data, max(room, 1))
                data = self._inflater.unconsumed_tail
                if piece:
                    yield piece
        except zlib.error as exc:
            raise self._broken(exc) from exc

    def finish(self) -> None:
        if self._inflater is not None and not self._inflater.eof and self._coding != "deflate":
            raise self._broken("the compressed body ends early")

    def _broken(self, why: object) -> FetchError:
        return FetchError(
            f"{self._label}: the body is not valid {self._coding} ({why}); "
            "the site may be failing, try again later"
        )


def fetch_pages(
    sources: tuple[Source, ...],
    options: RemoteOptions,
    warn: Warn,
    *,
    client: httpx.Client | None = None,
) -> Iterator[tuple[Source, Fetched | SourceError]]:
    """Fetch the sources concurrently; yield each one's page or error as soon as it is done.

    Past `options.max_refresh_time` the sources still pending fail; an interrupt (or anything
    else that stops the caller) cancels every request in flight before it goes on.
    """
    fetcher = Fetcher(options, warn, client=client)
    hosts = {_host(source.url) for source in sources}
    workers = max(1, min(len(sources), PER_HOST * len(hosts)))
    deadline = time.monotonic() + options.max_refresh_time
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
    try:
        futures = {pool.submit(fetcher.fetch, source): source for source in sources}
        pending = set(futures)
        try:
            for future in as_completed(futures, timeout=max(0.0, deadline - time.monotonic())):
                pending.discard(future)
                try:
                    yield futures[future], future.result()
                except SourceError as error:
                    yield futures[future], error
        except TimeoutError:
            fetcher.cancel()
            for future in sorted(pending, key=lambda future: sources.index(futures[future])):
                source = futures[future]
                yield (
                    source,
                    FetchError(
                        f"{source.id}: {source.url}: the refresh took more than "
                        f"{options.max_refresh_time:g} s (--max-refresh-time) and was stopped; "
                        "try again later, or raise --max-refresh-time"
                    ),
                )
    finally:
        fetcher.cancel()  # nothing left to wait for, or the caller is going away: stop at once
        pool.shutdown(wait=True, cancel_futures=True)
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


def _redirect_target(label: str, url: str, chain: list[str], response: httpx.Response) -> str:
    """Where a redirect points, if it keeps the source's origin: the same scheme, host and
    port, or the same host upgraded from http to https on the default ports."""
    origin = httpx.URL(url)
    target = response.url.join(response.headers["Location"])
    via = f" (redirects: {' -> '.join([*chain, str(target)])})" if len(chain) > 1 else ""
    if target.scheme not in ("http", "https"):
        raise FetchError(
            f"{label}: redirected to {target}, which is not http or https; refusing to follow" + via
        )
    if target.host != origin.host:
        raise FetchError(
            f"{label}: redirected to {target} on another host ({target.host}); refusing to "
            f"follow; if the page moved, update the source's url{via}"
        )
    if origin.scheme == "https" and target.scheme == "http":
        raise FetchError(
            f"{label}: redirected from https to plain http ({target}); refusing to follow{via}"
        )
    if _port(target) != _port(origin) and not (
        origin.scheme == "http" and _port(origin) == 80 and _port(target) == 443
    ):
        raise FetchError(
            f"{label}: redirected to {target} on another port ({_port(target)}, not "
            f"{_port(origin)}); refusing to follow: another port is another site{via}"
        )
    return str(target)


def _port(url: httpx.URL) -> int:
    return url.port or _DEFAULT_PORTS.get(url.scheme, 0)


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
        transfer=Transfer(
            final_url=entry.final_url,
            status=status,
            etag=entry.etag,
            last_modified=entry.last_modified,
            fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            not_modified=not_modified,
        ),
    )


def _charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type, if any."""
    if not content_type:
        return None
    return httpx.Response(200, headers={"Content-Type": content_type}).charset_encoding


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _seconds(delay: float) -> str:
    return f"{delay:.1f}".removesuffix(".0") + " s"


def _size(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"
