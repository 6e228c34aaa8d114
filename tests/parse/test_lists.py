"""Codes written without a table: bullet lists, a paragraph of "•" items, enum declarations;
and what counts as a heading (a bold title, never YAML front matter)."""

from __future__ import annotations

from scraper.model import Source
from scraper.parse.page import parse_page

SOURCE = Source("rest", "https://docs.example/rest/", None, "server", product="JMessage")


def records(html: str) -> list[tuple[str, str, str, int]]:
    parsed = parse_page(html, SOURCE)
    return [(r.code_text, r.message, r.section, r.occurrence) for r, _ in parsed.records]


def test_a_bullet_list_under_an_error_code_heading_gives_its_codes() -> None:
    html = "<h4>Error Code</h4><ul><li>899003 username不合法</li><li>899002 用户不存在</li></ul>"
    assert records(html) == [
        ("899003", "username不合法", "Error Code", 1),
        ("899002", "用户不存在", "Error Code", 1),
    ]


def test_a_label_paragraph_names_the_list_and_the_heading_stays_the_section() -> None:
    html = (
        "<h2>免打扰设置</h2><p>Error Code</p>"
        "<ul><li>899003 username不合法；</li><li>屏蔽，设置的群组屏蔽已经打开</li></ul>"
    )
    parsed = parse_page(html, SOURCE)
    assert [(r.code_text, r.message, r.section) for r, _ in parsed.records] == [
        ("899003", "username不合法；", "免打扰设置")
    ]
    assert [anomaly.describe() for anomaly in parsed.report.anomalies] == [
        "rest: list 1 (免打扰设置), item 2: no code: 屏蔽，设置的群组屏蔽已经打开"
    ]


def test_a_list_of_other_things_gives_nothing() -> None:
    html = (
        "<h2>遵守的规范</h2><ul><li>200 一定是正确</li></ul>"
        "<h2>错误码</h2><table><tr><th>Code</th><th>说明</th></tr><tr><td>1</td><td>x</td></tr>"
        "</table>"
    )
    assert records(html) == [("1", "", "错误码", 1)]


def test_bullets_in_one_paragraph_after_an_error_code_label() -> None:
    html = (
        "<h2>消息撤回</h2><p>Error Code \t• 855001 超出撤回消息时间 \t• 855003 撤回消息不存在</p>"
    )
    assert records(html) == [
        ("855001", "超出撤回消息时间", "消息撤回", 1),
        ("855003", "撤回消息不存在", "消息撤回", 1),
    ]


def test_an_enum_declaration_with_its_documentation() -> None:
    html = (
        "<h4>Definition</h4><code>typedef NS_ENUM(NSInteger, JMSGSDKErrorCode ) {<br>"
        "&nbsp;<a>kJMSGErrorSDKNetworkDownloadFailed</a> = 860015,<br>"
        "&nbsp;<a>kJMSGErrorSDKNetworkOtherError</a> = 0x10,<br>};</code>"
        "<h4>Constants</h4><dl><dt><code>kJMSGErrorSDKNetworkDownloadFailed</code></dt>"
        "<dd><p>下载失败</p><p>Declared In JMSGConstants.h.</p></dd></dl>"
    )
    parsed = parse_page(html, SOURCE)
    assert [(r.name, r.code, r.code_text, r.description, r.section) for r, _ in parsed.records] == [
        ("kJMSGErrorSDKNetworkDownloadFailed", 860015, "860015", "下载失败", "Definition"),
        ("kJMSGErrorSDKNetworkOtherError", 16, "0x10", "", "Definition"),
    ]


def test_a_bold_title_standing_alone_is_a_heading_but_a_bold_label_is_not() -> None:
    table = "<table><tr><th>Code</th><th>说明</th></tr><tr><td>1</td><td>{}</td></tr></table>"
    html = (
        f"<h1>API</h1><p><strong>错误码</strong></p>{table.format('x')}"
        f"<p><b>注意：</b></p>{table.format('y')}"
    )
    assert [section for _, _, section, _ in records(html)] == ["错误码", "错误码"]


def test_a_code_listed_twice_gives_two_records_numbered_in_page_order() -> None:
    html = (
        "<h2>错误码</h2><table><tr><th>code</th><th>message</th></tr>"
        "<tr><td>1101</td><td>the value of $sex</td></tr>"
        "<tr><td>1101</td><td>the value of $paid</td></tr>"
        "<tr><td>1101</td><td>the value of $sex</td></tr></table>"
    )
    parsed = parse_page(html, SOURCE)
    assert [(r.code_text, r.message, r.occurrence) for r, _ in parsed.records] == [
        ("1101", "the value of $sex", 1),
        ("1101", "the value of $paid", 2),
    ]
    assert [d.describe() for d in parsed.report.duplicates] == [
        "rest: table 1 (错误码), row 4: the same row as table 1, row 2; kept the first: "
        "1101 | the value of $sex"
    ]
