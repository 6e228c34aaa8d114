"""One source's page after retries, and every source's page concurrently (`fetch_pages`).

Every wait is bounded: a request (connecting, headers, body, redirects) gets `--max-time` in
all (`transport.Watch`); the whole refresh gets `--max-refresh-time`; an interrupt cancels
every request in flight and every retry wait. What to retry is `scraper.sources.retry`'s pure
policy; what to cache, `scraper.sources.validators`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import idna

from scraper.errors import FetchError, SourceError
from scraper.model import Source, Transfer
from scraper.sources.cache import CacheEntry, CacheStore
from scraper.sources.http.content import charset, check_status, checked_kind, page_kind, sniff
from scraper.sources.http.content import media_type as media_type_of
from scraper.sources.http.inflate import read_body
from scraper.sources.http.redirects import redirect_target
from scraper.sources.http.slots import HostSlots
from scraper.sources.http.transport import (
    TRANSLATED,
    AttemptFailed,
    Cut,
    Failure,
    Watch,
    checked_url,
    make_client,
    message,
    translate,
    watching,
)
from scraper.sources.local import Page, PageKind
from scraper.sources.options import MAX_REDIRECTS, PER_HOST, RemoteOptions
from scraper.sources.retry import decide
from scraper.sources.validators import CachePolicy
from scraper.text import without_userinfo

Warn = Callable[[str], None]


def pause(seconds: float) -> None:
    """Wait between attempts (a module function so tests can replace it)."""
    time.sleep(seconds)


_PAUSE = pause
# What can end an attempt early; the library's exceptions are translated, the rest judged.
_ENDS_AN_ATTEMPT: tuple[type[BaseException], ...] = (Cut, AttemptFailed, OSError, *TRANSLATED)


class _Cancelled(Exception):
    """The refresh is stopping (an interrupt, or its deadline): give up at once."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched page, how long it took and how many attempts it needed."""

    page: Page
    seconds: float
    attempts: int

    @property
    def not_modified(self) -> bool:
        return self.page.transfer is not None and self.page.transfer.not_modified


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
        retry: Warn | None = None,
    ) -> None:
        self.options = options
        store = CacheStore(options.cache_dir, warn) if options.cache_dir else None
        self.cache = CachePolicy(store, warn)
        self._own_client = client is None
        self._client = client if client is not None else make_client(options)
        self._sleep = sleep
        self._jitter = jitter
        self._warn = warn
        self._retry = retry or warn  # a retry has a kind of its own where the caller says so
        self._slots = HostSlots()
        self._stopped = threading.Event()
        self._watches: set[Watch] = set()
        self._watches_lock = threading.Lock()

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def cancel(self) -> None:
        """Stop every request in flight and every retry wait; later fetches fail at once."""
        self._stopped.set()
        with self._watches_lock:
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
        url = _checked_source_url(source)
        label = f"{source.id}: {without_userinfo(url)}"
        host = checked_url(url, label).raw_host.decode("ascii")
        entry = self.cache.lookup(url, source.id)
        attempt = 0
        while True:
            attempt += 1
            try:
                if self._stopped.is_set():
                    raise _Cancelled
                with self._slots.for_host(host):
                    page = self._attempt(source, url, label, entry)
            except _Cancelled:
                raise FetchError(f"{label}: stopped before the page arrived") from None
            except AttemptFailed as failed:
                failure = failed.failure
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
                        message(label, failure, decision.reason), attempts=attempt
                    ) from failed.__cause__
                retries = self.options.retry.retries
                self._retry(
                    f"{label}: {failure.cause}, retry {attempt}/{retries} "
                    f"in {_seconds(decision.delay)}"
                )
                try:
                    self._wait(decision.delay)
                except _Cancelled:
                    raise FetchError(f"{label}: stopped while waiting to retry") from None
                continue
            return Fetched(page, time.perf_counter() - started, attempt)

    def _attempt(self, source: Source, url: str, label: str, entry: CacheEntry | None) -> Page:
        """One attempt: follow redirects within the origin, then read the final answer, all
        within `--max-time`."""
        watch = Watch(self.options.max_time)
        with self._watches_lock:
            self._watches.add(watch)
        if self._stopped.is_set():
            watch.cut("cancelled")
        try:
            with watching(watch):
                return self._follow(source, url, label, entry, watch)
        except _ENDS_AN_ATTEMPT as exc:
            why = watch.settle()
            if why == "cancelled":
                raise _Cancelled from None
            if why == "deadline":
                raise AttemptFailed(
                    Failure(
                        f"not complete after {self.options.max_time:g} s (--max-time)",
                        "the site is answering very slowly; try again later, or raise --max-time",
                        error="timeout",
                    )
                ) from None
            if isinstance(exc, AttemptFailed):
                raise
            if isinstance(exc, TRANSLATED):
                failure = translate(exc, self.options)
                if failure.retried:
                    raise AttemptFailed(failure) from exc
                raise FetchError(message(label, failure)) from exc
            raise
        finally:
            with self._watches_lock:
                self._watches.discard(watch)

    def _follow(
        self, source: Source, url: str, label: str, entry: CacheEntry | None, watch: Watch
    ) -> Page:
        current = url
        chain = [url]
        for _ in range(MAX_REDIRECTS + 1):
            headers = self.cache.request_headers(entry, current)
            request = self._client.build_request("GET", current, headers=headers)
            try:
                response = self._client.send(request, stream=True)
            except idna.IDNAError as exc:  # httpx prepares a redirect's request, even unfollowed
                raise FetchError(
                    f"{label}: redirected to a host name that is not a valid internationalised "
                    f"domain name ({exc}); refusing to follow"
                ) from exc
            try:
                watch.check()
                if response.has_redirect_location:
                    current = redirect_target(label, url, chain, response)
                    chain.append(current)
                    continue
                return self._read(source, url, label, response, entry, watch)
            finally:
                response.close()
        raise FetchError(
            f"{label}: more than {MAX_REDIRECTS} redirects (last to "
            f"{without_userinfo(current)}); update the source's url to where the page now lives"
        )

    def _read(
        self,
        source: Source,
        url: str,
        label: str,
        response: httpx.Response,
        entry: CacheEntry | None,
        watch: Watch,
    ) -> Page:
        status = response.status_code
        if status == 304:
            reused = self.cache.not_modified(
                entry, response.headers, label=label, source_id=source.id
            )
            media = media_type_of(reused.content_type)
            cached_kind = page_kind(reused.final_url, media) or sniff(reused.body)
            return _page(source, reused, cached_kind, status, not_modified=True)
        check_status(label, response)
        final_url = str(response.url)
        kind = checked_kind(label, final_url, response.headers.get("Content-Type"))
        body = read_body(label, response, self.options.max_body_size, watch.check)
        if not body:
            raise FetchError(
                f"{label}: HTTP {status} with an empty body; the site may be failing, "
                "try again later"
            )
        stored = self.cache.full(
            url, final_url, response.headers, body, label=label, source_id=source.id
        )
        return _page(source, stored, kind or sniff(body), status, not_modified=False)


def fetch_pages(
    sources: tuple[Source, ...],
    options: RemoteOptions,
    warn: Warn,
    *,
    client: httpx.Client | None = None,
    retry: Warn | None = None,
) -> Iterator[tuple[Source, Fetched | SourceError]]:
    """Fetch the sources concurrently; yield each one's page or error as soon as it is done.

    Past `options.max_refresh_time` the sources still pending fail; an interrupt (or anything
    else that stops the caller) cancels every request in flight before it goes on.
    """
    fetcher = Fetcher(options, warn, client=client, retry=retry)
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
                        f"{source.id}: {without_userinfo(source.url)}: the refresh took more "
                        f"than {options.max_refresh_time:g} s (--max-refresh-time) and was "
                        "stopped; try again later, or raise --max-refresh-time"
                    ),
                )
    finally:
        fetcher.cancel()  # nothing left to wait for, or the caller is going away: stop at once
        pool.shutdown(wait=True, cancel_futures=True)
        fetcher.close()


def _checked_source_url(source: Source) -> str:
    if not source.url:
        raise FetchError(
            f"{source.id}: no url to fetch; give the source a url or build without --remote"
        )
    shown = f"{source.id}: {without_userinfo(source.url)}"
    scheme = checked_url(source.url, shown).scheme
    if scheme not in ("http", "https"):
        raise FetchError(
            f"{shown}: only http and https urls are fetched, "
            f"not {scheme or 'a bare path'!r}; fix the source's url"
        )
    return source.url


def _host(url: str) -> str:
    try:
        return httpx.URL(url).raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError):
        return ""


def _page(
    source: Source,
    entry: CacheEntry,
    kind: PageKind,
    status: int,
    *,
    not_modified: bool,
) -> Page:
    return Page(
        source=source,
        location=entry.final_url,
        data=entry.body,
        kind=kind,
        charset=charset(entry.content_type),
        transfer=Transfer(
            final_url=entry.final_url,
            status=status,
            etag=entry.etag,
            last_modified=entry.last_modified,
            fetched_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            not_modified=not_modified,
        ),
    )


def _seconds(delay: float) -> str:
    return f"{delay:.1f}".removesuffix(".0") + " s"
