"""Tables of cell texts to typed error-code records, with a report of what was skipped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scraper.sources import Source
from scraper.tables import Heading, RawRow, RawTable

RECORD_FIELDS = ("platform", "sdk", "code", "message", "description", "section", "source", "url")

_CODE = re.compile(r"^[+-]?\d+$")
_PLATFORM_WORDS = (
    ("ios", "ios"),
    ("android", "android"),
    ("web", "web"),
    ("js", "web"),
    ("windows", "windows"),
    ("server", "server"),
)
# ASCII look-arounds rather than \b: in "iOS错误码" a CJK letter is a word character too.
_PLATFORM = re.compile(
    r"(?<![A-Za-z])(" + "|".join(word for word, _ in _PLATFORM_WORDS) + r")(?![A-Za-z])", re.I
)
_PLATFORM_BY_WORD = dict(_PLATFORM_WORDS)


@dataclass(frozen=True, slots=True, order=True)
class Record:
    """One error code as one documentation page states it."""

    platform: str
    sdk: str
    code: int
    message: str
    description: str
    section: str
    source: str
    url: str

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.platform, self.sdk, self.code)

    def as_dict(self) -> dict[str, str | int]:
        return {name: getattr(self, name) for name in RECORD_FIELDS}


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
    """What parsing one source gave besides its records."""

    source: str
    tables: int = 0
    blank_rows: int = 0
    anomalies: list[Anomaly] = field(default_factory=list)
    duplicates: list[Anomaly] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    provenance: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Columns:
    """Positions of the code, message and description columns in a header row."""

    code: int
    message: int | None
    description: int | None


def find_columns(header: tuple[str, ...]) -> Columns | None:
    """Columns by header text (case-insensitive, any order); None when there is no code column."""
    code = message = description = None
    for index, raw in enumerate(header):
        name = raw.casefold()
        if code is None and ("code" in name or "错误码" in name):
            code = index
        elif message is None and ("message" in name or "错误信息" in name):
            message = index
        elif description is None and any(
            word in name for word in ("说明", "description", "instruction", "描述")
        ):
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


def parse_code(text: str) -> int | None:
    """An integer code, possibly 0 or negative; None for anything else."""
    compact = text.replace(" ", "")
    return int(compact) if _CODE.match(compact) else None


@dataclass(frozen=True, slots=True)
class Origin:
    """Where on its page a record's row stood (1-based table and row numbers)."""

    table: int
    row: int


def records_from_tables(
    tables: list[RawTable], source: Source
) -> tuple[list[tuple[Record, Origin]], SourceReport]:
    """Every error-code table's records with their origin; blank rows counted, odd ones reported."""
    report = SourceReport(source.id)
    records: list[tuple[Record, Origin]] = []
    for table in tables:
        header_index = _header_index(table.rows)
        if header_index is None:
            continue
        columns = find_columns(table.rows[header_index].cells)
        if columns is None:
            continue
        report.tables += 1
        heading = table.heading or Heading("", None)
        context = _TableContext(
            source=source,
            section=heading.text,
            platform=platform_for(heading.text, source.platform),
            sdk=sdk_for(heading.text),
            url=f"{source.url}#{heading.anchor}" if heading.anchor else source.url,
            table=table.number,
        )
        for number, row in enumerate(table.rows[header_index + 1 :], start=header_index + 2):
            record = _record_from_row(row, columns, context, number, report)
            if record is not None:
                records.append((record, Origin(table.number, number)))
    return records, report


@dataclass(frozen=True, slots=True)
class _TableContext:
    source: Source
    section: str
    platform: str
    sdk: str
    url: str
    table: int


def _header_index(rows: tuple[RawRow, ...]) -> int | None:
    """The header row: the first `<th>`/`<thead>` row, else the first row."""
    for index, row in enumerate(rows):
        if row.is_header:
            return index
    return 0 if rows else None


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
                "no integer code",
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
