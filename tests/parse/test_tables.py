"""HTML to rows of cell texts: what counts as a cell's text, and markup lxml treats specially."""

from __future__ import annotations

import pytest

from scraper.parse.tables import MAX_COLUMNS, Heading, RawRow, extract_tables


def cells(html: str) -> list[tuple[str, ...]]:
    """The cell texts of every row of every table, in page order."""
    return [row.cells for table in extract_tables(html) for row in table.rows]


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        ("a<br>b<br/>c", "a b c"),
        ("a<!-- a comment -->b", "ab"),
        ("1<script>var x = 2;</script>", "1"),
        ("x<style>td { color: red }</style>", "x"),
        ("t<template><b>inert</b> tail</template>", "t"),
        ("<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>字", "漢字"),
        ("&nbsp;1&#12288;2&amp;3\t\n", "1 2&3"),
        ("x\x00y", "x\ufffdy"),
    ],
    ids=["br", "comment", "script", "style", "template", "ruby", "entities", "nul"],
)
def test_cell_text_is_what_a_reader_sees(cell: str, text: str) -> None:
    assert cells(f"<table><tr><td>{cell}</td></tr></table>") == [(text,)]


@pytest.mark.parametrize(
    "html",
    [
        '<?xml version="1.0" encoding="utf-8"?><html><body><table><tr><td>编码</td></tr></table>',
        '<meta charset="gbk"><table><tr><td>编码</td></tr></table>',
        "\ufeff<table><tr><td>编码</td></tr></table>",
    ],
    ids=["xml-declaration", "meta-charset-of-another-encoding", "bom"],
)
def test_text_already_decoded_is_not_decoded_again(html: str) -> None:
    assert cells(html) == [("编码",)]


@pytest.mark.parametrize(
    "html",
    ["", "   \n", "<!-- only a comment -->", "<p>no table</p>"],
    ids=["empty", "blank", "comment", "no-table"],
)
def test_a_page_without_tables_has_none(html: str) -> None:
    assert extract_tables(html) == []


def test_nested_tables_are_separate_and_rows_belong_to_their_own_table() -> None:
    tables = extract_tables(
        "<table><tr><td>outer <table><tr><td>inner</td></tr></table></td></tr></table>"
    )
    assert [[row.cells for row in table.rows] for table in tables] == [
        [("outer inner",)],
        [("inner",)],
    ]


def test_tables_take_the_nearest_heading_and_header_rows_are_flagged() -> None:
    tables = extract_tables(
        '<h2 id="ios">iOS <span>错误码</span></h2><p>text</p>'
        "<table><thead><tr><td>Code</td></tr></thead><tbody><tr><td>1</td></tr></tbody>"
        "<tr><th>2</th></tr></table><h3>Other</h3><table></table>"
    )
    assert [(table.number, table.heading) for table in tables] == [
        (1, Heading("iOS 错误码", "ios")),
        (2, Heading("Other", None)),
    ]
    assert tables[0].rows == (
        RawRow(("Code",), is_header=True),
        RawRow(("1",), is_header=False),
        RawRow(("2",), is_header=True),
    )


def test_spans_are_expanded_and_capped() -> None:
    assert cells(
        '<table><tr><td rowspan="2">a</td><td colspan=" 2 ">b</td></tr><tr><td>c</td></tr>'
        '<tr><td colspan="100000">x</td></tr></table>'
    ) == [("a", "b", "b"), ("a", "c"), ("x",) * MAX_COLUMNS]


def test_an_unclosed_link_does_not_swallow_the_rows_after_it() -> None:
    # lxml nests the following rows inside the open <a>; they still belong to the table.
    assert cells(
        "<table><tr><td>1</td><td><a href=x>open link</td></tr>"
        "<tr><td>2</td><td>next</td></tr><tr><td>3<td>unclosed cells</table>"
    ) == [("1", "open link"), ("2", "next"), ("3", "unclosed cells")]


def test_permalink_anchors_are_not_part_of_the_heading() -> None:
    tables = extract_tables(
        '<h2 id="ios">JMessage iOS<a class="headerlink" href="#ios">&para;</a></h2>'
        '<h3><a name="rtc"></a>JMRTC<a href="#rtc">\u200b</a></h3><table></table>'
    )
    assert [heading.text for heading in tables[0].headings] == ["JMessage iOS", "JMRTC"]
    assert tables[0].heading == Heading("JMRTC", "rtc")


def test_each_table_knows_the_chain_of_headings_above_it() -> None:
    tables = extract_tables(
        "<h1>Page</h1><h2>Android</h2><h3>JMRTC</h3><table></table>"
        "<h2>iOS</h2><table></table><h1>Other page</h1><table></table>"
    )
    assert [[h.text for h in table.headings] for table in tables] == [
        ["Page", "Android", "JMRTC"],
        ["Page", "iOS"],
        ["Other page"],
    ]


def test_scripts_menus_and_text_outside_tables_are_never_cells() -> None:
    tables = extract_tables(
        "<script>document.write('<table><tr><td>1</td></tr></table>')</script>"
        "<nav><ul><li>Menu</li></ul></nav><table><tr><td>a</td></tr></table><p>after</p>"
    )
    assert [[row.cells for row in table.rows] for table in tables] == [[("a",)]]


def test_block_elements_inside_a_cell_separate_words() -> None:
    assert cells("<table><tr><td><p>one</p><p>two</p><ul><li>a</li><li>b</li></ul></td></tr>") == [
        ("one two a b",)
    ]


def test_cell_tags_are_counted_cheaply_for_the_size_limit() -> None:
    from scraper.parse.tables import count_cell_tags

    assert count_cell_tags("<table><TR><td>1</td><th class=x>2</th></tr><tbody></table>") == 3


def test_bs4s_css_and_detector_modules_load_only_when_used() -> None:
    import subprocess
    import sys

    script = (
        "import sys, scraper.parse.tables as t, bs4\n"
        "t.extract_tables('<h2>A</h2><table><tr><th>Code</th></tr><tr><td>1</td></tr></table>')\n"
        "print('soupsieve.css_parser' in sys.modules, 'chardet.detector' in sys.modules)\n"
        "soup = bs4.BeautifulSoup('<p class=a>x</p>', 'lxml')\n"
        "print([str(tag) for tag in soup.select('p.a')])\n"
        "import soupsieve\n"
        "print(type(soupsieve).__name__, 'soupsieve.css_parser' in sys.modules)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert completed.stdout.splitlines() == [
        "False False",
        "['<p class=\"a\">x</p>']",
        "module True",
    ]
