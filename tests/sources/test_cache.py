"""The validator cache: entries round-trip, conditional headers, corrupt entries are misses."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from scraper.sources.cache import CacheEntry, CacheStore, cache_key, conditional_headers

URL = "https://docs.example.test/errorcodes/"
BODY = b"<table><tr><th>Code</th></tr></table>"


def make_entry(**changes: object) -> CacheEntry:
    values: dict[str, object] = {
        "url": URL,
        "final_url": URL,
        "etag": '"v1"',
        "last_modified": "Sat, 01 Mar 2025 12:00:00 GMT",
        "content_type": "text/html; charset=utf-8",
        "sha256": hashlib.sha256(BODY).hexdigest(),
        "size": len(BODY),
        "body": BODY,
    }
    values.update(changes)
    return CacheEntry(**values)  # type: ignore[arg-type]


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def store(tmp_path: Path, warnings: list[str]) -> CacheStore:
    return CacheStore(tmp_path / "cache", warnings.append)


def test_an_entry_round_trips(store: CacheStore, warnings: list[str]) -> None:
    store.save(make_entry(), "ios")
    assert store.load(URL, "ios") == make_entry()
    assert warnings == []


def test_files_are_named_by_the_url_hash_and_metadata_is_json(store: CacheStore) -> None:
    store.save(make_entry(), "ios")
    key = cache_key(URL)
    assert sorted(path.name for path in store.folder.iterdir()) == [f"{key}.body", f"{key}.json"]
    meta = json.loads((store.folder / f"{key}.json").read_text(encoding="utf-8"))
    assert meta == {
        "format": 1,
        "url": URL,
        "final_url": URL,
        "etag": '"v1"',
        "last_modified": "Sat, 01 Mar 2025 12:00:00 GMT",
        "content_type": "text/html; charset=utf-8",
        "sha256": hashlib.sha256(BODY).hexdigest(),
        "size": len(BODY),
    }


def test_no_entry_is_a_silent_miss(store: CacheStore, warnings: list[str]) -> None:
    assert store.load(URL, "ios") is None
    assert warnings == []


def test_an_entry_for_one_url_is_not_used_for_another(store: CacheStore) -> None:
    store.save(make_entry(), "ios")
    assert store.load(URL + "other", "ios") is None


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda meta, body: meta.write_bytes(b"{not json"), "its metadata is not valid JSON"),
        (lambda meta, body: meta.write_bytes(b"\xff\xfe"), "its metadata is not valid JSON"),
        (lambda meta, body: meta.write_text("[]"), "its metadata is not an object"),
        (
            lambda meta, body: meta.write_text(json.dumps({"format": 99})),
            "unknown format 99",
        ),
        (
            lambda meta, body: _edit(meta, sha256=None),
            "sha256 or size is missing",
        ),
        (lambda meta, body: _edit(meta, etag=5), "a validator has a wrong type"),
        (lambda meta, body: _edit(meta, url="https://other.test/"), "it belongs to another url"),
        (lambda meta, body: _edit(meta, final_url=None), "final_url is missing"),
        (lambda meta, body: body.write_bytes(b"truncat"), "its body does not match"),
        (lambda meta, body: body.unlink(), "is missing or unreadable"),
    ],
    ids=[
        "invalid-json",
        "not-utf8",
        "not-an-object",
        "unknown-format",
        "no-sha256",
        "etag-wrong-type",
        "other-url",
        "no-final-url",
        "truncated-body",
        "missing-body",
    ],
)
def test_a_corrupt_entry_is_a_miss_with_a_warning(
    store: CacheStore, warnings: list[str], damage: object, problem: str
) -> None:
    store.save(make_entry(), "ios")
    key = cache_key(URL)
    meta_path, body_path = store.folder / f"{key}.json", store.folder / f"{key}.body"
    damage(meta_path, body_path)  # type: ignore[operator]
    assert store.load(URL, "ios") is None
    assert len(warnings) == 1
    assert warnings[0].startswith(f"ios: ignoring the cache entry {meta_path} (")
    assert problem in warnings[0]
    assert warnings[0].endswith("); fetching the page in full")


def test_saving_again_repairs_a_corrupt_entry(store: CacheStore, warnings: list[str]) -> None:
    store.save(make_entry(), "ios")
    (store.folder / f"{cache_key(URL)}.json").write_text("garbage")
    assert store.load(URL, "ios") is None
    store.save(make_entry(etag='"v2"'), "ios")
    loaded = store.load(URL, "ios")
    assert loaded is not None
    assert loaded.etag == '"v2"'


def test_a_cache_that_cannot_be_written_only_warns(tmp_path: Path, warnings: list[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    CacheStore(blocker / "cache", warnings.append).save(make_entry(), "ios")
    assert len(warnings) == 1
    assert warnings[0].startswith(f"ios: cannot write the cache entry in {blocker}/cache")
    assert warnings[0].endswith("the next refresh will download the page again")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (None, {}),
        (
            make_entry(),
            {
                "If-None-Match": '"v1"',
                "If-Modified-Since": "Sat, 01 Mar 2025 12:00:00 GMT",
            },
        ),
        (make_entry(last_modified=None), {"If-None-Match": '"v1"'}),
        (
            make_entry(etag=None),
            {"If-Modified-Since": "Sat, 01 Mar 2025 12:00:00 GMT"},
        ),
    ],
    ids=["no-entry", "both", "etag-only", "last-modified-only"],
)
def test_conditional_headers(entry: CacheEntry | None, expected: dict[str, str]) -> None:
    assert conditional_headers(entry) == expected


def _edit(meta_path: Path, **changes: object) -> None:
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(changes)
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
