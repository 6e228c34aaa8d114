"""HTML to tables of cell texts, each under the headings before it.

This stage knows nothing about error codes: it only turns markup into rows of normalised
strings. Turning rows into records is `scraper.parse.rows`' job.

The document is parsed by BeautifulSoup on lxml, keeping only headings and tables (menus,
scripts and footers are never built, which bounds memory by the size of the tables). It is
then walked once, in document order, without recursion, so deeply nested markup cannot exhaust
the stack and the cost stays linear in the size of the page. A row belongs to its nearest
enclosing `<table>` and a cell to the latest row of that table, whatever lxml's error recovery
nested them under: an unclosed `<a>` in a cell makes lxml put the following rows inside it.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import re
import sys
import types
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

from scraper.parse.blocks import ExtractedPage, Heading, ListItem, RawList, RawRow, RawTable
from scraper.text import normalise_text


class _Deferred(types.ModuleType):
    """Stands in for an installed module until something uses it, then loads the real one.

    BeautifulSoup imports soupsieve, which compiles its CSS grammar (about 45 ms), and an
    encoding detector (about 15 ms) when it is imported; this parser uses neither (it selects
    nothing by CSS and hands BeautifulSoup text, never bytes), and together they were the
    largest part of an offline build's time. The standard library's LazyLoader cannot do
    this: the `import` statement itself makes it load the module.
    """

    def __getattr__(self, attribute: str) -> object:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]  # the real module takes its place from now on
        return getattr(importlib.import_module(self.__name__), attribute)


def _defer_import(name: str) -> None:
    if name not in sys.modules and importlib.util.find_spec(name) is not None:
        sys.modules[name] = _Deferred(name)


for _name in ("soupsieve", "cchardet", "chardet", "charset_normalizer"):
    _defer_import(_name)

from bs4 import (  # noqa: E402 - after the deferrals above
    BeautifulSoup,
    MarkupResemblesLocatorWarning,
    Tag,
    XMLParsedAsHTMLWarning,
)
from bs4.element import NavigableString, PreformattedString  # noqa: E402
from bs4.filter import SoupStrainer  # noqa: E402

HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}
MAX_SPAN = 1000  # a hostile rowspan must not turn one cell into millions
MAX_COLUMNS = 64  # error-code tables have 3 or 4; wider rows are cut here to bound memory
# Paragraphs are kept too, only to notice Markdown that was never rendered ("## JMRTC iOS" as
# text above a table would otherwise leave that table under the heading before it).
_KEEP_NAMES = (*HEADING_LEVELS, "table", "p")
# Lists, definition lists and code are kept for codes written without a table, but only on a
# page that shows signs of them: a list right after a heading or paragraph that says "Error
# Code" (899003 username不合法 ...), or an enum declaration (kJMSGError... = 860015,) whose
# members a definition list documents. A site's menus are lists too, and building them into
# the tree would cost more than the page's tables.
_LIST_AFTER_LABEL = re.compile(
    r"(?:error\s*codes?|errcode|错误码|返回码|错误代码|状态码)[^<]{0,40}(?:</[a-z0-9]+>\s*){1,3}"
    r"(?:<p>[^<]{0,60}</p>\s*)?<(?:ul|ol)\b",
    re.IGNORECASE,
)
_STRAINERS: dict[tuple[bool, bool], SoupStrainer] = {}


def _strainer(html: str) -> SoupStrainer:
    """What to build of this page: headings, tables and paragraphs, and lists or enum
    declarations where the page shows signs of codes written that way."""
    signs = (_LIST_AFTER_LABEL.search(html) is not None, _ENUM_WORDS.search(html) is not None)
    if signs not in _STRAINERS:
        names = [*_KEEP_NAMES, *(("ul", "ol") if signs[0] else ()), *(("dl", "code") * signs[1])]
        _STRAINERS[signs] = SoupStrainer(names)
    return _STRAINERS[signs]


# Not shown as text: code, inert templates, icons, and ruby annotations (rt/rp).
_SKIPPED = frozenset({"script", "style", "template", "noscript", "svg", "math", "rt", "rp"})
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
# A line of text that a Markdown renderer would have made a heading or a table rule.
_MARKDOWN_LINE = re.compile(r"^ {0,3}(#{1,6}(?:[ \t]|$)|\|?\s*:?-{3,}:?\s*\|)")


def count_cell_tags(html: str) -> int:
    """How many `<tr>`, `<td>` and `<th>` tags the markup holds (an upper bound, cheap to get)."""
    return sum(1 for _ in _CELL_TAG.finditer(html))


def extract_tables(html: str) -> list[RawTable]:
    """Every table in the document, in order of their start, with the headings above each."""
    return extract_page(html).tables


def extract_page(html: str) -> ExtractedPage:
    """Every table and every list that may hold codes, with the headings above each."""
    walker = _Walker()
    with _without_cycle_collection():
        soup = _parse(html)
        walker.walk(soup)
        soup.decompose()  # break the tree's parent/child cycles now, not at a later collection
    return ExtractedPage([table.freeze() for table in walker.tables], walker.finished_lists())


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while the tree is built and walked.

    Building a tree of a million nodes makes no garbage, but each collection would traverse
    every node built so far, which made a 100,000-row page cost 14x a 10,000-row one.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(html: str) -> BeautifulSoup:
    # lxml cannot encode lone surrogates; they only arrive in text built by a caller, never in
    # decoded bytes, so replacing them changes nothing a page could have said.
    # Searched first: a copy of a big page's text is memory the tree-only floor does not use.
    clean = _SURROGATES.sub("\ufffd", html) if _SURROGATES.search(html) else html
    with warnings.catch_warnings():
        # XHTML pages start with <?xml ...?>, and a tiny page may look like a URL: both are fine.
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(clean, "lxml", parse_only=_strainer(clean))


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
    markdown_line: str | None = None
    rows: list[_Row] = field(default_factory=list)
    section: str | None = None
    row: _Row | None = None
    cell: _Cell | None = None
    position: int = 0

    def freeze(self) -> RawTable:
        heading = self.headings[-1] if self.headings else None
        rows = tuple(_expand_spans(self.rows))
        return RawTable(
            self.number, heading, rows, self.headings, self.markdown_line, self.position
        )


@dataclass(slots=True)
class _List:
    position: int
    headings: tuple[Heading, ...]
    label: str
    items: list[list[str]] = field(default_factory=list)
    item: list[str] | None = None


# A title in bold standing alone: short, and not a label that introduces text ("注意：").
_TITLE_CHARS = 40
_NOT_TITLE_ENDS = tuple(":：。.!！?？,，;；")
# An enum member: `kJMSGErrorSDKNetworkDownloadFailed = 860015,` (C, Objective-C, Swift, TS).
_ENUM_MEMBER = re.compile(r"\b([A-Za-z_]\w*)\s*=\s*([+-]?(?:0[xX][0-9A-Fa-f]+|\d+))\s*(?=[,}]|$)")
_ENUM_WORDS = re.compile(r"\benum\b|NS_ENUM|NS_ERROR_ENUM|NS_OPTIONS", re.IGNORECASE)
_BULLET = "\u2022"


@dataclass(slots=True)
class _OpenHeading:
    tag: Tag
    level: int
    anchor: str | None
    parts: list[str] = field(default_factory=list)


class _Walker:
    """One pass over the tree in document order, with an explicit stack instead of recursion."""

    def __init__(self) -> None:
        self.tables: list[_Table] = []
        self.open_tables: list[_Table] = []
        self.headings: list[Heading] = []
        self.heading: _OpenHeading | None = None
        self.paragraph: list[str] | None = None  # text of a paragraph outside tables, headings
        self.markdown_line: str | None = None  # since the last heading
        self.positions = 0  # tables and lists started so far
        self.lists: list[_List] = []
        self.open_lists: list[_List] = []
        self.label = ""  # the last paragraph since the last heading, table or list
        self.bold = 0  # depth of <strong>/<b> inside the current paragraph
        self.plain = False  # the current paragraph has text outside bold
        self.code: list[str] | None = None  # text of a <code> outside paragraphs and tables
        self.enums: list[tuple[int, tuple[Heading, ...], str]] = []
        self.term: list[str] | None = None  # the <dt> being read
        self.terms: dict[str, str] = {}  # a definition list's term -> its first paragraph
        self.last_term = ""
        self.in_definition = False

    def walk(self, root: Tag) -> None:
        # Each entry is (node, entering); a tag is pushed again with entering=False to close it.
        stack: list[tuple[object, bool]] = [(child, True) for child in reversed(root.contents)]
        pop, push, extend = stack.pop, stack.append, stack.extend  # the loop runs per node
        open_tag, close_tag, add_text = self._open, self._close, self._text
        while stack:
            node, entering = pop()
            if isinstance(node, Tag):
                if not entering:
                    close_tag(node)
                elif open_tag(node):
                    push((node, False))
                    extend([(child, True) for child in reversed(node.contents)])
            elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
                add_text(str(node))

    def _text(self, text: str) -> None:
        if self.heading is not None:
            self.heading.parts.append(text)
        elif self.paragraph is not None:
            self.paragraph.append(text)
            if not self.bold and not self.plain and text.strip():
                self.plain = True
        if not self.open_tables and self.heading is None:
            if self.open_lists and self.open_lists[-1].item is not None:
                self.open_lists[-1].item.append(text)
            if self.code is not None:
                self.code.append(text)
            if self.term is not None:
                self.term.append(text)
        tables = self.open_tables
        if len(tables) == 1:  # the common case: text in a cell of a table not nested
            cell = tables[0].cell
            if cell is not None:
                cell.parts.append(text)
            return
        for table in tables[-MAX_TEXT_NESTING:]:
            if table.cell is not None:
                table.cell.parts.append(text)

    def _open(self, tag: Tag) -> bool:
        """Handle a start tag; False means its content is not wanted at all."""
        name = tag.name
        if name in _SKIPPED or (self.heading is not None and _is_permalink(tag)):
            return False
        if name in _BREAKS:
            self._text(" ")
        if name == "table":
            self.positions += 1
            table = _Table(len(self.tables) + 1, tuple(self.headings), self.markdown_line)
            table.position = self.positions
            self.markdown_line = None
            self.label = ""
            self.tables.append(table)
            self.open_tables.append(table)
        elif name in HEADING_LEVELS:
            if self.heading is None:  # a heading inside a heading is just text of the outer one
                self.heading = _OpenHeading(tag, HEADING_LEVELS[name], _anchor(tag))
        elif self.open_tables:
            self._open_table_part(tag, self.open_tables[-1])
        elif self.heading is not None:
            return True
        elif name == "p" and self.paragraph is None:
            self.paragraph, self.bold, self.plain = [], 0, False
        elif name in ("strong", "b") and self.paragraph is not None:
            self.bold += 1
        elif name in ("ul", "ol"):
            self._open_list()
        elif name == "li" and self.open_lists:
            current = self.open_lists[-1]
            current.item = []
            current.items.append(current.item)
        elif name == "code" and self.paragraph is None and self.code is None:
            self.code = []
        elif name == "dt":
            self.term = []
        elif name == "dd":
            self.in_definition = True
        return True

    def _open_list(self) -> None:
        if self.open_lists and self.open_lists[-1].item is not None:
            self.open_lists[-1].item = None  # a nested list: the outer item's text ends here
        self.positions += 1
        opened = _List(self.positions, tuple(self.headings), self.label)
        self.lists.append(opened)
        self.open_lists.append(opened)

    def _open_table_part(self, tag: Tag, table: _Table) -> None:
        name = tag.name
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
            colspan, rowspan = _span(tag.get("colspan")), _span(tag.get("rowspan"))
            table.cell = _Cell([], colspan, rowspan, is_th=name == "th")
            table.row.cells.append(table.cell)

    def _close(self, tag: Tag) -> None:
        name = tag.name
        if name in _BREAKS:
            self._text(" ")
        if name == "table":
            if self.open_tables:
                self.open_tables.pop()
        elif name in HEADING_LEVELS:
            if self.heading is not None and self.heading.tag is tag:
                self._end_heading(self.heading)
                self.heading = None
        elif name == "p" and self.paragraph is not None and not self.open_tables:
            self._end_paragraph(self.paragraph)
            self.paragraph = None
        elif self.open_tables:
            self._close_table_part(name)
        elif name in ("strong", "b") and self.bold:
            self.bold -= 1
        elif name in ("ul", "ol") and self.open_lists:
            self.open_lists.pop()
            self.label = ""
        elif name == "li" and self.open_lists:
            self.open_lists[-1].item = None
        elif name == "code" and self.code is not None and self.paragraph is None:
            self._end_code("".join(self.code))
            self.code = None
        elif name == "dt" and self.term is not None:
            self.last_term = normalise_text("".join(self.term))
            self.term = None
        elif name == "dd":
            self.in_definition = False

    def _close_table_part(self, name: str) -> None:
        if self.open_tables:
            table = self.open_tables[-1]
            if name in _SECTIONS:
                table.section = None
            elif name == "tr":
                table.row = None
                table.cell = None
            elif name in ("td", "th"):
                table.cell = None

    def _end_paragraph(self, parts: list[str]) -> None:
        raw = "".join(parts)
        text = normalise_text(raw)
        if self.in_definition and self.last_term and self.last_term not in self.terms:
            self.terms[self.last_term] = text  # the first paragraph documents the term
        if self.open_lists:
            return  # a paragraph inside a list item is the item's text
        if text and not self.plain and _is_title(text):
            self._add_heading(Heading(text, None, min(self._level() + 1, 7)))
            return
        if _BULLET in text:
            self._bullet_paragraph(text)
        self.label = text
        if self.markdown_line is not None:
            return  # the first such line is the one to show
        for line in raw.splitlines():
            if _MARKDOWN_LINE.match(line):
                self.markdown_line = normalise_text(line)
                return

    def _bullet_paragraph(self, text: str) -> None:
        """ "Error Code • 855001 超出撤回消息时间 • 855003 ...": a list written in one paragraph."""
        label, *items = text.split(_BULLET)
        self.positions += 1
        written = _List(self.positions, tuple(self.headings), label.strip() or self.label)
        written.items = [[item] for item in items]
        self.lists.append(written)

    def _end_code(self, text: str) -> None:
        if _ENUM_WORDS.search(text) and _ENUM_MEMBER.search(text):
            self.positions += 1
            self.enums.append((self.positions, tuple(self.headings), text))

    def _level(self) -> int:
        return self.headings[-1].level if self.headings else 0

    def finished_lists(self) -> list[RawList]:
        """The lists that hold items, and the enum declarations, in document order."""
        found: list[tuple[int, str, tuple[Heading, ...], str, tuple[ListItem, ...]]] = []
        for written in self.lists:
            items = tuple(
                ListItem(text) for item in written.items if (text := normalise_text("".join(item)))
            )
            if items:
                found.append((written.position, "list", written.headings, written.label, items))
        for position, headings, text in self.enums:
            members = tuple(
                ListItem(value, name, self.terms.get(name, ""))
                for name, value in _ENUM_MEMBER.findall(text)
            )
            declared = normalise_text(text.split("{", 1)[0])[: _TITLE_CHARS * 3]
            found.append((position, "enum", headings, declared, members))
        found.sort(key=lambda entry: entry[0])
        return [
            RawList(number, position, kind, headings, label, items)
            for number, (position, kind, headings, label, items) in enumerate(found, 1)
        ]

    def _end_heading(self, heading: _OpenHeading) -> None:
        self.markdown_line = None  # a real heading sets the section again
        self._add_heading(
            Heading(normalise_text("".join(heading.parts)), heading.anchor, heading.level)
        )

    def _add_heading(self, heading: Heading) -> None:
        self.label = ""
        while self.headings and self.headings[-1].level >= heading.level:
            self.headings.pop()
        self.headings.append(heading)


def _is_title(text: str) -> bool:
    """A bold paragraph standing alone reads as a title when it is short and not a label
    that introduces what follows ("注意：") or a sentence."""
    return len(text) <= _TITLE_CHARS and not text.endswith(_NOT_TITLE_ENDS)


def _anchor(tag: Tag) -> str | None:
    """The heading's id, else the id or name of an anchor inside it (`<h2><a name="x">`)."""
    value = tag.get("id")
    if isinstance(value, str) and value.strip():
        return value.strip()
    inner = tag.find("a", attrs={"name": True}) or tag.find("a", attrs={"id": True})
    if isinstance(inner, Tag):
        for attribute in ("id", "name"):
            value = inner.get(attribute)
            if isinstance(value, str) and value.strip():
                return value.strip()
    # Sphinx puts the id on the enclosing <section>; the heading's permalink points at it.
    for link in tag.find_all("a", href=True):
        if isinstance(link, Tag) and _is_permalink(link):
            target = str(link["href"])[1:].strip()
            if target:
                return target
    return None


def _is_permalink(tag: Tag) -> bool:
    href = tag.get("href")
    return (
        tag.name == "a"
        and isinstance(href, str)
        and href.startswith("#")
        and tag.get_text().strip() in _PERMALINK_TEXT
    )


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
