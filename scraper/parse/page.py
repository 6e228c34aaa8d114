"""The parser: a page (HTML bytes or text) to records plus a report.

Documented errors: `parse_page` raises `ReadError` (bytes that are not a text page, or a page
over `MAX_PAGE_BYTES`) or `ParseError` (an empty page, no error-code table, too many cells);
nothing else escapes it for any input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from scraper.errors import ParseError
from scraper.model import Record, Source
from scraper.parse.rows import Origin, SourceReport, records_from_tables
from scraper.sources.decode import MAX_PAGE_BYTES, check_size, decode_page
from scraper.text import shortened

if TYPE_CHECKING:
    from scraper.parse.blocks import RawTable

# About 150,000 rows of three cells: the parse tree of that many cells takes about 700 MB.
MAX_TABLE_CELLS = 600_000
_EXPECTED = "expected a <table> whose header row has a 'Code' or '错误码' column"
_TABLES_SHOWN = 5
_PROBLEMS_SHOWN = 10

__all__ = ["MAX_PAGE_BYTES", "MAX_TABLE_CELLS", "ParsedPage", "parse_page"]


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """The records of one source in page order, each with its origin, and its report."""

    source: Source
    records: list[tuple[Record, Origin]]
    report: SourceReport


def parse_page(html: str | bytes, source: Source, *, where: str | None = None) -> ParsedPage:
    """Parse one page; a page without any error-code table is an error, never an empty success."""
    # Imported here so that a build which finds its inputs unchanged never loads BeautifulSoup.
    from scraper.parse.tables import count_cell_tags, extract_page

    label = where or source.id
    if isinstance(html, bytes):
        text = decode_page(html, label)
    else:
        check_size(len(html), label)
        text = html.removeprefix("\ufeff")
    if not text.strip():
        raise ParseError(
            f"no error-code table found in {label}; the page layout may have changed "
            f"({_EXPECTED}); the page is empty: check that the file or download is complete"
        )
    cells = count_cell_tags(text)
    if cells > MAX_TABLE_CELLS:
        raise ParseError(
            f"{label}: the page has about {cells:,} table rows and cells, more than the "
            f"{MAX_TABLE_CELLS:,} the parser reads (an error-code page has a few hundred); "
            "check that this is the right page"
        )
    check_markup_size(text, label, cells)
    extracted = extract_page(text)
    tables = extracted.tables
    records, report = records_from_tables(tables, source, len(text), extracted.lists)
    if report.problems:
        shown = "; ".join(report.problems[:_PROBLEMS_SHOWN])
        raise ParseError(
            f"{label}: {len(report.problems)} table(s) look like error-code tables but yield "
            f"no codes, so the page may be read wrong: {shown}"
        )
    if report.tables == 0 and report.lists == 0:
        raise ParseError(_no_table_message(label, tables, report, text))
    if not records:
        anomalies = "; ".join(a.describe() for a in report.anomalies[:_PROBLEMS_SHOWN])
        raise ParseError(
            f"{label}: {report.tables} error-code table(s) but no record: every row lacks a "
            f"usable code{f' ({anomalies})' if anomalies else ''}"
        )
    return ParsedPage(source, records, report)


# What a page may cost: peak memory at most 40 times its size plus 100 MB. BeautifulSoup's tree
# costs about 1.3 KB for a row, a cell or a paragraph (the element, its text and what is made of
# it) and 700 bytes for any other tag, over about 35 MB of interpreter and libraries. A page
# whose tags would cost more is refused before its tree is built: real pages are well inside
# the budget (the 100,000-row benchmark page uses two thirds of it), 4,000,000 unclosed <h1>
# are not, and would otherwise take gigabytes and minutes.
_HEAVY_TAG_BYTES = 1300
_TAG_BYTES = 700
_MEMORY_PER_BYTE = 40
_MEMORY_ALLOWANCE = 65 * 1024 * 1024  # 100 MB less the interpreter's own
_START_TAG = re.compile(r"<[A-Za-z]")
_PARAGRAPH_TAG = re.compile(r"<p[\s/>]", re.IGNORECASE)


def check_markup_size(text: str, label: str, cells: int) -> None:
    """Refuse markup whose tree would take more memory than its size allows (ParseError).

    `cells` is the page's count of row and cell tags (`count_cell_tags`), already taken.
    """
    if _HEAVY_TAG_BYTES * (len(text) // 2) <= _MEMORY_PER_BYTE * len(text) + _MEMORY_ALLOWANCE:
        return  # a tag takes at least two characters: no page this short can hold too many
    size = len(text.encode("utf-8", "surrogatepass"))  # the page's size is counted in bytes
    budget = _MEMORY_PER_BYTE * size + _MEMORY_ALLOWANCE
    tags = sum(1 for _ in _START_TAG.finditer(text))
    heavy = cells + sum(1 for _ in _PARAGRAPH_TAG.finditer(text))
    needed = heavy * _HEAVY_TAG_BYTES + (tags - heavy) * _TAG_BYTES
    if needed > budget:
        raise ParseError(
            f"{label}: the page has {tags:,} tags in {size:,} bytes; its parse tree would take "
            f"about {needed // 2**20:,} MiB, more than the {budget // 2**20:,} MiB the parser "
            "allows a page of that size (40 times its size plus 100 MB, less the parser's "
            "own); an error-code page has a few hundred rows: check that this is the right page"
        )


# [^<>] rather than [^>]: a hostile page of "<" without ">" must not make matching quadratic.
_BLOCK_START = re.compile(r"<(script|style|noscript|template)\b([^<>]*)>", re.IGNORECASE)
_JSON_TYPE = re.compile(r"""\btype\s*=\s*["']?[^"'\s>]*json""", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")
# An application shell shows a title and a "please enable JavaScript" line, not a page of text.
_SHELL_TEXT = 200


def javascript_signs(html: str) -> str | None:
    """What shows that a page without tables is rendered by JavaScript, or None.

    Such a page holds script blocks and either almost no text of its own (an application
    shell) or its content as data inside a `<script type="application/json">`. One pass over
    the page: each search starts where the last block ended.
    """
    lower = html.lower()
    scripts = data = 0
    visible: list[str] = []
    position = 0
    while (start := _BLOCK_START.search(html, position)) is not None:
        visible.append(html[position : start.start()])
        name = start.group(1).lower()
        if name == "script":
            scripts += 1
            data += _JSON_TYPE.search(start.group(2)) is not None
        end = lower.find(f"</{name}", start.end())
        if end < 0:
            position = len(html)
            break
        position = end + 2 + len(name)
    visible.append(html[position:])
    if not scripts:
        return None
    text = _TAG.sub(" ", "".join(visible))
    if not data and len("".join(text.split())) >= _SHELL_TEXT:
        return None
    found = f"no tables; {scripts} script block{'s' if scripts != 1 else ''}"
    return f"{found}, {data} of them JSON data" if data else found


def _no_table_message(label: str, tables: list[RawTable], report: SourceReport, html: str) -> str:
    head = f"no error-code table found in {label}; the page layout may have changed ({_EXPECTED}"
    if not tables and (signs := javascript_signs(html)):
        return (
            f"no error-code table found in {label}; the page appears to be rendered by "
            f"JavaScript ({signs}): point the source at the page's Markdown or a pre-rendered copy"
        )
    if not tables:
        return f"{head}); the page has no tables at all (HTML <table> or Markdown pipe table)"
    seen = []
    for table in tables[:_TABLES_SHOWN]:
        first = next((row.cells for row in table.rows if any(row.cells)), ())
        under = f" under '{table.heading.text}'" if table.heading and table.heading.text else ""
        shown = shortened(" | ".join(first), 60)
        seen.append(f"table {table.number}{under}, first row '{shown}'")
    more = f", and {len(tables) - _TABLES_SHOWN} more" if len(tables) > _TABLES_SHOWN else ""
    warnings = f"; {'; '.join(report.warnings)}" if report.warnings else ""
    return f"{head}); looked in {len(tables)} table(s): {'; '.join(seen)}{more}{warnings}"
