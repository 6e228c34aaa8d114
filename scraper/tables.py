"""HTML to tables of cell texts, each under the nearest heading before it.

This stage knows nothing about error codes: it only turns markup into rows of normalised
strings. Turning rows into records is `scraper.records`' job.

The page is parsed with lxml's HTML parser (libxml2) and its tree walked directly. BeautifulSoup
on the same parser gives the same tree, but importing it took longer than the rest of an
offline build, and walking its tree was several times slower (see BENCHMARKS.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

from scraper.text import normalise_text

_HEADINGS_AND_TABLES = ("h1", "h2", "h3", "h4", "h5", "h6", "table")
_SECTIONS = ("thead", "tbody", "tfoot")
# Text inside these is not page text: code, styles, inert templates, ruby annotations.
_NOT_TEXT = ("script", "style", "template", "rt", "rp")
_MAX_SPAN = 1000  # a hostile rowspan/colspan must not make one cell into millions
_PARSER = lxml.html.HTMLParser(encoding="utf-8")

# lxml ships no type information: its elements are `Any`, and stay inside this module.
Element = Any


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading: its text and, when the page gave one, its anchor id."""

    text: str
    anchor: str | None


@dataclass(frozen=True, slots=True)
class RawRow:
    """A row's cell texts after span expansion; `is_header` for `<th>` rows and `<thead>` rows."""

    cells: tuple[str, ...]
    is_header: bool


@dataclass(frozen=True, slots=True)
class RawTable:
    """A table, its 1-based position on the page, and the heading it sits under."""

    number: int
    heading: Heading | None
    rows: tuple[RawRow, ...]


def extract_tables(html: str) -> list[RawTable]:
    """Every table in the document, in order, with its nearest preceding heading."""
    root = _document(html)
    if root is None:
        return []
    tables: list[RawTable] = []
    heading: Heading | None = None
    for element in root.iter(*_HEADINGS_AND_TABLES):
        if element.tag == "table":
            tables.append(RawTable(len(tables) + 1, heading, tuple(_table_rows(element))))
        else:
            anchor = element.get("id")
            heading = Heading(_text(element), anchor if isinstance(anchor, str) else None)
    return tables


def _document(html: str) -> Element | None:
    """The parsed page, line breaks turned into spaces and non-text emptied; None if empty."""
    try:
        # Bytes with the encoding forced: lxml refuses text that has an XML declaration, and a
        # `<meta charset>` must not re-decode text that `scraper.decode` already decoded.
        # (Text decoded from bytes holds no lone surrogates, so "replace" never fires there.)
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_PARSER)
    except etree.ParserError:  # "Document is empty": no markup at all, so no tables
        return None
    for line_break in root.iter("br"):
        line_break.tail = " " + (line_break.tail or "")
    for container in root.iter(*_NOT_TEXT):
        container.text = None
        for inner in container.iterdescendants():
            inner.text = inner.tail = None
    return root


def _text(element: Element) -> str:
    """The element's text (comments excluded), whitespace-normalised."""
    return normalise_text(str(element.text_content()))


def _own_rows(table: Element) -> list[tuple[Element, bool]]:
    """The table's own `<tr>`s (not those of a nested table), flagged when inside `<thead>`."""
    rows: list[tuple[Element, bool]] = []
    for child in table.iterchildren("tr", *_SECTIONS):
        if child.tag == "tr":
            rows.append((child, False))
        else:
            in_head = child.tag == "thead"
            rows.extend((row, in_head) for row in child.iterchildren("tr"))
    return rows


def _table_rows(table: Element) -> list[RawRow]:
    rows: list[RawRow] = []
    # column index -> (rows still to fill, text) for cells spanning down from rows above
    pending: dict[int, tuple[int, str]] = {}
    for row, in_head in _own_rows(table):
        cells: list[str] = []
        all_th = True
        column = 0
        for cell in row.iterchildren("td", "th"):
            column = _fill_pending(cells, pending, column)
            all_th = all_th and cell.tag == "th"
            text = _text(cell)
            rowspan = _span(cell.get("rowspan"))
            for _ in range(_span(cell.get("colspan"))):
                if rowspan > 1:
                    pending[column] = (rowspan - 1, text)
                cells.append(text)
                column += 1
        _fill_pending(cells, pending, column, to_end=True)
        rows.append(RawRow(tuple(cells), bool(cells) and (in_head or all_th)))
    return rows


def _fill_pending(
    cells: list[str], pending: dict[int, tuple[int, str]], column: int, *, to_end: bool = False
) -> int:
    """Insert cells carried down by rowspans at `column` (or at every later column)."""
    while column in pending or (to_end and any(key >= column for key in pending)):
        if column in pending:
            remaining, text = pending[column]
            cells.append(text)
            if remaining > 1:
                pending[column] = (remaining - 1, text)
            else:
                del pending[column]
        else:
            cells.append("")
        column += 1
    return column


def _span(value: object) -> int:
    if not isinstance(value, str):
        return 1
    digits = value.strip()
    if not digits.isdigit():
        return 1
    return max(1, min(int(digits), _MAX_SPAN))
