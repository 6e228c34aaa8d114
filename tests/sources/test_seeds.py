"""The two seed pages give exactly the records the documentation states."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from scraper.merge import merge
from scraper.model import Record
from scraper.parse.page import ParsedPage, parse_page
from scraper.sources.catalog import SEED_SOURCES as BUILTIN_SOURCES
from scraper.sources.local import page_html, read_local
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def seed_pages() -> list[ParsedPage]:
    return [parse_page(page_html(read_local(source)), source) for source in BUILTIN_SOURCES]


@pytest.fixture(scope="module")
def seed_records(seed_pages: list[ParsedPage]) -> dict[int, list[Record]]:
    by_code: dict[int, list[Record]] = {}
    for record in merge(BUILTIN_SOURCES, seed_pages).records:
        by_code.setdefault(record.code, []).append(record)
    return by_code


def test_seed_fixtures_are_the_pages_as_received() -> None:
    # Byte-for-byte copies: any edit to the fixtures would change these digests.
    digests = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in SEEDS.iterdir()}
    assert digests == {
        "im_errorcode_ios.md": "3d1f2d282e5374f6bb9ada9481d0f954d203bc39829a77e65ab951c046a8fa33",
        "im_errorcode_android.md": (
            "b9ee419f408a0eb1082edb9949770060ba15262eb21ce1a2e83b4424a92149df"
        ),
    }


def test_seeds_give_73_records_by_section(seed_pages: list[ParsedPage]) -> None:
    records = merge(BUILTIN_SOURCES, seed_pages).records
    assert Counter(record.section for record in records) == {
        "JMessage iOS": 33,
        "JMRTC iOS": 8,
        "JMessage Android": 32,
    }
    assert Counter((record.platform, record.sdk) for record in records) == {
        ("ios", "JMessage"): 33,
        ("ios", "JMRTC"): 8,
        ("android", "JMessage"): 32,
    }


def test_blank_jmrtc_rows_are_skipped_and_counted(seed_pages: list[ParsedPage]) -> None:
    reports = {page.source.id: page.report for page in seed_pages}
    assert set(reports) == {"jmessage-ios", "jmessage-android"}
    assert (reports["jmessage-ios"].blank_rows, reports["jmessage-android"].blank_rows) == (6, 0)
    assert all(not report.anomalies and not report.duplicates for report in reports.values())


@pytest.mark.parametrize(
    ("code", "field", "expected"),
    [
        (868002, "message", "ChatRoom not exist"),
        (871305, "description", "名称不合法（包括nickname groupname notename）"),
        (871002, "message", "the %@ operation cannot be performed in the %@ state."),
        (871005, "message", "currtent user login status is abnormal."),
        (871007, "message", "engine init fail，please initialize engine."),
        (863005, "description", "请求用户数量超出限制（目前单次最大请求500个）"),
        (0, "message", "Success"),
        (
            0,
            "url",
            "https://docs.jiguang.cn/jmessage/client/im_errorcode_android/#jmessage-android",
        ),
        (871001, "url", "https://docs.jiguang.cn/jmessage/client/im_errorcode_ios/#jmrtc-ios"),
    ],
    ids=[
        "leading-space-stripped",
        "trailing-spaces-stripped",
        "placeholders-kept",
        "typo-kept",
        "full-width-comma-kept",
        "full-width-parentheses-kept",
        "code-zero-success",
        "url-anchor-android",
        "url-anchor-jmrtc",
    ],
)
def test_seed_values(
    seed_records: dict[int, list[Record]], code: int, field: str, expected: str
) -> None:
    [record] = seed_records[code]
    assert getattr(record, field) == expected


def test_text_after_the_last_table_adds_no_records(seed_records: dict[int, list[Record]]) -> None:
    # The iOS page's last line (the related-documents list that lost its line breaks) is prose.
    assert max(seed_records) == 871506
    assert all(record.code >= 0 for records in seed_records.values() for record in records)
