"""Tables of cell texts to typed error-code records, with a report of what was skipped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scraper.model import Provenance, Record, Source, code_problem, parse_code
from scraper.text import shortened

if TYPE_CHECKING:  # only types: building records must not import the HTML parser
    from scraper.parse.tables import RawRow, RawTable

# Header names, matched as substrings of the case-folded header text; the first column that
# matches wins, and a cell is tried as code, then message, then description.
CODE_NAMES = ("code", "错误码", "错误代码", "返回码", "状态码")
MESSAGE_NAMES = ("message", "msg", "错误信息", "错误消息", "提示信息")
DESCRIPTION_NAMES = ("说明", "description", "instruction", "描述", "含义", "备注", "explanation")

_HEADER_NOISE = str.maketrans({"*": None, "`": None, ":": None, "：": None})
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


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A row that was skipped although it had text, or a duplicate key; `text` is the row."""

    source: str
    section: str
    table: int
    row: int
    reason: str
    text: str

    def describe(self) -> str:
        section = f" ({self.section})" if self.section else ""
        place = f"{self.source}: table {self.table}{section}, row {self.row}"
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


@dataclass(frozen=True, slots=True)
class Columns:
    """Positions of the code, message and description columns in a header row."""

    code: int
    message: int | None
    description: int | None


def find_columns(header: tuple[str, ...]) -> Columns | None:
    """Columns by header text (case-insensitive, any order); None when there is no code column.

    Markdown emphasis left literal in raw HTML (`**Code**`) and trailing colons are ignored.
    """
    code = message = description = None
    for index, raw in enumerate(header):
        name = raw.translate(_HEADER_NOISE).casefold()
        if code is None and any(word in name for word in CODE_NAMES):
            code = index
        elif message is None and any(word in name for word in MESSAGE_NAMES):
            message = index
        elif description is None and any(word in name for word in DESCRIPTION_NAMES):
            description = index
    if code is None:
        return None
    return Columns(code, message, description)


def platform_for(heading: str, default: str) -> str:
    """The platform a heading names (first word that names one), else the source's default."""
    match = _PLATFORM.search(heading)
    return _PLATFORM_BY_WORD[match.group(1).lower()] if match else default


def sdk_for(heading: str) -> str:
    return "JMRTC" if "jmrtc" in heading.casefold() else "JMessage"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where on its page a record's row stood (1-based table and row numbers)."""

    table: int
    row: int


def records_from_tables(
    tables: list[RawTable], source: Source
) -> tuple[list[tuple[Record, Origin]], SourceReport]:
    """Every error-code table's records with their origin; blank rows counted, odd ones reported.

    An error-code table is one whose header row names a code column. The header row is the
    first `<th>`/`<thead>` row that names one, else a first row of plain cells that names one
    and holds no code. Tables without such a row are skipped: silently when they look like
    layout or navigation, with a warning when their rows look like error codes.
    """
    report = SourceReport(source.id)
    records: list[tuple[Record, Origin]] = []
    for table in tables:
        header = find_header(table.rows)
        if header is None:
            problem = _headerless_problem(table)
            if problem:
                report.warnings.append(f"{_table_place(source.id, table)}: {problem}")
            continue
        report.tables += 1
        found = _table_records(table, header, source, report)
        records.extend(found)
        problem = _section_problem(table, found)
        if problem:
            report.warnings.append(f"{source.id}: table {table.number}, {problem}")
        if not table.heading_chain:
            report.tables_without_section += 1
    return records, report


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


def find_header(rows: tuple[RawRow, ...]) -> tuple[int, Columns] | None:
    """The index and columns of a table's header row, or None when it has none."""
    for index, row in enumerate(rows):
        if not any(row.cells):
            continue
        columns = find_columns(row.cells)
        if row.is_header:
            if columns is not None:
                return index, columns
            continue  # a title row such as "Error codes" spanning the table; look further
        if columns is not None and not any(parse_code(cell) is not None for cell in row.cells):
            return index, columns
        return None
    return None


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
    chain = table.heading_chain
    section = chain[-1].text if chain else ""
    platform = next(
        (platform_for(h.text, "") for h in reversed(chain) if platform_for(h.text, "")),
        source.platform,
    )
    sdk = "JMessage"
    for heading in reversed(chain):
        folded = heading.text.casefold()
        if "jmrtc" in folded or "jmessage" in folded:
            sdk = sdk_for(heading.text)
            break
    anchor = next((h.anchor for h in reversed(chain) if h.anchor), None)
    url = f"{source.url}#{anchor}" if anchor else source.url
    return _TableContext(source, section, platform, sdk, url, table.number)


def _table_records(
    table: RawTable, header: tuple[int, Columns], source: Source, report: SourceReport
) -> list[tuple[Record, Origin]]:
    header_index, columns = header
    header_cells = table.rows[header_index].cells
    context = _context(table, source)
    records: list[tuple[Record, Origin]] = []
    for number, row in enumerate(table.rows[header_index + 1 :], start=header_index + 2):
        if row.is_header and (repeated := find_columns(row.cells)) is not None:
            columns, header_cells = repeated, row.cells  # a new header: columns may move
            continue
        record = _record_from_row(row, columns, context, number, report)
        if record is None:
            continue
        records.append((record, Origin(table.number, number)))
        extra = [cell for cell in row.cells[len(header_cells) :] if cell]
        if extra:
            report.warnings.append(
                f"{_table_place(source.id, table)}, row {number}: {len(row.cells)} cells but "
                f"the header has {len(header_cells)}; ignored the extra text: {_shown(extra)}"
            )
    return records


def _record_from_row(
    row: RawRow, columns: Columns, context: _TableContext, number: int, report: SourceReport
) -> Record | None:
    if not any(row.cells):
        report.blank_rows += 1
        return None

    def cell(index: int | None) -> str:
        return row.cells[index] if index is not None and index < len(row.cells) else ""

    code = parse_code(cell(columns.code))
    if code is None:
        report.anomalies.append(
            Anomaly(
                context.source.id,
                context.section,
                context.table,
                number,
                code_problem(cell(columns.code)),
                " | ".join(row.cells),
            )
        )
        return None
    return Record(
        platform=context.platform,
        sdk=context.sdk,
        code=code,
        message=cell(columns.message),
        description=cell(columns.description),
        section=context.section,
        source=context.source.id,
        url=context.url,
    )


def _table_place(source_id: str, table: RawTable) -> str:
    section = f" ({table.heading.text})" if table.heading and table.heading.text else ""
    return f"{source_id}: table {table.number}{section}"


def _shown(cells: tuple[str, ...] | list[str]) -> str:
    return shortened(" | ".join(cells), _SHOWN_CHARS)
