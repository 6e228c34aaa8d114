"""The cache policy, beside its store (`scraper.sources.cache`): which validators are sent,
what a 200 stores, and when a 304 reuses the cached body.

Plain values in and out (a url, a status, the answer's headers as a mapping, the body), so
the rules are testable without HTTP. Entries are keyed and stored by the url without its
`user:password@` part: credentials are for fetching, never for a file the workflow uploads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import replace

from scraper.errors import FetchError
from scraper.sources.cache import CacheEntry, CacheStore, conditional_headers, is_visible_ascii
from scraper.text import without_userinfo

Warn = Callable[[str], None]


class CachePolicy:
    """The validator rules over an optional store (None: no cache, nothing is conditional)."""

    def __init__(self, store: CacheStore | None, warn: Warn) -> None:
        self.store = store
        self._warn = warn

    def lookup(self, url: str, source_id: str) -> CacheEntry | None:
        """The entry stored for `url`, if there is a usable one."""
        return self.store.load(without_userinfo(url), source_id) if self.store else None

    def request_headers(self, entry: CacheEntry | None, url: str) -> dict[str, str]:
        """Validators for a request to `url`: only to the resource they came from."""
        if entry is None or entry.final_url != without_userinfo(url):
            return {}
        return conditional_headers(entry)

    def full(
        self,
        url: str,
        final_url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        label: str,
        source_id: str,
    ) -> CacheEntry:
        """A 200's entry, stored when it has a validator: without one the next refresh could
        not ask "changed?", so nothing is kept."""
        etag = self._validator(label, headers, "ETag")
        last_modified = self._validator(label, headers, "Last-Modified")
        entry = CacheEntry(
            url=without_userinfo(url),
            final_url=without_userinfo(final_url),
            etag=etag,
            last_modified=last_modified,
            content_type=headers.get("Content-Type"),
            sha256=hashlib.sha256(body).hexdigest(),
            size=len(body),
            body=body,
        )
        if self.store and (etag or last_modified):
            self.store.save(entry, source_id)
        return entry

    def not_modified(
        self,
        entry: CacheEntry | None,
        headers: Mapping[str, str],
        *,
        label: str,
        source_id: str,
    ) -> CacheEntry:
        """A 304: the cached body stands; new validators, if the site sent any, replace the
        old. A 304 with nothing cached to reuse is a FetchError."""
        if entry is None:
            raise FetchError(
                f"{label}: HTTP 304 Not Modified, but nothing was cached to reuse; "
                "run the refresh again with --no-cache"
            )
        etag = self._validator(label, headers, "ETag") or entry.etag
        last_modified = self._validator(label, headers, "Last-Modified") or entry.last_modified
        current = replace(entry, etag=etag, last_modified=last_modified)
        if self.store and (etag, last_modified) != (entry.etag, entry.last_modified):
            self.store.save(current, source_id)
        return current

    def _validator(self, label: str, headers: Mapping[str, str], name: str) -> str | None:
        """A validator header to store and send back, if it is visible ASCII (else dropped)."""
        value = headers.get(name)
        if value is None or is_visible_ascii(value):
            return value
        self._warn(
            f"{label}: ignoring the {name} header {value[:80]!r}, which is not "
            "visible ASCII; the next refresh cannot ask whether the page changed"
        )
        return None
