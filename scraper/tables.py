"""HTML to tables of cell texts, each under the nearest heading before it.

This stage knows nothing about error codes: it only turns markup into rows of normalised
strings. Turning rows into records is `scraper.records`' job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, Tag

from scraper.text import normalise_text

_HEADING_OR_TABLE = re.compile(r"^(h[1-6]|table)$")
_SECTIONS = ("thead", "tbody", "tfoot")
_MAX_SPAN = 1000  # a hostile rowspan/colspan must not make one cell into millions


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
    soup = BeautifulSoup(html, "lxml")
    for line_break in soup.find_all("br"):
        line_break.replace_with(" ")
    tables: list[RawTable] = []
    heading: Heading | None = None
    for element in soup.find_all(_HEADING_OR_TABLE):
        if element.name == "table":
            tables.append(RawTable(len(tables) + 1, heading, tuple(_table_rows(element))))
        else:
            anchor = element.get("id")
            heading = Heading(
                normalise_text(element.get_text()), anchor if isinstance(anchor, str) else None
            )
    return tables


def _own_rows(table: Tag) -> list[tuple[Tag, bool]]:
    """The table's own `<tr>`s (not those of a nested table), flagged when inside `<thead>`."""
    rows: list[tuple[Tag, bool]] = []
    for child in table.children:
        if not isinstance(child, Tag):
            continue
        if child.name == "tr":
            rows.append((child, False))
        elif child.name in _SECTIONS:
            in_head = child.name == "thead"
            rows.extend((row, in_head) for row in child.find_all("tr", recursive=False))
    return rows


def _table_rows(table: Tag) -> list[RawRow]:
    rows: list[RawRow] = []
    # column index -> (rows still to fill, text) for cells spanning down from rows above
    pending: dict[int, tuple[int, str]] = {}
    for row, in_head in _own_rows(table):
        cells: list[str] = []
        all_th = True
        column = 0
        for cell in row.find_all(("td", "th"), recursive=False):
            column = _fill_pending(cells, pending, column)
            all_th = all_th and cell.name == "th"
            text = normalise_text(cell.get_text())
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
