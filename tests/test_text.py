from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.text import normalise_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" ChatRoom not exist", "ChatRoom not exist"),
        (
            "名称不合法（包括nickname groupname notename）  ",
            "名称不合法（包括nickname groupname notename）",
        ),
        ("a\tb\nc\r\nd", "a b c d"),
        ("a\u00a0\u00a0b", "a b"),
        ("全角\u3000空格", "全角 空格"),
        ("the %@ operation", "the %@ operation"),
        ("currtent user", "currtent user"),
        ("engine init fail，please", "engine init fail，please"),
        ("", ""),
        (" \t\u3000\u00a0", ""),
    ],
    ids=[
        "leading-space",
        "trailing-spaces",
        "tabs-newlines",
        "nbsp",
        "ideographic-space",
        "placeholder-kept",
        "typo-kept",
        "full-width-comma-kept",
        "empty",
        "only-whitespace",
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


def test_printable_escapes_what_a_terminal_would_act_on() -> None:
    from scraper.text import printable

    assert printable("a\x1b[2Jb\x07c\x9bd\u202ee\tf\ng") == "a\\x1b[2Jb\\x07c\\x9bd\\u202ee\tf\ng"
    assert printable("登录 异常") == "登录 异常"


def test_a_warning_with_escape_sequences_is_printed_escaped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from scraper.cli import _stderr

    _stderr("warning: \x1b]0;owned\x07 title")
    assert capsys.readouterr().err == "warning: \\x1b]0;owned\\x07 title\n"


_WHITESPACE_RUN = re.compile(r"\s+")


@given(st.text())
def test_normalising_is_collapsing_every_whitespace_run_and_stripping(text: str) -> None:
    assert normalise_text(text) == _WHITESPACE_RUN.sub(" ", text).strip()


def test_every_character_python_calls_whitespace_is_normalised_as_a_regex_would() -> None:
    spaces = "".join(chr(code) for code in range(0x110000) if chr(code).isspace())
    assert normalise_text(f"a{spaces}b{spaces}") == _WHITESPACE_RUN.sub(" ", f"a{spaces}b").strip()


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://reader:s3cret@docs.example.test/a", "https://docs.example.test/a"),
        ("http://reader:s3cret@[::1/a", "http://[::1/a"),
    ],
    ids=["parsable", "unparsable"],
)
def test_without_userinfo_cuts_credentials_even_from_an_unparsable_url(
    url: str, public: str
) -> None:
    from scraper.text import without_userinfo

    assert without_userinfo(url) == public
