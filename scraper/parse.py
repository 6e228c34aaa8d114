"""The parser: a page (HTML bytes or text) to records plus a report, and merging pages."""

from __future__ import annotations

from dataclasses import dataclass

from scraper.decode import decode_page
from scraper.errors import ParseError
from scraper.records import Anomaly, Origin, Record, SourceReport, records_from_tables
from scraper.sources import Source
from scraper.tables import extract_tables


@dataclass(frozen=True, slots=True)
class ParsedPage:
    """The records of one source in page order, each with its origin, and its report."""

    source: Source
    records: list[tuple[Record, Origin]]
    report: SourceReport


def parse_page(html: str | bytes, source: Source, *, where: str | None = None) -> ParsedPage:
    """Parse one page; a page without any error-code table is an error, never an empty success."""
    label = where or source.id
    text = decode_page(html, label) if isinstance(html, bytes) else html
    records, report = records_from_tables(extract_tables(text), source)
    if report.tables == 0:
        raise ParseError(
            f"no error-code table found in {label}; the page layout may have changed "
            "(expected a <table> whose header row has a 'Code' or '错误码' column)"
        )
    return ParsedPage(source, records, report)


def merge_pages(pages: list[ParsedPage]) -> list[Record]:
    """All records sorted by key; a key seen before keeps its first row, the rest are reported."""
    kept: dict[tuple[str, str, int], Record] = {}
    for page in pages:
        for record, origin in page.records:
            first = kept.get(record.key)
            if first is None:
                kept[record.key] = record
                continue
            page.report.duplicates.append(
                Anomaly(
                    record.source,
                    record.section,
                    origin.table,
                    origin.row,
                    f"duplicate key {record.platform}/{record.sdk}/{record.code}, "
                    f"first seen in {first.source} ({first.section}); kept the first",
                    f"{record.code} | {record.message} | {record.description}",
                )
            )
    return [kept[key] for key in sorted(kept)]
