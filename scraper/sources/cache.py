"""The HTTP validator cache: each url's ETag / Last-Modified and body, kept between refreshes.

A store (`CacheStore`: files in a folder) and a validator policy (`conditional_headers`: what
to send so an unchanged page costs a 304). Each entry is two files named by the url's hash:
`<key>.body` (the page bytes) and `<key>.json` (metadata, including the body's sha256), both
written atomically, metadata last. An entry that cannot be read back intact is a miss with a
warning, never a crash: the cache only ever saves a download.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from scraper.files import MIB, atomic_write, parse_json, read_regular
from scraper.sources.decode import MAX_PAGE_BYTES

_FORMAT = 1  # bump when the metadata layout changes; other versions are misses

Warn = Callable[[str], None]
_MAX_META_BYTES = MIB
# A validator is sent back as a header: printable ASCII, no surrounding space, of sane length.
_VISIBLE_ASCII = re.compile(r"[\x21-\x7e](?:[\x20-\x7e]{0,1022}[\x21-\x7e])?")


def is_visible_ascii(value: str) -> bool:
    """True for a header value the cache may store and send back (an ETag, a Last-Modified)."""
    return _VISIBLE_ASCII.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """What the last full (200) answer for `url` said, and its body."""

    url: str
    final_url: str
    etag: str | None
    last_modified: str | None
    content_type: str | None
    sha256: str
    size: int
    body: bytes


def conditional_headers(entry: CacheEntry | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since for a cached entry; nothing when there is none."""
    if entry is None:
        return {}
    headers: dict[str, str] = {}
    if entry.etag:
        headers["If-None-Match"] = entry.etag
    if entry.last_modified:
        headers["If-Modified-Since"] = entry.last_modified
    return headers


def cache_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


class CacheStore:
    """Entries in one folder; `warn` receives one line for every entry that had to be ignored."""

    def __init__(self, folder: Path, warn: Warn) -> None:
        self.folder = folder
        self._warn = warn

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = cache_key(url)
        return self.folder / f"{key}.json", self.folder / f"{key}.body"

    def load(self, url: str, label: str) -> CacheEntry | None:
        """The entry for `url`, or None when there is none or it is unusable (with a warning)."""
        meta_path, body_path = self._paths(url)
        if not meta_path.exists():
            return None
        entry = _read_entry(url, meta_path, body_path)
        if isinstance(entry, str):
            self._warn(
                f"{label}: ignoring the cache entry {meta_path} ({entry}); "
                "fetching the page in full"
            )
            return None
        return entry

    def save(self, entry: CacheEntry, label: str) -> None:
        """Store an entry (body first, metadata last); a failure only costs a warning."""
        meta_path, body_path = self._paths(entry.url)
        meta = {"format": _FORMAT, **asdict(entry)}
        del meta["body"]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(body_path, entry.body)
            atomic_write(meta_path, (json.dumps(meta, indent=2) + "\n").encode("utf-8"))
        except OSError as exc:
            self._warn(
                f"{label}: cannot write the cache entry in {self.folder} "
                f"({exc.strerror or exc}); the next refresh will download the page again"
            )


_OPTIONAL_TEXT = ("etag", "last_modified", "content_type")


def _read_entry(url: str, meta_path: Path, body_path: Path) -> CacheEntry | str:
    """The entry stored for `url`, or why it cannot be used."""
    try:
        meta: Any = parse_json(read_regular(meta_path, _MAX_META_BYTES))
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    except ValueError:
        return "its metadata is not valid JSON"
    problem = _check_meta(meta, url)
    if problem:
        return problem
    try:
        body = read_regular(body_path, MAX_PAGE_BYTES)
    except OSError as exc:
        return f"its body file {body_path.name} is missing or unreadable ({exc.strerror or exc})"
    if len(body) != meta["size"] or hashlib.sha256(body).hexdigest() != meta["sha256"]:
        return "its body does not match the recorded sha256"
    return CacheEntry(
        url=url,
        final_url=meta["final_url"],
        etag=meta["etag"],
        last_modified=meta["last_modified"],
        content_type=meta["content_type"],
        sha256=meta["sha256"],
        size=meta["size"],
        body=body,
    )


def _check_meta(meta: object, url: str) -> str | None:
    """Why this metadata cannot be used for `url`, or None when it can."""
    if not isinstance(meta, dict):
        return "its metadata is not an object"
    if meta.get("format") != _FORMAT:
        return f"unknown format {meta.get('format')!r}"
    if meta.get("url") != url:
        return "it belongs to another url"
    if not isinstance(meta.get("final_url"), str):
        return "final_url is missing"
    if not all(meta.get(name) is None or isinstance(meta[name], str) for name in _OPTIONAL_TEXT):
        return "a validator has a wrong type"
    if not all(meta.get(name) is None or is_visible_ascii(meta[name]) for name in _OPTIONAL_TEXT):
        return "a validator is not visible ASCII"
    sha = meta.get("sha256")
    size = meta.get("size")
    if not isinstance(sha, str) or not isinstance(size, int) or isinstance(size, bool):
        return "sha256 or size is missing"
    return None
