"""What the page's markup gives the parser: tables of cell texts and lists of codes, each
under the headings before it. Plain data, made by `scraper.parse.tables` (which parses the HTML)
and read by `scraper.parse.rows` (which never imports the HTML parser)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    # A line of text between the nearest heading and the table that looks like unrendered
    # Markdown (a heading or a table rule): the table's section may not be its real one.
    markdown_line: str | None = None
    position: int = 0  # among the page's tables and lists, in document order

    @property
    def heading_chain(self) -> tuple[Heading, ...]:
        if self.headings:
            return self.headings
        return (self.heading,) if self.heading else ()


@dataclass(frozen=True, slots=True)
class ListItem:
    """One item of a list of codes: its text, or for an enum member its name, value and the
    text documenting it."""

    text: str
    name: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class RawList:
    """Codes written without a table, in document order among the tables (`position`).

    `kind` is "list" for a bullet list (or a paragraph of "•" items), "enum" for an enum
    declaration; `label` is the paragraph just before the list, which may name what it lists
    ("Error Code", "错误码").
    """

    number: int
    position: int
    kind: str
    headings: tuple[Heading, ...]
    label: str
    items: tuple[ListItem, ...]

    @property
    def heading(self) -> Heading | None:
        return self.headings[-1] if self.headings else None


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """The tables of a page and its lists of codes, each numbered in document order."""

    tables: list[RawTable]
    lists: list[RawList]
