"""The parser contract, one small inline page per rule."""

from __future__ import annotations

import pytest

from scraper.errors import ParseError, SourceError
from scraper.model import Record, Source, key_label
from scraper.parse.page import ParsedPage, parse_page
from scraper.sources.local import render_markdown

IOS = Source("ios", "https://docs.example/ios/", None, "ios")
TABLE_WITH_CODE_5 = "<table><tr><th>Code</th></tr><tr><td>5</td></tr></table>"
ANDROID = Source("android", "https://docs.example/android/", None, "android")


def page(
    rows: str,
    *,
    header: str = "<tr><th>Code</th><th>Error Message</th><th>说明</th></tr>",
    heading: str = '<h2 id="jmessage-ios">JMessage iOS</h2>',
) -> str:
    return f"<html><body>{heading}<table>{header}{rows}</table></body></html>"


def parsed(html: str | bytes, source: Source = IOS) -> ParsedPage:
    return parse_page(html, source)


def only_record(html: str) -> Record:
    result = parsed(html)
    assert len(result.records) == 1
    return result.records[0][0]


def test_a_row_becomes_a_record_with_every_field() -> None:
    record = only_record(
        page("<tr><td>863004</td><td>User is not at Login state</td><td>用户未在登录状态</td></tr>")
    )
    assert record == Record(
        product="JMessage",
        platform="ios",
        sdk="JMessage",
        code=863004,
        code_text="863004",
        occurrence=1,
        name="",
        message="User is not at Login state",
        description="用户未在登录状态",
        detail="",
        advice="",
        http_status=None,
        extra={},
        section="JMessage iOS",
        source="ios",
        url="https://docs.example/ios/#jmessage-ios",
    )


def test_column_order_does_not_matter() -> None:
    html = page(
        "<tr><td>描述文字</td><td>42</td><td>The message</td></tr>",
        header="<tr><th>说明</th><th>Code</th><th>Error Message</th></tr>",
    )
    record = only_record(html)
    assert (record.code, record.message, record.description) == (42, "The message", "描述文字")


def test_missing_message_column_gives_empty_message() -> None:
    html = page(
        "<tr><td>7</td><td>只有说明</td></tr>", header="<tr><th>Code</th><th>说明</th></tr>"
    )
    record = only_record(html)
    assert (record.code, record.message, record.description) == (7, "", "只有说明")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('<a href="x">Password</a> error', "Password error"),
        ("line one<br>line two", "line one line two"),
        ("line one<br/>line two", "line one line two"),
        ("call <code>login()</code> first", "call login() first"),
        ("<strong>Co</strong>de", "Code"),
        ("a&nbsp;&amp;&nbsp;b", "a & b"),
        ("\n   spread\t over \n lines  ", "spread over lines"),
        ("全角\u3000空格", "全角 空格"),
    ],
    ids=[
        "anchor",
        "br",
        "br-self-closing",
        "code",
        "inline-tags-add-nothing",
        "entities",
        "whitespace",
        "u3000",
    ],
)
def test_cell_text_is_text_content_whitespace_normalised(cell: str, expected: str) -> None:
    record = only_record(page(f"<tr><td>1</td><td>{cell}</td><td>d</td></tr>"))
    assert record.message == expected


def test_blank_rows_are_skipped_and_counted() -> None:
    result = parsed(
        page(
            "<tr><td>1</td><td>a</td><td>b</td></tr>"
            "<tr><td></td><td></td><td></td></tr>"
            "<tr><td> </td><td>&nbsp;</td><td>\n</td></tr>"
        )
    )
    assert [record.code for record, _ in result.records] == [1]
    assert result.report.blank_rows == 2
    assert result.report.anomalies == []


@pytest.mark.parametrize(
    ("row", "text"),
    [
        ("<tr><td>Code</td><td>Message</td><td>说明</td></tr>", "Code | Message | 说明"),
        ("<tr><td>-</td><td>-</td><td></td></tr>", "- | - | "),
        (
            "<tr><td colspan='3'>注：以下错误码已废弃</td></tr>",
            "注：以下错误码已废弃 | 注：以下错误码已废弃 | 注：以下错误码已废弃",
        ),
    ],
    ids=["another-header", "dash", "stray-note"],
)
def test_rows_with_text_but_no_code_are_reported_as_anomalies(row: str, text: str) -> None:
    result = parsed(page("<tr><td>1</td><td>a</td><td>b</td></tr>" + row))
    assert [record.code for record, _ in result.records] == [1]
    assert len(result.report.anomalies) == 1
    anomaly = result.report.anomalies[0]
    assert (anomaly.source, anomaly.section, anomaly.table, anomaly.row, anomaly.text) == (
        "ios",
        "JMessage iOS",
        1,
        3,
        text,
    )
    assert anomaly.describe() == f"ios: table 1 (JMessage iOS), row 3: no integer code: {text}"


def test_the_header_repeated_in_the_body_is_skipped_without_a_word() -> None:
    result = parsed(
        page(
            "<tr><td>1</td><td>a</td><td>b</td></tr>"
            "<tr><td>Code</td><td>Error Message</td><td>说明</td></tr>"
            "<tr><td>2</td><td>c</td><td>d</td></tr>"
        )
    )
    assert [(record.code, record.message) for record, _ in result.records] == [(1, "a"), (2, "c")]
    assert [origin.row for _, origin in result.records] == [2, 4]
    assert result.report.anomalies == []
    assert result.report.blank_rows == 0


def test_code_with_empty_message_is_a_record() -> None:
    record = only_record(page("<tr><td>899070</td><td></td><td></td></tr>"))
    assert (record.code, record.message, record.description) == (899070, "", "")


@pytest.mark.parametrize(
    ("cell", "code"), [("0", 0), ("-1", -1), (" 871302 ", 871302), ("&nbsp;12&nbsp;", 12)]
)
def test_codes_may_be_zero_negative_or_padded(cell: str, code: int) -> None:
    assert only_record(page(f"<tr><td>{cell}</td><td>m</td><td>d</td></tr>")).code == code


def test_platform_and_sdk_come_from_the_heading() -> None:
    html = (
        "<h2>JMRTC Android</h2><table><tr><th>Code</th><th>Error Message</th></tr>"
        "<tr><td>0</td><td>ok</td></tr></table>"
        "<h2>其他</h2><table><tr><th>Code</th><th>Error Message</th></tr>"
        "<tr><td>0</td><td>ok</td></tr></table>"
    )
    keys = [record.key for record, _ in parsed(html).records]
    assert keys == [("ios", "android", "JMRTC", "0", 1), ("ios", "ios", "JMessage", "0", 1)]


def test_section_is_the_nearest_heading_before_the_table_and_url_has_no_anchor_without_id() -> None:
    html = "<h1>Page</h1><h3>Later heading</h3>" + TABLE_WITH_CODE_5
    record = only_record(html)
    assert (record.section, record.url) == ("Later heading", "https://docs.example/ios/")


def test_layout_tables_without_a_code_column_are_ignored() -> None:
    html = "<table><tr><th>Menu</th></tr><tr><td>Home</td></tr></table>" + page(
        "<tr><td>3</td><td>m</td><td>d</td></tr>"
    )
    result = parsed(html)
    assert result.report.tables == 1
    assert [record.code for record, _ in result.records] == [3]


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><h2>JMessage iOS</h2><p>No table here.</p></body></html>",
        "<table><tr><th>Name</th></tr><tr><td>x</td></tr></table>",
        "",
    ],
    ids=["no-table", "only-layout-table", "empty-page"],
)
def test_a_page_without_an_error_code_table_is_an_error(html: str) -> None:
    with pytest.raises(ParseError) as caught:
        parsed(html)
    assert str(caught.value).startswith(
        "no error-code table found in ios; the page layout may have changed"
    )
    assert isinstance(caught.value, SourceError)


def test_bytes_are_decoded_before_parsing() -> None:
    html = page("<tr><td>1</td><td>消息</td><td>说明</td></tr>")
    assert parsed(html.encode("utf-8")).records[0][0].message == "消息"


def test_a_code_listed_twice_keeps_both_rows_numbered_by_occurrence() -> None:
    result = parsed(
        page(
            "<tr><td>1</td><td>first</td><td>a</td></tr><tr><td>1</td><td>second</td><td>b</td></tr>"
        )
    )
    records = [record for record, _ in result.records]
    assert [(r.code, r.message, r.occurrence) for r in records] == [
        (1, "first", 1),
        (1, "second", 2),
    ]
    assert [key_label(r.key) for r in records] == [
        "ios/ios/JMessage/1",
        "ios/ios/JMessage/1 (2)",
    ]
    assert result.report.duplicates == []


def test_a_row_repeated_cell_for_cell_is_dropped_and_reported() -> None:
    result = parsed(
        page(
            "<tr><td>1</td><td>first</td><td>a</td></tr><tr><td>1</td><td>first</td><td>a</td></tr>"
        )
    )
    assert [(r.code, r.message, r.occurrence) for r, _ in result.records] == [(1, "first", 1)]
    assert len(result.report.duplicates) == 1
    duplicate = result.report.duplicates[0]
    assert (duplicate.table, duplicate.row) == (1, 3)
    assert duplicate.describe() == (
        "ios: table 1 (JMessage iOS), row 3: the same row as table 1, row 2; kept the first: "
        "1 | first | a"
    )


def test_markdown_pages_render_headings_and_pipe_tables() -> None:
    markdown_page = (
        "# Title\n\n## JMessage Android\n\n| Code | Error Message | 说明 |\n| --- | --- | --- |\n"
        "| 871101 | Invalid request parameters. | 请求参数不合法 |\n"
    )
    record = parse_page(render_markdown(markdown_page), ANDROID).records[0][0]
    assert (record.section, record.code, record.url) == (
        "JMessage Android",
        871101,
        "https://docs.example/android/#jmessage-android",
    )
