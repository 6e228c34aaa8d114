"""HTML to tables of cell texts, each under the headings before it.

This stage knows nothing about error codes: it only turns markup into rows of normalised
strings. Turning rows into records is `scraper.records`' job.

lxml's HTML parser (libxml2) sends its start, end and text events straight to `_Walker`, so
no tree is built: memory is bounded by the tables' text, deeply nested markup cannot exhaust
the stack (nor meet libxml2's tree-depth limit), and the cost stays linear in the size of the
page. Outside headings and tables only headings and tables matter: menus, scripts and footers
pass by. (BeautifulSoup on the same parser gives the same events, but importing it took longer
than the rest of an offline build, and building then walking its tree cost five times the time
and twice the memory per row: see BENCHMARKS.md.) A row belongs to its nearest
enclosing `<table>` and a cell to the latest row of that table, whatever lxml's error recovery
nested them under: an unclosed `<a>` in a cell makes lxml put the following rows inside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from lxml import etree

from scraper.text import normalise_text

HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}
MAX_SPAN = 1000  # a hostile rowspan must not turn one cell into millions
MAX_COLUMNS = 64  # error-code tables have 3 or 4; wider rows are cut here to bound memory
_KEPT = frozenset({*HEADING_LEVELS, "table"})
# Not shown as text: code, inert templates, icons, and ruby annotations (rt/rp).
_SKIPPED = frozenset({"script", "style", "template", "noscript", "svg", "math", "rt", "rp"})
# Text inside these is no part of a link's text (how a permalink is recognised).
_NOT_LINK_TEXT = frozenset({"script", "style", "template", "rt", "rp"})
# Elements that separate words: their text must not run into the text around them.
_BREAKS = frozenset(
    {"br", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "hr"}
    | {"table", "tr", "td", "th", "caption"}
    | set(HEADING_LEVELS)
)
_SECTIONS = frozenset({"thead", "tbody", "tfoot"})
# Permalink anchors that doc generators append to headings ("¶", "#", a zero-width space).
_PERMALINK_TEXT = frozenset({"", "¶", "#", "§", "🔗", "\u200b"})
_SURROGATES = re.compile(r"[\ud800-\udfff]")
# A cell holding a nested table shows that table's text too; beyond this depth of nesting
# it does not, so each piece of text is copied a bounded number of times.
MAX_TEXT_NESTING = 8
_CELL_TAG = re.compile(r"<t[dhr][\s/>]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading: its text, its anchor id when the page gave one, and its level (1-6)."""

    text: str
    anchor: str | None
    level: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class RawRow:
    """A row's cell texts after span expansion; `is_header` for `<th>` rows and `<thead>` rows."""

    cells: tuple[str, ...]
    is_header: bool


@dataclass(frozen=True, slots=True)
class RawTable:
    """A table, its 1-based position on the page, and the headings it sits under.

    `heading` is the nearest heading before the table; `headings` is the chain of enclosing
    headings from the outermost (h1) down to `heading`, so a table under "JMRTC" under
    "Android SDK" can take its platform from the outer one.
    """

    number: int
    heading: Heading | None
    rows: tuple[RawRow, ...]
    headings: tuple[Heading, ...] = ()

    @property
    def heading_chain(self) -> tuple[Heading, ...]:
        if self.headings:
            return self.headings
        return (self.heading,) if self.heading else ()


def count_cell_tags(html: str) -> int:
    """How many `<tr>`, `<td>` and `<th>` tags the markup holds (an upper bound, cheap to get)."""
    return sum(1 for _ in _CELL_TAG.finditer(html))


def extract_tables(html: str) -> list[RawTable]:
    """Every table in the document, in order of their start, with the headings above each."""
    walker = _Walker()
    # lxml cannot encode lone surrogates; they only arrive in text built by a caller, never in
    # decoded bytes, so replacing them changes nothing a page could have said.
    clean = _SURROGATES.sub("\ufffd", html).removeprefix("\ufeff")
    parser = etree.HTMLParser(target=walker, recover=True)
    parser.feed(clean)
    parser.close()
    return [table.freeze() for table in walker.tables]


@dataclass(slots=True)
class _Cell:
    parts: list[str]
    colspan: int
    rowspan: int
    is_th: bool


@dataclass(slots=True)
class _Row:
    in_head: bool
    cells: list[_Cell] = field(default_factory=list)


@dataclass(slots=True)
class _Table:
    number: int
    headings: tuple[Heading, ...]
    rows: list[_Row] = field(default_factory=list)
    section: str | None = None
    row: _Row | None = None
    cell: _Cell | None = None

    def freeze(self) -> RawTable:
        heading = self.headings[-1] if self.headings else None
        return RawTable(self.number, heading, tuple(_expand_spans(self.rows)), self.headings)


@dataclass(slots=True)
class _OpenHeading:
    depth: int  # how many elements were open around it: its end comes back to this depth
    level: int
    anchor: str | None
    parts: list[str] = field(default_factory=list)
    named_link: dict[str, str] | None = None  # the first <a name> inside, then the first <a id>
    id_link: dict[str, str] | None = None

    def note_link(self, attrib: Mapping[str, str]) -> None:
        if self.named_link is None and "name" in attrib:
            self.named_link = dict(attrib)
        if self.id_link is None and "id" in attrib:
            self.id_link = dict(attrib)


# A buffered parser event: a start tag with its attributes, an end tag, or text.
_Event = tuple[str, dict[str, str]] | tuple[str, None] | str


@dataclass(slots=True)
class _Link:
    """A link inside a heading whose text decides whether it is a permalink to drop."""

    attrib: dict[str, str]
    events: list[_Event] = field(default_factory=list)  # what came inside, to replay
    depth: int = 0  # elements open inside the link


class _Walker:
    """lxml's parser target: one pass over the events in document order, with no tree."""

    def __init__(self) -> None:
        self.tables: list[_Table] = []
        self.open_tables: list[_Table] = []
        self.headings: list[Heading] = []
        self.heading: _OpenHeading | None = None
        self.handled: list[bool] = []  # per open element: whether its end needs handling
        self.skipping = 0  # depth inside an element whose content is not wanted
        self.link: _Link | None = None

    # The parser target interface: lxml calls these.

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if self.heading is not None and tag == "a":
            self.heading.note_link(attrib)
        if self.link is not None:
            self.link.events.append((tag, dict(attrib)))
            self.link.depth += 1
        else:
            self._start(tag, attrib, link_ends=False)

    def end(self, tag: str) -> None:
        if self.link is None:
            self._end(tag)
        elif self.link.depth:
            self.link.events.append((tag, None))
            self.link.depth -= 1
        else:
            self._end_link(self.link)

    def data(self, text: str) -> None:
        if self.link is not None:
            self.link.events.append(text)
        elif not self.skipping:
            self._text(text)

    def close(self) -> None:
        if self.link is not None:  # the page ended inside a link: keep what it held
            self._end_link(self.link)

    def _start(self, tag: str, attrib: Mapping[str, str], *, link_ends: bool) -> None:
        if self.skipping:
            self.skipping += 1
        elif self.heading is None and not self.open_tables and tag not in _KEPT:
            self.handled.append(False)  # outside headings and tables only they matter
        elif tag in _SKIPPED:
            self.skipping = 1
        elif self.heading is not None and not link_ends and _is_local_link(tag, attrib):
            self.link = _Link(dict(attrib))
        else:
            self._open(tag, attrib)
            self.handled.append(True)

    def _end(self, tag: str) -> None:
        if self.skipping:
            self.skipping -= 1
        elif self.handled.pop():
            self._close(tag)

    def _end_link(self, link: _Link) -> None:
        """A link in a heading ended: drop it if it was a permalink, else replay what it held."""
        self.link = None
        if _link_text(link.events).strip() in _PERMALINK_TEXT:
            return
        self._start("a", link.attrib, link_ends=True)
        for event in link.events:
            if isinstance(event, str):
                self.data(event)
            elif event[1] is None:
                self.end(event[0])
            else:
                self.start(event[0], event[1])
        self.end("a")

    def _text(self, text: str) -> None:
        if self.heading is not None:
            self.heading.parts.append(text)
        for table in self.open_tables[-MAX_TEXT_NESTING:]:
            if table.cell is not None:
                table.cell.parts.append(text)

    def _open(self, name: str, attrib: Mapping[str, str]) -> None:
        """Handle a start tag whose content is wanted."""
        if name in _BREAKS:
            self._text(" ")
        if name == "table":
            table = _Table(len(self.tables) + 1, tuple(self.headings))
            self.tables.append(table)
            self.open_tables.append(table)
        elif name in HEADING_LEVELS:
            if self.heading is None:  # a heading inside a heading is just text of the outer one
                self.heading = _OpenHeading(
                    len(self.handled), HEADING_LEVELS[name], attrib.get("id")
                )
        elif self.open_tables:
            self._open_table_part(name, attrib, self.open_tables[-1])

    def _open_table_part(self, name: str, attrib: Mapping[str, str], table: _Table) -> None:
        if name in _SECTIONS:
            table.section = name
        elif name == "tr":
            table.row = _Row(in_head=table.section == "thead")
            table.rows.append(table.row)
            table.cell = None
        elif name in ("td", "th"):
            if table.row is None:  # a cell outside any row starts one
                table.row = _Row(in_head=table.section == "thead")
                table.rows.append(table.row)
            colspan, rowspan = _span(attrib.get("colspan")), _span(attrib.get("rowspan"))
            table.cell = _Cell([], colspan, rowspan, is_th=name == "th")
            table.row.cells.append(table.cell)

    def _close(self, name: str) -> None:
        if name in _BREAKS:
            self._text(" ")
        if name == "table":
            if self.open_tables:
                self.open_tables.pop()
        elif name in HEADING_LEVELS:
            if self.heading is not None and self.heading.depth == len(self.handled):
                self._end_heading(self.heading)
                self.heading = None
        elif self.open_tables:
            table = self.open_tables[-1]
            if name in _SECTIONS:
                table.section = None
            elif name == "tr":
                table.row = None
                table.cell = None
            elif name in ("td", "th"):
                table.cell = None

    def _end_heading(self, heading: _OpenHeading) -> None:
        text = normalise_text("".join(heading.parts))
        while self.headings and self.headings[-1].level >= heading.level:
            self.headings.pop()
        self.headings.append(Heading(text, _anchor(heading), heading.level))


def _anchor(heading: _OpenHeading) -> str | None:
    """The heading's id, else the id or name of an anchor inside it (`<h2><a name="x">`)."""
    if heading.anchor and heading.anchor.strip():
        return heading.anchor.strip()
    inner = heading.named_link or heading.id_link
    if inner is not None:
        for attribute in ("id", "name"):
            value = inner.get(attribute, "").strip()
            if value:
                return value
    return None


def _is_local_link(tag: str, attrib: Mapping[str, str]) -> bool:
    """A link to a place on the same page: in a heading, maybe a permalink ("¶", "#")."""
    return tag == "a" and attrib.get("href", "").startswith("#")


def _link_text(events: list[_Event]) -> str:
    """The text a reader sees in a buffered link (not its scripts or ruby annotations)."""
    parts: list[str] = []
    hidden = 0
    for event in events:
        if isinstance(event, str):
            if not hidden:
                parts.append(event)
        elif event[1] is None:
            hidden = max(0, hidden - 1)
        elif hidden or event[0] in _NOT_LINK_TEXT:
            hidden += 1
    return "".join(parts)


def _span(value: object) -> int:
    if not isinstance(value, str):
        return 1
    digits = value.strip()
    if not digits.isascii() or not digits.isdigit():
        return 1
    return max(1, min(int(digits[:6]), MAX_SPAN))


def _expand_spans(rows: list[_Row]) -> list[RawRow]:
    """Rows of cell texts with colspans repeated across and rowspans carried down."""
    expanded: list[RawRow] = []
    carried: dict[int, tuple[int, str]] = {}  # column -> (rows still to fill, text)
    for row in rows:
        cells: list[str] = []
        for cell in row.cells:
            _take_carried(cells, carried)
            text = normalise_text("".join(cell.parts))
            for _ in range(cell.colspan):
                if len(cells) >= MAX_COLUMNS:
                    break
                if cell.rowspan > 1:
                    carried[len(cells)] = (cell.rowspan - 1, text)
                cells.append(text)
        if carried:
            last = min(max(carried), MAX_COLUMNS - 1)
            while len(cells) <= last:
                if len(cells) in carried:
                    _take_carried(cells, carried)
                else:
                    cells.append("")
        is_header = bool(row.cells) and (row.in_head or all(cell.is_th for cell in row.cells))
        expanded.append(RawRow(tuple(cells), is_header))
    return expanded


def _take_carried(cells: list[str], carried: dict[int, tuple[int, str]]) -> None:
    while (entry := carried.get(len(cells))) is not None:
        left, text = entry
        if left > 1:
            carried[len(cells)] = (left - 1, text)
        else:
            del carried[len(cells)]
        cells.append(text)
