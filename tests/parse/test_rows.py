from __future__ import annotations

import pytest

from scraper.model import parse_code
from scraper.parse.rows import Columns, find_columns, platform_for, sdk_for


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (("Code", "Error Message", "说明"), Columns(0, 1, 2)),
        (("说明", "Error Message", "Code"), Columns(2, 1, 0)),
        (("  ERROR   CODE ", "description"), Columns(0, None, 1)),
        (("错误码", "错误信息", "描述"), Columns(0, 1, 2)),
        (("Code", "Err Message", "DESCRIPTION"), Columns(0, 1, 2)),
        (("Code", "Message", "Instructions"), Columns(0, 1, 2)),
        (("Code", "Message"), Columns(0, 1, None)),
        (("Name", "Value"), None),
        ((), None),
    ],
    ids=[
        "seed-header",
        "order-swapped",
        "no-message",
        "chinese",
        "web-sdk",
        "english-edition",
        "no-description",
        "no-code-column",
        "empty",
    ],
)
def test_find_columns(header: tuple[str, ...], expected: Columns | None) -> None:
    assert find_columns(header) == expected


@pytest.mark.parametrize(
    ("heading", "default", "expected"),
    [
        ("JMessage iOS", "android", "ios"),
        ("JMRTC Android", "ios", "android"),
        ("JMessage Web SDK", "ios", "web"),
        ("JS SDK 错误码", "ios", "web"),
        ("Windows", "ios", "windows"),
        ("Server Error", "ios", "server"),
        ("iOS错误码", "android", "ios"),
        ("Biosphere", "android", "android"),
        ("IM SDK ErrorCode 定义", "android", "android"),
        ("", "ios", "ios"),
    ],
    ids=[
        "ios",
        "android",
        "web",
        "js",
        "windows",
        "server",
        "ios-before-cjk",
        "ios-inside-word-ignored",
        "no-platform-word",
        "no-heading",
    ],
)
def test_platform_for(heading: str, default: str, expected: str) -> None:
    assert platform_for(heading, default) == expected


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("JMRTC iOS", "JMRTC"),
        ("jmrtc android", "JMRTC"),
        ("JMessage iOS", "JMessage"),
        ("", "JMessage"),
    ],
    ids=["jmrtc", "lowercase", "jmessage", "empty"],
)
def test_sdk_for(heading: str, expected: str) -> None:
    assert sdk_for(heading) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("871302", 871302),
        ("0", 0),
        ("-1", -1),
        ("+5", 5),
        ("1234567", 1234567),
        ("Code", None),
        ("-", None),
        ("12a", None),
        ("", None),
        ("8.5", None),
    ],
    ids=[
        "six-digit",
        "zero",
        "negative",
        "plus",
        "seven-digit",
        "header",
        "dash",
        "mixed",
        "empty",
        "decimal",
    ],
)
def test_parse_code(text: str, expected: int | None) -> None:
    assert parse_code(text) == expected
