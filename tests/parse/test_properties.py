"""Property tests: whatever the page, the parser returns records or its own documented error.

Documented errors are `SourceError`s (`ReadError`, `ParseError`); anything else escaping
`parse_page` is a bug. Records always have a code, whitespace-normalised text, and come out
the same on every run; records rendered into a page parse back to themselves.
"""

from __future__ import annotations

from html import escape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.errors import SourceError
from scraper.model import Record, Source
from scraper.parse.page import ParsedPage, parse_page
from scraper.sources.local import render_markdown
from scraper.text import normalise_text
from tests.datasets import jmessage_record

SOURCE = Source("prop", "https://docs.example/prop/", None, "ios")
# Letters, digits, punctuation, symbols and spaces of any script; no control characters or
# surrogates, which no documentation page holds as text.
TEXT = st.text(
    st.characters(categories=("L", "N", "P", "S", "Zs"), exclude_characters="\u2028\u2029"),
    max_size=30,
)
SPACE = st.sampled_from(["", " ", "\n", "\t", "\u00a0", "\u3000", "\r\n  "])
HEADINGS = st.sampled_from(
    ["JMessage iOS", "JMRTC Android", "Server Error", "Web SDK", "其他", "", "IM SDK ErrorCode"]
)
HEADERS = st.sampled_from(
    [
        ("Code", "Error Message", "说明"),
        ("错误码", "错误信息", "描述"),
        ("**Code**", "Err Message", "Instructions"),
        ("说明", "Code"),
        ("Name", "Value"),
    ]
)
CODES = st.one_of(
    st.integers(-(2**63), 2**63 - 1).map(str), st.integers(0, 9_999_999).map(str), TEXT
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def pages(draw: st.DrawFn) -> str:
    """A page of random headings and tables with junk, blank and padded rows around them."""
    parts = [draw(st.sampled_from(["", "<!doctype html><html><body>", "<p>intro</p>"]))]
    for _ in range(draw(st.integers(0, 3))):
        level = draw(st.integers(1, 4))
        parts.append(f"<h{level}>{escape(draw(HEADINGS))}</h{level}>")
        header = draw(HEADERS)
        cell_tag = draw(st.sampled_from(["th", "td"]))
        head = "".join(f"<{cell_tag}>{escape(name)}</{cell_tag}>" for name in header)
        if draw(st.booleans()):
            head = f"<thead><tr>{head}</tr></thead>"
        else:
            head = f"<tr>{head}</tr>" if draw(st.booleans()) else ""
        body = []
        for _ in range(draw(st.integers(0, 5))):
            cells = [draw(CODES), *draw(st.lists(TEXT, max_size=len(header)))]
            body.append(
                "<tr>"
                + "".join(f"<td>{draw(SPACE)}{escape(cell)}{draw(SPACE)}</td>" for cell in cells)
                + "</tr>"
            )
        parts.append(f"<table>{head}{''.join(body)}</table>")
        parts.append(draw(st.sampled_from(["", "<br>", "</a>", "<td>stray", "<p>text"])))
    return "".join(parts)


def parse_or_error(page: str | bytes) -> ParsedPage | SourceError:
    try:
        return parse_page(page, SOURCE)
    except SourceError as error:
        return error


def check_records(parsed: ParsedPage) -> None:
    for record, _ in parsed.records:
        assert isinstance(record.code, int)
        assert -(2**63) <= record.code < 2**63
        for text in (record.message, record.description, record.section):
            assert text == normalise_text(text)


@SETTINGS
@given(pages())
def test_generated_pages_give_records_or_a_documented_error(page: str) -> None:
    result = parse_or_error(page)
    if isinstance(result, ParsedPage):
        check_records(result)
        assert result.report.tables >= 1


@SETTINGS
@given(st.binary(max_size=2000))
def test_random_bytes_give_records_or_a_documented_error(data: bytes) -> None:
    result = parse_or_error(data)
    if isinstance(result, ParsedPage):
        check_records(result)


@SETTINGS
@given(st.text(max_size=300))
def test_random_markdown_gives_records_or_a_documented_error(text: str) -> None:
    try:
        html = render_markdown(text)
    except SourceError:
        return
    result = parse_or_error(html)
    if isinstance(result, ParsedPage):
        check_records(result)


@SETTINGS
@given(pages())
def test_parsing_is_deterministic(page: str) -> None:
    first, second = parse_or_error(page), parse_or_error(page)
    if isinstance(first, ParsedPage):
        assert isinstance(second, ParsedPage)
        assert first.records == second.records
        assert first.report == second.report
    else:
        assert str(first) == str(second)


SECTIONS = {
    "ios-JMessage": ("JMessage iOS", "jmessage-ios"),
    "ios-JMRTC": ("JMRTC iOS", "jmrtc-ios"),
    "android-JMessage": ("JMessage Android", "jmessage-android"),
    "server-JMessage": ("Server Error", "server-error"),
    "web-JMessage": ("Web SDK", "web-sdk"),
}


@st.composite
def record_lists(draw: st.DrawFn) -> list[Record]:
    """Records with distinct keys, normalised text, and the section and url of their heading."""
    records = []
    keys = set()
    for _ in range(draw(st.integers(1, 12))):
        group = draw(st.sampled_from(sorted(SECTIONS)))
        platform, sdk = group.split("-")
        code = draw(st.integers(-(2**63), 2**63 - 1))
        if (platform, sdk, code) in keys:
            continue
        keys.add((platform, sdk, code))
        section, anchor = SECTIONS[group]
        records.append(
            jmessage_record(
                platform,
                sdk,
                code,
                normalise_text(draw(TEXT)),
                normalise_text(draw(TEXT)),
                section,
                SOURCE.id,
                f"{SOURCE.url}#{anchor}",
            )
        )
    return records


def order(record: Record) -> tuple[object, ...]:
    return record.order


def render(records: list[Record]) -> str:
    """The records as a documentation page: one table per section, under its heading."""
    parts = ["<!doctype html><html><body><h1>IM SDK ErrorCode 定义</h1>"]
    for group, (section, anchor) in SECTIONS.items():
        platform, sdk = group.split("-")
        rows = [r for r in records if (r.platform, r.sdk) == (platform, sdk)]
        if not rows:
            continue
        parts.append(f'<h2 id="{anchor}">{escape(section)}</h2><table><thead><tr>')
        parts.append("<th>Code</th><th>Error Message</th><th>说明</th></tr></thead><tbody>")
        parts.extend(
            f"<tr><td>{r.code}</td><td>{escape(r.message)}</td><td>{escape(r.description)}</td></tr>"
            for r in rows
        )
        parts.append("</tbody></table>")
    return "".join(parts) + "</body></html>"


@SETTINGS
@given(record_lists())
def test_records_rendered_into_a_page_parse_back_to_the_same_records(
    records: list[Record],
) -> None:
    parsed = parse_page(render(records), SOURCE)
    assert sorted((record for record, _ in parsed.records), key=order) == sorted(records, key=order)
    assert parsed.report.anomalies == []
    assert parsed.report.warnings == []
