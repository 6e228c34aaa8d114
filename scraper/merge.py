"""The step between parsing and publishing: every source's records in one sorted list, and
each source's manifest entry.

Parsed pages give their records and their report (the counts a manifest entry holds); a
partial build's kept sources give their previous records and entries. The result is the one
typed value publishing takes (`ReleaseInput`), so publishing never sees the parser's types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from scraper.model import Key, Record, Source, key_label
from scraper.parse.page import ParsedPage
from scraper.publish.entries import ReleaseInput, SourceEntry
from scraper.text import without_userinfo


def entry_of(page: ParsedPage) -> SourceEntry:
    """The manifest entry of a parsed page: where it was read, its digest, and its counts."""
    report = page.report
    return SourceEntry(
        id=page.source.id,
        url=page.source.url,
        provenance=report.provenance,
        tables=report.tables,
        tables_without_section=report.tables_without_section,
        # A page's repeated rows are already left out of its records (parse.rows), and with
        # the source in the key no two pages share a key: these are the records it publishes.
        records=len(page.records),
        blank_rows=report.blank_rows,
        anomalies=len(report.anomalies),
        duplicates=len(report.duplicates),
    )


def merge(
    sources: Sequence[Source],
    pages: Sequence[ParsedPage],
    kept_records: Mapping[str, list[Record]] | None = None,
    kept_entries: Mapping[str, SourceEntry] | None = None,
) -> ReleaseInput:
    """The records of the parsed pages and of the kept sources, sorted by `Record.order`, and
    the entries of every source in `sources`' order (those that were parsed or kept).

    The key holds the source, so two sources never share one; a page that gave the same key
    twice would be a bug in the parser, and is refused rather than collapsed.
    """
    kept_records = kept_records or {}
    kept_entries = kept_entries or {}
    parsed = {page.source.id: page for page in pages}
    every = [record for page in pages for record, _ in page.records]
    every += [record for records in kept_records.values() for record in records]
    by_key: dict[Key, Record] = {}
    for record in every:
        if record.key in by_key:  # a bug, so not one of the tool's own errors: exit 70
            raise RuntimeError(f"{record.source}: the key {key_label(record.key)} appears twice")
        by_key[record.key] = record
    # Credentials in a url are for fetching it; the exports get the url without them.
    present = [
        replace(source, url=without_userinfo(source.url))
        for source in sources
        if source.id in parsed or source.id in kept_entries
    ]
    entries = [
        entry_of(parsed[source.id]) if source.id in parsed else kept_entries[source.id]
        for source in present
    ]
    ordered = sorted(by_key.values(), key=lambda record: record.order)
    return ReleaseInput(ordered, present, entries)
