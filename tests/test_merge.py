"""Merging: the parsed pages' records (and --only's kept ones) in one sorted list, with each
source's manifest entry; the typed value publishing takes."""

from __future__ import annotations

import pytest

from scraper.merge import merge
from scraper.model import Source
from scraper.parse.page import parse_page
from scraper.publish.entries import SourceEntry
from tests.datasets import record

IOS = Source("ios", "https://docs.example/ios/", None, "ios")
ANDROID = Source("android", "https://user:s3cret@docs.example/android/", None, "android")
TABLE = "<h2>JMessage iOS</h2><table><tr><th>Code</th><th>Message</th></tr>{}</table>"


def rows(*codes: int) -> str:
    return "".join(f"<tr><td>{code}</td><td>m</td></tr>" for code in codes)


def test_merge_sorts_by_source_platform_sdk_then_numeric_code_and_keeps_sdks_apart() -> None:
    ios = parse_page(TABLE.format(rows(10, 9, 0)), IOS)
    android = parse_page(
        "<h2>JMRTC Android</h2><table><tr><th>Code</th></tr><tr><td>0</td></tr></table>"
        "<h2>JMessage Android</h2><table><tr><th>Code</th></tr><tr><td>0</td></tr></table>",
        ANDROID,
    )
    merged = merge([IOS, ANDROID], [ios, android])
    assert [record.key for record in merged.records] == [
        ("android", "android", "JMRTC", "0", 1),
        ("android", "android", "JMessage", "0", 1),
        ("ios", "ios", "JMessage", "0", 1),
        ("ios", "ios", "JMessage", "9", 1),
        ("ios", "ios", "JMessage", "10", 1),
    ]
    assert [entry.id for entry in merged.entries] == ["ios", "android"]
    assert [entry.records for entry in merged.entries] == [3, 2]


def test_the_sources_publishing_gets_carry_no_credentials() -> None:
    android = parse_page(TABLE.format(rows(1)), ANDROID)
    merged = merge([ANDROID], [android])
    assert [source.url for source in merged.sources] == ["https://docs.example/android/"]


def test_kept_sources_come_in_their_place_with_their_previous_entries() -> None:
    ios = parse_page(TABLE.format(rows(1)), IOS)
    kept = SourceEntry("android", "https://docs.example/android/", None, tables=1, records=1)
    previous = record(platform="android", code=5)
    merged = merge([ANDROID, IOS], [ios], {"android": [previous]}, {"android": kept})
    assert [entry.id for entry in merged.entries] == ["android", "ios"]
    assert merged.entries[0] is kept
    assert previous in merged.records


def test_a_key_given_twice_is_a_bug_not_a_silent_collapse() -> None:
    first = parse_page(TABLE.format(rows(1)), IOS)
    again = parse_page(TABLE.format(rows(1)), IOS)
    with pytest.raises(RuntimeError, match=r"ios: the key ios/ios/JMessage/1 appears twice"):
        merge([IOS], [first, again])
