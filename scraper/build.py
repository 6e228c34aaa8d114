"""The build pipeline: sources -> pages -> records -> exports, wired from the stage modules."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scraper import __version__
from scraper.errors import BuildFailed, SourceError
from scraper.export import (
    CSV_NAME,
    JSON_NAME,
    SQLITE_NAME,
    file_digest,
    render_csv,
    render_json,
    render_manifest,
    write_sqlite,
)
from scraper.parse import ParsedPage, merge_pages, parse_page
from scraper.publish import (
    is_unchanged,
    output_lock,
    publish,
    sha256_file,
    temporary_path,
)
from scraper.read import Page, page_html, read_local
from scraper.records import Record
from scraper.sources import Source

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Everything a build needs to know; the CLI fills it from the command line."""

    sources: tuple[Source, ...]
    out_dir: Path
    lock_timeout: float = 60.0


@dataclass(slots=True)
class BuildResult:
    """What a build did: the records, each source's parse, and which files it wrote."""

    records: list[Record]
    pages: list[ParsedPage]
    changed: bool
    written: list[str] = field(default_factory=list)


def run_build(options: BuildOptions, progress: Progress) -> BuildResult:
    """Read and parse every source, then publish; any failed source means nothing is written."""
    pages = parse_sources(options.sources, progress)
    records = merge_pages(pages)
    json_bytes = render_json(records)
    csv_bytes = render_csv(records)
    with output_lock(options.out_dir, options.lock_timeout):
        data_files = {JSON_NAME: json_bytes, CSV_NAME: csv_bytes}
        if is_unchanged(options.out_dir, data_files):
            return BuildResult(records, pages, changed=False)
        sqlite_path = temporary_path(options.out_dir, SQLITE_NAME)
        try:
            write_sqlite(records, sqlite_path)
            digests = {name: file_digest(data) for name, data in data_files.items()}
            digests[SQLITE_NAME] = {
                "sha256": sha256_file(sqlite_path),
                "size": sqlite_path.stat().st_size,
            }
            written = publish(
                options.out_dir,
                data_files,
                {SQLITE_NAME: sqlite_path},
                lambda: render_manifest(
                    [source_entry(page) for page in pages], records, digests, __version__
                ),
            )
        finally:
            sqlite_path.unlink(missing_ok=True)
    return BuildResult(records, pages, changed=True, written=written)


def parse_sources(sources: tuple[Source, ...], progress: Progress) -> list[ParsedPage]:
    """Read and parse each source; collect every failure before giving up, so all are reported."""
    pages: list[ParsedPage] = []
    errors: list[SourceError] = []
    for source in sources:
        started = time.perf_counter()
        try:
            page = read_local(source)
            parsed = parse_page(page_html(page), source, where=f"{source.id} ({page.location})")
        except SourceError as error:
            errors.append(error)
            progress(f"{source.id}: FAILED: {error}")
            continue
        pages.append(_with_location(parsed, page))
        progress(_source_line(parsed, page, time.perf_counter() - started))
    if errors:
        raise BuildFailed(errors)
    return pages


def _with_location(parsed: ParsedPage, page: Page) -> ParsedPage:
    parsed.report.provenance.update(
        {"location": page.location, "sha256": page.sha256, "size": len(page.data)}
    )
    parsed.report.provenance.update(page.provenance)
    return parsed


def _source_line(parsed: ParsedPage, page: Page, seconds: float) -> str:
    report = parsed.report
    return (
        f"{parsed.source.id}: {page.location}: {len(parsed.records)} records "
        f"from {report.tables} table(s), {report.blank_rows} blank rows skipped, "
        f"{len(report.anomalies)} anomalies ({len(page.data)} bytes, {seconds * 1000:.0f} ms)"
    )


def source_entry(page: ParsedPage) -> dict[str, object]:
    """The manifest entry of one source: where it was read, its digest, and its counts."""
    report = page.report
    return {
        "id": page.source.id,
        "url": page.source.url,
        **report.provenance,
        "tables": report.tables,
        "records": len(page.records) - len(report.duplicates),
        "blank_rows": report.blank_rows,
        "anomalies": len(report.anomalies),
        "duplicates": len(report.duplicates),
    }
