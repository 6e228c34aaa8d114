from __future__ import annotations

import pytest

from scraper.model import parse_code
from scraper.parse.columns import assign_columns
from scraper.parse.rows import platform_for, sdk_for


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (("Code", "Error Message", "说明"), {"code": 0, "message": 1, "description": 2}),
        (("说明", "Error Message", "Code"), {"code": 2, "message": 1, "description": 0}),
        (("  ERROR   CODE ", "description"), {"code": 0, "description": 1}),
        (("错误码", "错误信息", "描述"), {"code": 0, "message": 1, "description": 2}),
        (("Code", "Err Message", "DESCRIPTION"), {"code": 0, "message": 1, "description": 2}),
        (("Code", "Message", "Instructions"), {"code": 0, "message": 1, "description": 2}),
        (("Code", "Message"), {"code": 0, "message": 1}),
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
def test_columns_of_a_header_over_codes(
    header: tuple[str, ...], expected: dict[str, int] | None
) -> None:
    # One body row with a code in the code column (or in the first column when there is none).
    code_at = expected["code"] if expected else 0
    body = [tuple("863004" if index == code_at else "text" for index in range(len(header)))]
    columns = assign_columns(header, body).columns
    assert (dict(columns.roles) if columns else None) == expected


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
