"""Hostile input: a clear error or the right result, bounded memory, and no hang.

Big pages are generated here, never committed. Memory is measured in a child process
(ru_maxrss counts libxml2's C allocations too) so one test's peak is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scraper.errors import ParseError, ReadError, SourceError
from scraper.model import Source
from scraper.parse.page import MAX_TABLE_CELLS, parse_page
from scraper.parse.tables import MAX_COLUMNS, MAX_SPAN
from scraper.sources.decode import MAX_PAGE_BYTES
from scraper.sources.local import Page, page_html, read_local, render_markdown
from tests.conftest import PROJECT_ROOT, CliResult

IOS = Source("ios", "https://docs.example/ios/", None, "ios")
HEADER = "<h2>JMessage iOS</h2><table><tr><th>Code</th><th>Error Message</th><th>说明</th></tr>"


def rows(count: int) -> str:
    return "".join(
        f"<tr><td>{800_000 + n}</td><td>Message {n}.</td><td>说明 {n}</td></tr>\n"
        for n in range(count)
    )


# Runs in a child: builds the page named by argv[1], parses it, prints records and peak RSS.
CHILD = """
import json, resource, sys
sys.path.insert(0, sys.argv[2])
from tests.parse.test_hostile import IOS, hostile_page
from scraper.parse.page import parse_page
parsed = parse_page(hostile_page(sys.argv[1]), IOS)
codes = [record.code for record, _ in parsed.records]
print(json.dumps({"records": len(codes), "first": codes[0], "last": codes[-1],
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                  "page_mib": len(hostile_page(sys.argv[1]).encode()) // 2**20}))
"""


def hostile_page(name: str) -> str:
    if name == "100k-rows":  # rows as long as a real page's: about 130 bytes each
        return (
            HEADER
            + "".join(
                f"<tr><td>{800_000 + n}</td><td>Request failed, please check parameter {n} "
                f"(%@).</td><td>请求失败，参数 {n} 不合法，请检查后重试。</td></tr>\n"
                for n in range(100_000)
            )
            + "</table>"
        )
    if name == "20MiB":
        # Real chrome around a small table, padded to 20 MiB with menus, prose and script.
        menu = "<ul>" + "<li><a href='/docs/x/'>菜单 item</a></li>" * 200_000 + "</ul>"
        prose = "<p>" + "以下列表里的 ErrorCode 有可能出现。 " * 250_000 + "</p>"
        script = "<script>var data = '" + "x" * 3_000_000 + "';</script>"
        page = f"<html><body>{menu}{HEADER}{rows(3)}</table>{prose}{script}</body></html>"
        assert len(page.encode("utf-8")) > 20 * 2**20
        return page
    raise ValueError(name)


def run_child(name: str) -> dict[str, int]:
    completed = subprocess.run(
        [sys.executable, "-c", CHILD, name, str(PROJECT_ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=PROJECT_ROOT,
    )
    result: dict[str, int] = json.loads(completed.stdout)
    return result


@pytest.mark.slow
def test_a_table_of_100000_rows_parses_whole_in_bounded_memory() -> None:
    result = run_child("100k-rows")
    assert (result["records"], result["first"], result["last"]) == (100_000, 800_000, 899_999)
    assert result["rss_mib"] < 40 * result["page_mib"] + 100  # what the parser promises


def test_a_table_of_tiny_cells_too_many_for_its_size_is_refused_before_its_tree_is_built() -> None:
    # 100,000 rows of ~60 bytes: its tree would take 75 times the page's size.
    html = HEADER + rows(100_000) + "</table>"
    started = time.perf_counter()
    with pytest.raises(ParseError) as caught:
        parse_page(html, IOS)
    assert time.perf_counter() - started < 5
    assert str(caught.value) == (
        "ios: the page has 400,006 tags in 6,877,875 bytes; its parse tree would take about "
        "495 MiB, more than the 327 MiB the parser allows a page of that size (40 times its "
        "size plus 100 MB, less the parser's own); an error-code page has a few hundred rows: "
        "check that this is the right page"
    )


@pytest.mark.slow
def test_a_20_mib_page_gives_the_right_records_without_building_its_chrome() -> None:
    result = run_child("20MiB")
    assert (result["records"], result["first"], result["last"]) == (3, 800_000, 800_002)
    assert result["rss_mib"] < 400  # menus and prose are never built into the tree


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (
            b"",
            ParseError,
            "no error-code table found in ios; the page layout may have changed (expected a "
            "<table> whose header row has a 'Code' or '错误码' column); the page is empty: check "
            "that the file or download is complete",
        ),
        (b"\n \r\n\t", ParseError, "the page is empty"),
        (bytes(range(256)) * 64, ReadError, "ios: looks like a binary file, not a text page"),
    ],
    ids=["empty", "whitespace", "binary"],
)
def test_empty_and_binary_pages_are_clear_errors(
    data: bytes, error: type[SourceError], message: str
) -> None:
    with pytest.raises(error) as caught:
        parse_page(data, IOS)
    assert message in str(caught.value)
    assert caught.value.exit_code == 3


def test_too_many_cells_is_a_clear_error_before_building_anything() -> None:
    html = HEADER + "<tr><td>1</td></tr>" * (MAX_TABLE_CELLS // 2 + 1) + "</table>"
    started = time.perf_counter()
    with pytest.raises(ParseError) as caught:
        parse_page(html, IOS)
    assert time.perf_counter() - started < 5
    assert str(caught.value) == (
        "ios: the page has about 600,006 table rows and cells, more than the 600,000 the "
        "parser reads (an error-code page has a few hundred); check that this is the right page"
    )


def test_text_over_the_size_limit_is_refused() -> None:
    with pytest.raises(ReadError, match=r"^ios: the page is 32\.0 MiB, more than the 32 MiB"):
        parse_page(" " * (MAX_PAGE_BYTES + 1), IOS)


def test_a_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    with path.open("wb") as file:
        file.truncate(MAX_PAGE_BYTES + 1)  # sparse: costs no disk or time
    with pytest.raises(ReadError) as caught:
        read_local(Source("big", "", path, "ios"))
    assert "big (" in str(caught.value)
    assert "the page is 32.0 MiB, more than the 32 MiB limit" in str(caught.value)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("html", "records"),
    [
        ("<table><tr><td>" * 50_000 + "x" + "</td></tr></table>" * 50_000, -1),
        (HEADER + "<tr><td>1</td><td>" + "<b>" * 100_000 + "deep" + "</b>" * 100_000, 1),
        (HEADER + "<tr><td>1</td><td>" + "<div><span>" * 50_000 + "open", 1),
        ("<h2>" * 20_000 + "JMessage iOS" + HEADER + rows(1) + "</table>", 1),
    ],
    ids=["nested-tables", "nested-inline", "unclosed-nesting", "nested-headings"],
)
def test_deeply_nested_tags_neither_crash_nor_hang(html: str, records: int) -> None:
    started = time.perf_counter()
    if records > 0:
        assert len(parse_page(html, IOS).records) == records
    else:  # 50,000 nested tables are more than their size allows: refused before parsing
        with pytest.raises(ParseError, match=r"^ios: the page has 150,000 tags in .* bytes"):
            parse_page(html, IOS)
    assert time.perf_counter() - started < 20


def test_the_message_of_a_deeply_nested_cell_is_its_text() -> None:
    html = HEADER + "<tr><td>1</td><td>" + "<b>" * 10_000 + "deep" + "</b>" * 10_000 + "</table>"
    assert parse_page(html, IOS).records[0][0].message == "deep"


@pytest.mark.parametrize(
    "markdown",
    ["[" * 20_000 + "x", "<![CDATA[" * 5_000],
    ids=["nested-brackets", "unclosed-cdata"],
)
def test_markdown_the_renderer_is_slow_on_is_stopped_with_a_clear_error(markdown: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ReadError) as caught:
        render_markdown(markdown, where="ios (page.md)", seconds=0.5)
    assert time.perf_counter() - started < 5
    assert str(caught.value) == (
        "ios (page.md): rendering the Markdown took more than 0 seconds and was stopped; the "
        "page holds constructs the renderer handles slowly (thousands of nested brackets or "
        "unclosed tags): check that this is the right file"
    )


def test_markdown_nested_too_deeply_is_a_clear_error() -> None:
    nested = "".join("  " * level + "- x\n" for level in range(500))
    page = Page(IOS, "page.md", nested.encode(), "markdown")
    with pytest.raises(ReadError) as caught:
        page_html(page)
    assert str(caught.value).startswith(
        "ios (page.md): the Markdown is nested too deeply to render (lists or quotes thousands "
        "of levels deep)"
    )


@pytest.mark.parametrize(
    "text",
    ["<?xml version='1.0'?><p>x", "http://example.com/page", "\ud800<table>", "\x00\x01"],
    ids=["xml-declaration", "looks-like-url", "lone-surrogate", "control-characters"],
)
def test_odd_text_is_no_table_rather_than_a_crash_or_a_warning(text: str) -> None:
    with pytest.raises(ParseError, match=r"^no error-code table found in ios"):
        parse_page(text, IOS)


def test_hostile_rowspans_and_colspans_stay_bounded() -> None:
    html = (
        HEADER
        + '<tr><td rowspan="65534">1</td><td colspan="999999">m</td></tr>'
        + "<tr></tr>" * 10_000
        + "</table>"
    )
    parsed = parse_page(html, IOS)
    # The code is carried down MAX_SPAN rows, the message across MAX_COLUMNS columns: the first
    # row, then one row of the bare code, which the other carried-down rows repeat cell for cell.
    records = [record for record, _ in parsed.records]
    assert [(record.code, record.occurrence) for record in records] == [(1, 1), (1, 2)]
    assert (records[0].message, records[0].description) == ("m", "m")
    assert records[0].extra == {f"column {n}": "m" for n in range(4, MAX_COLUMNS + 1)}
    assert (records[1].message, records[1].description, records[1].extra) == ("", "", {})
    duplicates = parsed.report.duplicates
    assert len(parsed.records) + len(duplicates) == MAX_SPAN
    assert [duplicate.row for duplicate in duplicates] == list(range(4, MAX_SPAN + 2))
    assert duplicates[0].describe() == (
        "ios: table 1 (JMessage iOS), row 4: the same row as table 1, row 3; kept the first: 1"
    )
    assert parsed.report.blank_rows == 10_001 - MAX_SPAN
    assert parsed.report.warnings[0] == (
        "ios: table 1 (JMessage iOS), row 2: 64 cells but the header has 3; kept the extra "
        "text under 'column N' in extra: " + "m | " * 19 + "m |…"
    )
    assert MAX_COLUMNS == 64


def test_a_hostile_page_fails_the_build_with_exit_3_and_writes_nothing(
    run_cli: Callable[..., CliResult], tmp_path: Path, tmp_output: Path
) -> None:
    page = tmp_path / "page.bin"
    page.write_bytes(bytes(range(256)) * 16)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nid = "x"\nproduct = "JMessage"\npath = "{page.as_posix()}"\n'
        'platform = "ios"\n',
        encoding="utf-8",
    )
    result = run_cli("build", "--sources", sources, "--out", tmp_output)
    assert result.exit_code == 3
    assert f"error: x ({page.as_posix()}): looks like a binary file, not a text page" in (
        result.stderr
    )
    assert not tmp_output.exists()
