"""Bytes to text: BOM, declared charset, <meta charset>, detection, and clear errors."""

from __future__ import annotations

import codecs

import pytest

from scraper.errors import ReadError
from scraper.sources.decode import MAX_PAGE_BYTES, decode_page

PAGE = "<h2>JMessage iOS</h2><table><tr><td>871101</td><td>请求参数不合法，𠀀€</td></tr></table>"


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (PAGE.encode("utf-8"), None),
        (codecs.BOM_UTF8 + PAGE.encode("utf-8"), None),
        (codecs.BOM_UTF16_LE + PAGE.encode("utf-16-le"), None),
        (f'<meta charset="gb18030">{PAGE}'.encode("gb18030"), None),
        (
            f"<meta http-equiv='Content-Type' content='text/html; charset=GB18030'>{PAGE}".encode(
                "gb18030"
            ),
            None,
        ),
        (PAGE.encode("gb18030"), "gb18030"),
        (f'<meta charset="utf-16">{PAGE}'.encode(), None),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "meta-gb18030", "http-equiv", "declared", "meta-utf16"],
)
def test_pages_decode_as_browsers_decode_them(data: bytes, declared: str | None) -> None:
    assert decode_page(data, "ios", declared).endswith(PAGE)


def test_gbk_pages_decode_as_gb18030_so_rare_characters_survive() -> None:
    text = "<meta charset=gbk><td>参数不合法（ＧＢＫ）</td>"
    assert decode_page(text.encode("gbk"), "ios") == text
    # U+20000 is not in GBK; a page labelled gbk that holds it still decodes.
    rare = "<meta charset=gbk><td>𠀀</td>"
    assert decode_page(rare.encode("gb18030"), "ios") == rare


def test_crlf_is_kept_for_the_parser_to_normalise() -> None:
    assert decode_page(b"<td>a\r\nb</td>", "ios") == "<td>a\r\nb</td>"


@pytest.mark.parametrize(
    ("data", "declared", "message"),
    [
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            None,
            "ios: looks like a binary file, not a text page",
        ),
        (
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00",
            None,
            "ios: looks gzip-compressed, not a text page; decompress it (gunzip) first",
        ),
        (b"<meta charset='klingon'><p>x", None, "ios: unknown character encoding 'klingon'"),
        (
            b"<meta charset='utf-8'><p>\xb4\xed",
            None,
            "ios: bytes do not match the declared encoding 'utf-8' (first bad byte at offset 25); "
            "the file may be truncated or saved in another encoding: re-save it as UTF-8, or fix "
            "its <meta charset>",
        ),
    ],
    ids=["binary", "gzip", "unknown-charset", "wrong-charset"],
)
def test_undecodable_pages_are_read_errors_that_say_what_to_try(
    data: bytes, declared: str | None, message: str
) -> None:
    with pytest.raises(ReadError) as caught:
        decode_page(data, "ios", declared)
    assert str(caught.value) == message
    assert caught.value.exit_code == 3


def test_a_page_over_the_size_limit_is_refused_before_decoding() -> None:
    with pytest.raises(ReadError) as caught:
        decode_page(b" " * (MAX_PAGE_BYTES + 1), "ios")
    assert str(caught.value) == (
        "ios: the page is 32.0 MiB, more than the 32 MiB limit (documentation pages are tens "
        "of KiB); check that this is the right file"
    )


def test_a_pipe_table_right_after_a_line_of_text_is_still_a_table() -> None:
    from scraper.sources.local import render_markdown, separate_pipe_tables

    text = "Codes:\n| Code | Msg |\n|---|---|\n| 1 | a |\n"
    assert separate_pipe_tables(text) == "Codes:\n\n| Code | Msg |\n|---|---|\n| 1 | a |"
    assert "<td>1</td>" in render_markdown(text)


@pytest.mark.parametrize("charset", ["unicode_escape", "raw_unicode_escape", "utf-7", "utf-32"])
def test_a_python_only_codec_is_refused_so_escapes_stay_text(charset: str) -> None:
    with pytest.raises(ReadError) as caught:
        decode_page(b"<td>\\x1b[31m</td>", "ios", charset)
    assert str(caught.value) == (
        f"ios: the declared charset '{charset}' is not an encoding of the web (the WHATWG "
        "Encoding Standard's list, which browsers use); fix the page's charset"
    )


@pytest.mark.parametrize(
    ("declared", "encoded"),
    [("utf-16", "utf-16-le"), ("UTF-16LE", "utf-16-le"), ("utf-16be", "utf-16-be")],
    ids=["utf-16", "utf-16le", "utf-16be"],
)
def test_utf16_declared_in_the_header_decodes_without_a_bom(declared: str, encoded: str) -> None:
    assert decode_page(PAGE.encode(encoded), "ios", declared) == PAGE


def test_latin1_labels_decode_as_windows_1252_as_browsers_do() -> None:
    assert decode_page(b"<td>\x80 \xe9</td>", "ios", "iso-8859-1") == "<td>€ é</td>"
