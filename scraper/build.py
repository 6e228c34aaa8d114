"""The build pipeline: sources -> pages -> records -> exports, wired from the stage modules."""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scraper import __version__
from scraper.carry import Carried, carry_over
from scraper.changelog import CHANGELOG_NAME, add_entry, entry
from scraper.dataset import load_records
from scraper.diff import DIFF_NAME, Diff, compare
from scraper.diff import render_json as render_diff
from scraper.errors import BuildFailed, DatasetError, GuardError, OutputError, SourceError
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
from scraper.guard import DEFAULT_MAX_SHRINK, check, count_by_source, refusal
from scraper.history import Run, write_history
from scraper.memo import BuildMemo, is_current, memo_for, remember
from scraper.parse import ParsedPage, check_strict, merge_pages, parse_page
from scraper.publish import (
    is_unchanged,
    output_lock,
    publish,
    sha256_file,
    temporary_path,
)
from scraper.read import Page, page_html, read_local
from scraper.records import Record
from scraper.schema import contract_files
from scraper.sources import Source, select_sources

if TYPE_CHECKING:
    from scraper.remote import RemoteOptions

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Everything a build needs to know; the CLI fills it from the command line."""

    sources: tuple[Source, ...]
    out_dir: Path
    lock_timeout: float = 60.0
    only: tuple[str, ...] = ()  # rebuild just these sources, keep the others' previous records
    remote: RemoteOptions | None = None  # fetch the urls over HTTP instead of reading copies
    max_shrink: float = DEFAULT_MAX_SHRINK  # refuse when a source loses more than this fraction
    allow_shrink: bool = False
    now: datetime | None = None  # when the build ran (the change log's date); None: the clock
    strict: bool = False  # anomalies, duplicate keys and parse warnings fail the build


@dataclass(slots=True)
class BuildResult:
    """What a build did: the records, each source's parse, which files it wrote, and the diff.

    `changed` is true when the build wrote anything: new data, or completing an interrupted
    build (then `diff` is empty).
    """

    records: list[Record]
    pages: list[ParsedPage]
    changed: bool
    written: list[str] = field(default_factory=list)
    diff: Diff = field(default_factory=lambda: Diff([], [], []))
    inputs_unchanged: bool = False  # the pages were those of the last build: nothing was parsed


def run_build(options: BuildOptions, progress: Progress) -> BuildResult:
    """Read and parse every source, then publish; any failed source means nothing is written."""
    selected, carried = plan_sources(options)
    # Fetched pages arrive as they complete; everything after works in source order.
    arrived = {read.source.id: read for read in _read_pages(selected, progress, options.remote)}
    reads = [arrived[source.id] for source in selected]
    memo = _memo(options, reads)
    if memo is not None:
        with output_lock(options.out_dir, options.lock_timeout, progress):
            if is_current(memo, options.out_dir):
                report_unchanged(reads, progress)
                records = load_records(options.out_dir / JSON_NAME)
                return BuildResult(records, [], changed=False, inputs_unchanged=True)
    pages = parse_sources(reads, progress, options.remote is not None)
    kept_entries: dict[str, dict[str, object]] = {}
    if carried is not None:
        pages, kept_entries = _with_carried(options, pages, carried, progress)
    return _publish(options, pages, kept_entries, progress, memo)


def _memo(options: BuildOptions, reads: list[_Read]) -> BuildMemo | None:
    """The memo of this build's inputs: refreshes with a cache, of every source, all read."""
    remote = options.remote
    if remote is None or remote.cache_dir is None or options.only:
        return None
    pages = [read.page for read in reads]
    if not all(isinstance(page, Page) for page in pages):
        return None
    return memo_for(
        remote.cache_dir,
        options.out_dir,
        [page for page in pages if isinstance(page, Page)],
        strict=options.strict,
    )


def _publish(
    options: BuildOptions,
    pages: list[ParsedPage],
    kept_entries: dict[str, dict[str, object]],
    progress: Progress,
    memo: BuildMemo | None,
) -> BuildResult:
    """Merge, guard, diff and publish the parsed pages; remember the inputs under the same lock."""
    records = merge_pages(pages)
    if options.strict:
        check_strict(pages)
    json_bytes = render_json(records)
    csv_bytes = render_csv(records)
    with output_lock(options.out_dir, options.lock_timeout, progress):
        previous = previous_dataset(options.out_dir)
        diff = compare(
            previous.records if previous else [],
            records,
            names=(str(options.out_dir / JSON_NAME), "the new dataset"),
        )
        guard(previous, records, options, progress)
        data_files = {JSON_NAME: json_bytes, CSV_NAME: csv_bytes}
        data_files.update(contract_files([page.source for page in pages], data_files))
        if is_unchanged(options.out_dir, data_files):
            if memo is not None:
                remember(memo, options.out_dir)
            return BuildResult(records, pages, changed=False, diff=diff)
        run = None
        if not diff.is_empty:
            run = Run(
                options.now or datetime.now(UTC),
                previous.sha256 if previous else None,
                hashlib.sha256(json_bytes).hexdigest(),
                [run_source(page) for page in pages],
                diff,
            )
        notes = change_notes(options.out_dir, run, first=previous is None) if run else {}
        sqlite_path = temporary_path(options.out_dir, SQLITE_NAME)
        try:
            write_sqlite(records, sqlite_path)
            write_history(
                sqlite_path,
                previous=options.out_dir / SQLITE_NAME,
                previous_sha256=previous.sha256 if previous else None,
                run=run,
                warn=progress,
            )
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
                    [kept_entries.get(page.source.id) or source_entry(page) for page in pages],
                    records,
                    digests,
                    __version__,
                ),
                leading=notes,
            )
        finally:
            sqlite_path.unlink(missing_ok=True)
        if memo is not None:
            remember(memo, options.out_dir)
    return BuildResult(records, pages, changed=True, written=written, diff=diff)


def plan_sources(options: BuildOptions) -> tuple[tuple[Source, ...], Carried | None]:
    """The sources to read, and with `--only` what the other enabled sources carry over.

    With `--only`, the named sources are read and parsed; the other enabled sources keep their
    records and manifest entries from the previous build in the output folder.
    """
    selected = select_sources(options.sources, list(options.only) or None)
    if not options.only:
        return selected, None
    kept = tuple(s for s in options.sources if s.enabled and s not in selected)
    return selected, carry_over(options.out_dir, kept)


def _with_carried(
    options: BuildOptions, fresh: list[ParsedPage], carried: Carried, progress: Progress
) -> tuple[list[ParsedPage], dict[str, dict[str, object]]]:
    """The fresh pages and the carried ones in source order, and the carried manifest entries."""
    for page in carried.pages.values():
        progress(
            f"{page.source.id}: kept {len(page.records)} records from the previous build "
            "(not in --only)"
        )
    pages = {**{page.source.id: page for page in fresh}, **carried.pages}
    return [pages[s.id] for s in options.sources if s.id in pages], carried.entries


@dataclass(frozen=True, slots=True)
class _Read:
    """One source's page (or why there is none), how long it took and how many attempts."""

    source: Source
    page: Page | SourceError
    seconds: float
    attempts: int = 1


def parse_sources(reads: list[_Read], progress: Progress, remote: bool) -> list[ParsedPage]:
    """Parse each page that was read; collect every failure, so all are reported."""
    sources = [read.source for read in reads]
    parsed_by_id: dict[str, ParsedPage] = {}
    errors: dict[str, SourceError] = {}
    counts: Counter[str] = Counter()
    for read in reads:
        source, page = read.source, read.page
        try:
            if isinstance(page, SourceError):
                raise page
            started = time.perf_counter()
            parsed = parse_page(page_html(page), source, where=f"{source.id} ({page.location})")
        except SourceError as error:
            errors[source.id] = error
            counts["failed"] += 1
            progress(f"{source.id}: FAILED: {error}")
            continue
        parsed_by_id[source.id] = _with_location(parsed, page)
        seconds = read.seconds + time.perf_counter() - started
        counts["not modified" if page.provenance.get("not_modified") else "fetched"] += 1
        counts["retried"] += read.attempts > 1
        progress(_source_line(parsed, page, seconds, read.attempts))
    if remote:
        _refresh_summary(len(sources), counts, progress)
    if errors:
        raise BuildFailed([errors[s.id] for s in sources if s.id in errors])
    return [parsed_by_id[s.id] for s in sources]


def report_unchanged(reads: list[_Read], progress: Progress) -> None:
    """Progress for a refresh whose pages are the ones the last build already published."""
    counts: Counter[str] = Counter()
    for read in reads:
        if isinstance(read.page, Page):
            counts["not modified" if read.page.provenance.get("not_modified") else "fetched"] += 1
            counts["retried"] += read.attempts > 1
            progress(
                f"{read.source.id}: {read.page.location}: same page as the last build "
                f"({_transfer(read.page, read.seconds, read.attempts)})"
            )
    _refresh_summary(len(reads), counts, progress)
    progress("inputs unchanged since the last build: nothing parsed")


def _refresh_summary(sources: int, counts: Counter[str], progress: Progress) -> None:
    progress(
        f"refresh: {sources} source(s): "
        + ", ".join(f"{counts[name]} {name}" for name in _COUNTERS)
    )


_COUNTERS = ("fetched", "not modified", "retried", "failed")


def _read_pages(
    sources: tuple[Source, ...], progress: Progress, remote: RemoteOptions | None
) -> Iterator[_Read]:
    """Local copies one by one, or fetched pages as each completes (fetched concurrently)."""
    if remote is None:
        for source in sources:
            started = time.perf_counter()
            try:
                page: Page | SourceError = read_local(source)
            except SourceError as error:
                page = error
            yield _Read(source, page, time.perf_counter() - started)
        return
    from scraper.fetch import fetch_pages  # imports httpx: only a live refresh pays for it

    for source, fetched in fetch_pages(sources, remote, progress):
        if isinstance(fetched, SourceError):
            yield _Read(source, fetched, 0.0)
        else:
            yield _Read(source, fetched.page, fetched.seconds, fetched.attempts)


def _with_location(parsed: ParsedPage, page: Page) -> ParsedPage:
    parsed.report.provenance.update(
        {"location": page.location, "sha256": page.sha256, "size": len(page.data)}
    )
    parsed.report.provenance.update(page.provenance)
    return parsed


def _source_line(parsed: ParsedPage, page: Page, seconds: float, attempts: int = 1) -> str:
    report = parsed.report
    return (
        f"{parsed.source.id}: {page.location}: {len(parsed.records)} records "
        f"from {report.tables} table(s), {report.blank_rows} blank rows skipped, "
        f"{len(report.anomalies)} anomalies ({_transfer(page, seconds, attempts)})"
    )


def _transfer(page: Page, seconds: float, attempts: int) -> str:
    """How a page arrived: HTTP status and whether from cache, size, time, retries."""
    status = page.provenance.get("status")
    if status is None:
        how = ""
    elif page.provenance.get("not_modified"):
        how = f"HTTP {status} not modified, from cache, "
    else:
        how = f"HTTP {status}, "
    retries = f", {attempts - 1} retr{'y' if attempts == 2 else 'ies'}" if attempts > 1 else ""
    return f"{how}{len(page.data)} bytes, {seconds * 1000:.0f} ms{retries}"


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


@dataclass(frozen=True, slots=True)
class PreviousDataset:
    """The published dataset a build replaces: its records and the sha256 of its JSON."""

    records: list[Record]
    sha256: str


def previous_dataset(out_dir: Path) -> PreviousDataset | None:
    """The dataset in `out_dir`, or None when there is none yet (a first build)."""
    path = out_dir / JSON_NAME
    if not path.exists():
        return None
    try:
        records = load_records(path)
    except DatasetError as error:
        # Treating it as a first build would skip the guard, so stop and say how to go on.
        raise DatasetError(
            f"{error}; the build compares the new data with it before publishing: restore it "
            "from version control, or delete it to publish without that check"
        ) from error
    digest = sha256_file(path)
    if digest is None:
        raise OutputError(f"{path}: cannot read the previous dataset; check its permissions")
    return PreviousDataset(records, digest)


def guard(
    previous: PreviousDataset | None,
    records: list[Record],
    options: BuildOptions,
    progress: Progress,
) -> None:
    """Refuse to publish when a source shrank too much, unless `allow_shrink` says it is meant."""
    if previous is None:
        return
    before, after = count_by_source(previous.records), count_by_source(records)
    shrinks = check(before, after, options.max_shrink)
    if shrinks and not options.allow_shrink:
        raise GuardError(refusal(shrinks, options.max_shrink))
    for shrink in shrinks:
        progress(
            f"warning: {shrink.describe(options.max_shrink)}; publishing anyway (--allow-shrink)"
        )


def run_source(page: ParsedPage) -> dict[str, object]:
    """What the history keeps about each page a run read."""
    keep = ("location", "sha256")
    provenance = page.report.provenance
    return {
        "id": page.source.id,
        "url": page.source.url,
        **{name: provenance[name] for name in keep if name in provenance},
    }


def change_notes(out_dir: Path, run: Run, *, first: bool) -> dict[str, bytes]:
    """`diff.json` and the change log with this run's entry on top."""
    log_path = out_dir / CHANGELOG_NAME
    try:
        existing: str | None = log_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = None
    except (OSError, UnicodeDecodeError) as exc:
        raise OutputError(f"{log_path}: cannot read the change log: {exc}") from exc
    log = add_entry(existing, entry(run.diff, run.time.astimezone(UTC).date(), first=first))
    return {
        DIFF_NAME: render_diff(run.diff, run.previous_sha256, run.dataset_sha256),
        CHANGELOG_NAME: log.encode("utf-8"),
    }
