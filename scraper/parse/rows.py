"""Tables of cell texts to typed error-code records, with a report of what was skipped.

Which column holds which role is `scraper.parse.columns`' job; this module finds each table's
header row, reads every code row into a record (every cell kept: a role's field, or `extra`),
numbers repeated codes, and reports each row it could not use.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scraper.errors import ParseError
from scraper.model import (
    SDK_OF_PRODUCT,
    Provenance,
    Record,
    Source,
    code_problem,
    code_text_of,
    parse_code,
)
from scraper.parse.blocks import RawList, RawTable
from scraper.parse.columns import Columns, Named, assign_columns, names_a_code
from scraper.text import shortened

if TYPE_CHECKING:
    from scraper.parse.blocks import Heading, RawRow

_PLATFORM_WORDS = (
    ("ios", "ios"),
    ("android", "android"),
    ("web", "web"),
    ("js", "web"),
    ("windows", "windows"),
    ("server", "server"),
    ("服务端", "server"),
    ("服务器端", "server"),
    ("安卓", "android"),
)
# ASCII look-arounds rather than \b: in "iOS错误码" a CJK letter is a word character too.
_PLATFORM = re.compile(
    r"(?<![A-Za-z])(" + "|".join(word for word, _ in _PLATFORM_WORDS) + r")(?![A-Za-z])", re.I
)
_PLATFORM_BY_WORD = dict(_PLATFORM_WORDS)
_SHOWN_CHARS = 80  # how much of a row a warning quotes
# Words of a heading or header over a list of error or status codes.
_ERROR_WORDS = re.compile(r"(?i)error|code|status|错误|码|状态|返回")
# What names a bullet list as a list of codes: its heading or the paragraph just before it.
_CODE_LIST_WORDS = re.compile(r"(?i)error\s*codes?\b|\berrcode|错误码|返回码|错误代码|状态码")
# A list item that starts with a code: "899003 username不合法", "1001: 参数错误".
_CODE_ITEM = re.compile(
    r"([+-]?(?:0[xX][0-9A-Fa-f]+|\d+))(?:\s*[:：,，、]\s*|\s+[-–—]\s+|\s+)(\S.*)"
)
# What one page may make of its text: a rowspan, a colspan or a heading copies text into many
# records, so the records' text may be at most this multiple of the page's size (plus a
# floor for tiny pages) before the page is refused.
MAX_TEXT_GROWTH = 20
_TEXT_GROWTH_FLOOR = 1_000_000


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A row that was skipped although it had text, or a duplicate key; `text` is the row."""

    source: str
    section: str
    table: int
    row: int
    reason: str
    text: str
    unit: str = "table"  # or "list", for codes written without a table

    def describe(self) -> str:
        section = f" ({self.section})" if self.section else ""
        row = "item" if self.unit == "list" else "row"
        place = f"{self.source}: {self.unit} {self.table}{section}, {row} {self.row}"
        return f"{place}: {self.reason}: {self.text}"


@dataclass(slots=True)
class SourceReport:
    """What parsing one source gave besides its records.

    `warnings` are page-level findings that lose no row by themselves being wrong but deserve a
    look: a table that looks like error codes but has no usable header row, or text in cells
    beyond the header's columns. `--strict` turns them, anomalies and duplicates into failures.
    """

    source: str
    tables: int = 0
    tables_without_section: int = 0  # error-code tables with no heading above them
    blank_rows: int = 0
    anomalies: list[Anomaly] = field(default_factory=list)
    duplicates: list[Anomaly] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    provenance: Provenance | None = None  # set by the build once the page is parsed
    problems: list[str] = field(default_factory=list)  # tables that yield no codes: fatal
    lists: int = 0  # lists of codes written without a table (bullet lists, enums)


def platform_for(heading: str, default: str) -> str:
    """The platform a heading names (first word that names one), else the source's default."""
    match = _PLATFORM.search(heading)
    return _PLATFORM_BY_WORD[match.group(1).lower()] if match else default


def sdk_for(heading: str, product: str = "JMessage") -> str:
    """JMRTC for a JMessage heading that names it; else the product itself."""
    sdks = SDK_OF_PRODUCT.get(product, ())
    folded = heading.casefold()
    return next((sdk for sdk in reversed(sdks) if sdk.casefold() in folded), product)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where on its page a record's row stood (1-based table and row numbers)."""

    table: int
    row: int


def records_from_tables(
    tables: list[RawTable],
    source: Source,
    page_size: int = 0,
    lists: Sequence[RawList] = (),
) -> tuple[list[tuple[Record, Origin]], SourceReport]:
    """Every error-code table's records with their origin; blank rows counted, odd ones reported.

    An error-code table is one whose header row names a code column whose cells are codes
    (`scraper.parse.columns`). Its header row is the first `<th>`/`<thead>` row (a title row
    of one repeated text above it is passed over), else a first row of plain cells that names
    a code column and holds no code. Other tables are skipped: silently when they are layout,
    navigation or parameters, with a warning when their rows look like error codes, and as a
    problem (the page fails) when a code column holds no codes.

    A code listed again for the same platform and sdk becomes a record numbered by
    `occurrence`; a row that repeats an earlier one cell for cell in the same section is
    dropped with a duplicate warning, as it says nothing new.
    """
    report = SourceReport(source.id)
    records: list[tuple[Record, Origin]] = []
    named = dict(source.columns)
    budget = _TextBudget(source.id, page_size)
    blocks: list[RawTable | RawList] = sorted([*tables, *lists], key=lambda b: b.position)
    for table in blocks:
        if isinstance(table, RawList):
            records.extend(_list_records(table, source, report, budget))
            continue
        header = find_header(table.rows, named)
        if header is None:
            problem = _headerless_problem(table)
            if problem:
                report.warnings.append(f"{_table_place(source.id, table)}: {problem}")
            continue
        index = header
        body = [row.cells for row in table.rows[index + 1 :] if not row.is_header]
        verdict = assign_columns(table.rows[index].cells, body, named)
        if verdict.columns is None:
            if verdict.problem:
                report.problems.append(f"{_table_place(source.id, table)}: {verdict.problem}")
            continue
        report.tables += 1
        found = _table_records(table, index, verdict.columns, source, named, report, budget)
        records.extend(found)
        problem = _section_problem(table, found)
        if problem:
            report.warnings.append(f"{source.id}: table {table.number}, {problem}")
        if not table.heading_chain:
            report.tables_without_section += 1
    return _numbered(records, report), report


def _list_records(
    written: RawList, source: Source, report: SourceReport, budget: _TextBudget
) -> list[tuple[Record, Origin]]:
    """The codes of a bullet list under an error-code heading or label, or of an enum."""
    titles = [written.label] + [heading.text for heading in written.headings[-1:]]
    if written.kind == "enum":
        titles = [written.label] + [heading.text for heading in written.headings]
        if not any(_ERROR_WORDS.search(title) for title in titles):
            return []
    elif not any(_CODE_LIST_WORDS.search(title) for title in titles):
        return []
    items = [
        (index, item, _CODE_ITEM.match(item.text)) for index, item in enumerate(written.items, 1)
    ]
    if written.kind == "list" and not any(match for _, _, match in items):
        return []
    context = _context_of(written.headings, source, written.number)
    report.lists += 1
    found: list[tuple[Record, Origin]] = []
    for index, item, match in items:
        if written.kind == "enum":
            code_text, name, message, description = item.text, item.name, "", item.description
        elif match is None:
            report.anomalies.append(
                Anomaly(
                    source.id,
                    context.section,
                    written.number,
                    index,
                    "no code",
                    item.text,
                    unit="list",
                )
            )
            continue
        else:
            code_text, name, message, description = match.group(1), "", match.group(2), ""
        record = Record(
            product=source.product,
            platform=context.platform,
            sdk=context.sdk,
            code=parse_code(code_text),
            code_text=_plain_code(code_text),
            occurrence=1,
            name=name,
            message=message,
            description=description,
            section=context.section,
            source=source.id,
            url=context.url,
        )
        budget.spend(record, f"list {written.number}, item {index}")
        found.append((record, Origin(written.number, index)))
    return found


def _numbered(
    records: list[tuple[Record, Origin]], report: SourceReport
) -> list[tuple[Record, Origin]]:
    """Repeated codes numbered in page order; exact repeats of a row dropped and reported."""
    seen_rows: dict[tuple[object, ...], Origin] = {}
    counts: Counter[tuple[str, str, str]] = Counter()
    numbered: list[tuple[Record, Origin]] = []
    for record, origin in records:
        same = (record.platform, record.sdk, record.section, record.code_text)
        row = (*same, *(getattr(record, name) for name in _ROW_FIELDS), *record.extra.items())
        first = seen_rows.get(row)
        if first is not None:
            report.duplicates.append(
                Anomaly(
                    record.source,
                    record.section,
                    origin.table,
                    origin.row,
                    f"the same row as table {first.table}, row {first.row}; kept the first",
                    _row_text(record),
                )
            )
            continue
        seen_rows[row] = origin
        group = (record.platform, record.sdk, record.code_text)
        counts[group] += 1
        numbered.append((_with_occurrence(record, counts[group]), origin))
    return numbered


_ROW_FIELDS = ("name", "message", "description", "detail", "advice", "http_status")


def _with_occurrence(record: Record, occurrence: int) -> Record:
    if occurrence == record.occurrence:
        return record
    values = {name: getattr(record, name) for name in record.__slots__}
    values["occurrence"] = occurrence
    return Record(**values)


def _row_text(record: Record) -> str:
    texts = [record.code_text, record.message, record.description, record.detail]
    return " | ".join(text for text in texts if text)


def _section_problem(table: RawTable, found: list[tuple[Record, Origin]]) -> str | None:
    """Why a table's records may carry the wrong section, sdk or platform; None when fine."""
    if not found:
        return None
    first = next(row.cells for row in table.rows[found[0][1].row - 1 :] if any(row.cells))
    count = f"{len(found)} record(s)"
    if not table.heading_chain:
        return (
            f"first row '{_shown(first)}': no section heading above this error-code table, "
            f"so its {count} have an empty section and the default SDK JMessage"
        )
    if table.markdown_line is not None:
        return (
            f"first row '{_shown(first)}': the text above this table looks like unrendered "
            f"Markdown ('{table.markdown_line}'), so its {count} may be mislabelled: they took "
            f"the section '{found[0][0].section}' from the heading before it"
        )
    return None


def find_header(rows: tuple[RawRow, ...], named: Named | None = None) -> int | None:
    """The index of a table's header row, or None when it has none naming a code column.

    Only a header row is a header: a body row that mentions "code" (errcode, a url ending in
    /codes) never becomes one.
    """
    for index, row in enumerate(rows):
        if not any(row.cells):
            continue
        if row.is_header:
            if names_a_code(row.cells, named):
                return index
            if _is_title_row(row.cells):
                continue  # a title such as "Error codes" spanning the table; look further
            return None
        if names_a_code(row.cells, named) and not any(
            parse_code(cell) is not None for cell in row.cells
        ):
            return index
        return None
    return None


def _is_title_row(cells: tuple[str, ...]) -> bool:
    return len({cell for cell in cells if cell}) == 1


def _headerless_problem(table: RawTable) -> str | None:
    """Why a table that looks like error codes was skipped; None for layout tables."""
    rows = [row for row in table.rows if any(row.cells)]
    coded = sum(
        1
        for row in rows
        if len(row.cells) >= 2 and parse_code(next(cell for cell in row.cells if cell)) is not None
    )
    if coded == 0 or coded * 2 < len(rows):
        return None
    first = rows[0]
    titles = [heading.text for heading in table.heading_chain] + list(first.cells)
    if not any(_ERROR_WORDS.search(title) for title in titles):
        return None  # numbered values of something else (wakeType 1, 2, 4), not error codes
    expected = "expected a header row naming a code column, such as 'Code | Error Message | 说明'"
    if first.is_header:
        return f"header row '{_shown(first.cells)}' names no code column; skipped ({expected})"
    return f"no header row; skipped {len(rows)} row(s) ({expected})"


@dataclass(frozen=True, slots=True)
class _TableContext:
    source: Source
    section: str
    platform: str
    sdk: str
    url: str
    table: int


def _context(table: RawTable, source: Source) -> _TableContext:
    """Section from the nearest heading; platform, SDK and anchor from the nearest that has one."""
    return _context_of(table.heading_chain, source, table.number)


def _context_of(chain: tuple[Heading, ...], source: Source, number: int) -> _TableContext:
    section = chain[-1].text if chain else ""
    platform = next(
        (platform_for(h.text, "") for h in reversed(chain) if platform_for(h.text, "")),
        source.platform,
    )
    sdk = source.product
    sdks = SDK_OF_PRODUCT.get(source.product, ())
    for heading in reversed(chain):
        folded = heading.text.casefold()
        if any(name.casefold() in folded for name in sdks):
            sdk = sdk_for(heading.text, source.product)
            break
    anchor = next((h.anchor for h in reversed(chain) if h.anchor), None)
    url = f"{source.url}#{anchor}" if anchor else source.url
    return _TableContext(source, section, platform, sdk, url, number)


class _TextBudget:
    """Counts the text records take while they are made, against what the page may give."""

    def __init__(self, source_id: str, page_size: int) -> None:
        self.source_id = source_id
        self.limit = MAX_TEXT_GROWTH * page_size + _TEXT_GROWTH_FLOOR
        self.used = 0

    def spend(self, record: Record, place: str) -> None:
        """Count a record's text; `place` names its row ("table 2, row 5", "list 1, item 3")."""
        self.used += sum(len(getattr(record, name)) for name in _TEXT_OF_RECORD)
        self.used += sum(len(key) + len(value) for key, value in record.extra.items())
        if self.used > self.limit:
            raise ParseError(
                f"{self.source_id}: {place}: the records' text passed "
                f"{self.limit:,} characters, {MAX_TEXT_GROWTH} times the page's size (plus "
                f"{_TEXT_GROWTH_FLOOR:,}): a rowspan, colspan or heading copies text into too "
                "many rows; check that this is the right page"
            )


_TEXT_OF_RECORD = ("code_text", "name", "message", "description", "detail", "advice", "section")


def _table_records(
    table: RawTable,
    header_index: int,
    columns: Columns,
    source: Source,
    named: Named,
    report: SourceReport,
    budget: _TextBudget,
) -> list[tuple[Record, Origin]]:
    context = _context(table, source)
    records: list[tuple[Record, Origin]] = []
    for number, row in enumerate(table.rows[header_index + 1 :], start=header_index + 2):
        if row.is_header and names_a_code(row.cells, named):
            body = [r.cells for r in table.rows[number:] if not r.is_header]
            repeated = assign_columns(row.cells, body, named).columns
            if repeated is not None:
                columns = repeated  # a new header: columns may move
            continue
        if row.cells == columns.headers:
            continue  # the header repeated in the body, as a long table's pages do
        record = _record_from_row(row, columns, context, number, report)
        if record is None:
            continue
        budget.spend(record, f"table {table.number}, row {number}")
        records.append((record, Origin(table.number, number)))
        beyond = [cell for cell in row.cells[len(columns.headers) :] if cell]
        if beyond:
            report.warnings.append(
                f"{_table_place(source.id, table)}, row {number}: {len(row.cells)} cells but "
                f"the header has {len(columns.headers)}; kept the extra text under 'column N' "
                f"in extra: {_shown(beyond)}"
            )
    return records


def _record_from_row(
    row: RawRow, columns: Columns, context: _TableContext, number: int, report: SourceReport
) -> Record | None:
    cells = row.cells
    if not any(cells):
        report.blank_rows += 1
        return None
    roles = columns.roles

    def cell(role: str) -> str:
        index = roles.get(role)
        return cells[index] if index is not None and index < len(cells) else ""

    code_text = code_text_of(cell("code"))
    code = parse_code(code_text)
    if code is None and not (columns.text_codes and code_text):
        report.anomalies.append(
            Anomaly(
                context.source.id,
                context.section,
                context.table,
                number,
                code_problem(code_text),
                " | ".join(cells),
            )
        )
        return None
    extra = {
        name: text
        for name, text in zip(columns.extra_names(len(cells)), cells, strict=True)
        if name is not None and text
    }
    http_text = cell("http_status")
    http_status = parse_code(http_text) if http_text else None
    if http_text and http_status is None:
        extra[columns.headers[roles["http_status"]] or "http_status"] = http_text
    return Record(
        product=context.source.product,
        platform=context.platform,
        sdk=context.sdk,
        code=code,
        code_text=code_text if code is None else _plain_code(code_text),
        occurrence=1,
        name=cell("name"),
        message=cell("message"),
        description=cell("description"),
        detail=cell("detail"),
        advice=cell("advice"),
        http_status=http_status,
        extra=extra,
        section=context.section,
        source=context.source.id,
        url=context.url,
    )


def _plain_code(text: str) -> str:
    """A number's text without emphasis, as `parse_code` read it (a leading + dropped)."""
    return text.replace("_", "").removeprefix("+")


def _table_place(source_id: str, table: RawTable) -> str:
    section = f" ({table.heading.text})" if table.heading and table.heading.text else ""
    return f"{source_id}: table {table.number}{section}"


def _shown(cells: tuple[str, ...] | list[str]) -> str:
    return shortened(" | ".join(cells), _SHOWN_CHARS)
