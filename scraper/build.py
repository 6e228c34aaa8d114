"""The build pipeline on one screen: read -> parse -> merge -> publish.

The pages are read (or fetched) first; then, under the output folder's lock, taken once for
the rest of the build: the memo says whether the inputs are those of the last build, a
partial build takes the other sources' records from the dataset it replaces, the pages are
parsed (each page's findings reported as it is parsed), merged, and published.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from scraper.consume.dataset import load_records
from scraper.errors import BuildFailed, SourceError
from scraper.memo import BuildMemo, is_current, memo_for
from scraper.merge import merge
from scraper.model import JSON_NAME, Provenance, Record, Source
from scraper.parse.page import ParsedPage, parse_page
from scraper.publish.diff import Diff
from scraper.publish.entries import SourceEntry
from scraper.publish.folder import output_lock
from scraper.publish.guard import DEFAULT_MAX_SHRINK
from scraper.publish.partial import Carried, carry_over
from scraper.publish.release import Outcome, PublishOptions, release
from scraper.report import Kind, Progress, Reporter
from scraper.sources.catalog import select_sources
from scraper.sources.local import Page, page_html, read_local
from scraper.text import without_userinfo

if TYPE_CHECKING:
    from scraper.sources.options import RemoteOptions


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

    def publishing(self) -> PublishOptions:
        return PublishOptions(
            self.out_dir,
            self.lock_timeout,
            self.max_shrink,
            self.allow_shrink,
            self.now,
            self.strict,
        )


@dataclass(slots=True)
class BuildResult:
    """What a build did: the records, each source's entry, the outcome, the files, the diff."""

    records: list[Record]
    entries: list[SourceEntry]
    outcome: Outcome
    written: list[str] = field(default_factory=list)
    diff: Diff = field(default_factory=lambda: Diff([], [], []))

    @property
    def changed(self) -> bool:
        """True when the build wrote anything: new data, or completing an interrupted build."""
        return self.outcome.wrote

    @property
    def inputs_unchanged(self) -> bool:
        return self.outcome is Outcome.INPUTS_UNCHANGED


def run_build(options: BuildOptions, report: Reporter | Progress) -> BuildResult:
    """Read and parse every source, then publish; any failed source means nothing is written.

    `report` hears progress and warnings as they happen (a plain callback gets every line).
    """
    progress = report if isinstance(report, Reporter) else Reporter(report)
    selected = select_sources(options.sources, list(options.only) or None)
    # Fetched pages arrive as they complete; everything after works in source order.
    arrived = {read.source.id: read for read in _read_pages(selected, progress, options.remote)}
    reads = [arrived[source.id] for source in selected]
    memo = _memo(options, reads)
    with output_lock(options.out_dir, options.lock_timeout, progress):
        if memo is not None and is_current(memo, options.out_dir):
            report_unchanged(reads, progress)
            records = load_records(options.out_dir / JSON_NAME)
            return BuildResult(records, [], Outcome.INPUTS_UNCHANGED)
        carried = _carried(options, selected, progress)
        pages = parse_sources(reads, progress, options.remote is not None)
        given = merge(options.sources, pages, carried.records, carried.entries)
        if options.strict:
            progress.check_strict()
        released = release(options.publishing(), given, progress, memo)
    return BuildResult(
        released.records, released.entries, released.outcome, released.written, released.diff
    )


def _memo(options: BuildOptions, reads: list[_Read]) -> BuildMemo | None:
    """The memo of this build's inputs: refreshes with a cache, of every source, all read."""
    remote = options.remote
    if remote is None or remote.cache_dir is None or options.only:
        return None
    pages = [read.page for read in reads if isinstance(read.page, Page)]
    if len(pages) != len(reads):  # a failed source: the build will stop, nothing to remember
        return None
    return memo_for(remote.cache_dir, options.out_dir, pages, strict=options.strict)


def _carried(options: BuildOptions, selected: tuple[Source, ...], progress: Reporter) -> Carried:
    """With `--only`, the other enabled sources' records and entries from the dataset this
    build replaces (read under the lock, so no other build can replace it meanwhile)."""
    if not options.only:
        return Carried({}, {})
    kept = tuple(s for s in options.sources if s.enabled and s not in selected)
    carried = carry_over(options.out_dir, kept)
    for source_id, records in carried.records.items():
        progress(
            f"{source_id}: kept {len(records)} records from the previous build (not in --only)"
        )
    return carried


@dataclass(frozen=True, slots=True)
class _Read:
    """One source's page (or why there is none), how long it took and how many attempts."""

    source: Source
    page: Page | SourceError
    seconds: float
    attempts: int = 1


# Pages are independent: from this many on, an offline build renders and parses them in
# worker processes, one per core (a catalog build takes about half the time on two cores).
PARALLEL_PAGES = 8
MAX_WORKERS = 4


def _parse_read(read: _Read) -> tuple[ParsedPage | SourceError, float]:
    """One page rendered and parsed, or why it could not be; and the seconds it took."""
    source, page = read.source, read.page
    if isinstance(page, SourceError):
        return page, 0.0
    started = time.perf_counter()
    # Credentials in a url are for fetching it; the exports get the url without them.
    public = replace(source, url=without_userinfo(source.url)) if source.url else source
    try:
        parsed = parse_page(page_html(page), public, where=f"{source.id} ({page.location})")
    except SourceError as error:
        return error, 0.0
    return parsed, time.perf_counter() - started


def _worker_started() -> None:
    # Ctrl-C reaches the whole process group: the build itself stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _parse_reads(
    reads: list[_Read], parallel: bool
) -> Iterator[tuple[ParsedPage | SourceError, float]]:
    """Each read page parsed, in order; in worker processes when there are enough of them.

    Only an offline build forks: a live refresh has threads of its HTTP client running, which a
    forked child must not inherit, and its time goes to the network anyway.
    """
    workers = min(
        MAX_WORKERS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    )
    if not parallel or len(reads) < PARALLEL_PAGES or workers < 2:
        yield from map(_parse_read, reads)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_started) as pool:
        yield from pool.map(_parse_read, reads)


def parse_sources(reads: list[_Read], progress: Reporter, remote: bool) -> list[ParsedPage]:
    """Parse each page that was read; collect every failure, so all are reported."""
    sources = [read.source for read in reads]
    parsed_by_id: dict[str, ParsedPage] = {}
    errors: dict[str, SourceError] = {}
    counts: Counter[str] = Counter()
    for read, (outcome, seconds_parsing) in zip(
        reads, _parse_reads(reads, not remote), strict=True
    ):
        source, page = read.source, read.page
        try:
            if isinstance(outcome, SourceError):
                raise outcome
            assert isinstance(page, Page)  # noqa: S101 - a parsed page was read
            parsed = outcome
        except SourceError as error:
            errors[source.id] = error
            counts["failed"] += 1
            counts["retried"] += read.attempts > 1
            # The cause is printed once, with the other failures, when the build stops.
            progress(f"{source.id}: FAILED")
            continue
        parsed_by_id[source.id] = _with_location(parsed, page)
        seconds = read.seconds + seconds_parsing
        counts["not modified" if _not_modified(page) else "fetched"] += 1
        counts["retried"] += read.attempts > 1
        progress(_source_line(parsed, page, seconds, read.attempts))
        report_findings(parsed, progress)
    progress.count("pages.parsed", len(parsed_by_id))
    if remote:
        _refresh_summary(len(sources), counts, progress)
    if errors:
        raise BuildFailed([errors[s.id] for s in sources if s.id in errors])
    return [parsed_by_id[s.id] for s in sources]


def report_findings(page: ParsedPage, progress: Reporter) -> None:
    """A parsed page's findings, each a warning of its kind, right after the page's line."""
    report = page.report
    for warning in report.warnings:
        progress.warn(Kind.PARSE, warning)
    for anomaly in report.anomalies:
        progress.warn(Kind.ANOMALY, anomaly.describe())
    for duplicate in report.duplicates:
        progress.warn(Kind.DUPLICATE, duplicate.describe())


def report_unchanged(reads: list[_Read], progress: Reporter) -> None:
    """Progress for a refresh whose pages are the ones the last build already published."""
    counts: Counter[str] = Counter()
    for read in reads:
        if isinstance(read.page, Page):
            counts["not modified" if _not_modified(read.page) else "fetched"] += 1
            counts["retried"] += read.attempts > 1
            progress(
                f"{read.source.id}: {read.page.location}: same page as the last build "
                f"({_transfer(read.page, read.seconds, read.attempts)})"
            )
    _refresh_summary(len(reads), counts, progress)
    progress("inputs unchanged since the last build: nothing parsed")


def _refresh_summary(sources: int, counts: Counter[str], progress: Reporter) -> None:
    for name in _COUNTERS:
        progress.count(f"pages.{name.replace(' ', '_')}", counts[name])
    progress(
        f"refresh: {sources} source(s): "
        + ", ".join(f"{counts[name]} {name}" for name in _COUNTERS)
    )


_COUNTERS = ("fetched", "not modified", "retried", "failed")


def _read_pages(
    sources: tuple[Source, ...], progress: Reporter, remote: RemoteOptions | None
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
    from scraper.sources.http import fetch_pages  # imports httpx: only a live refresh pays for it

    warn, retry = progress.warner(Kind.CACHE), progress.warner(Kind.RETRY)
    for source, fetched in fetch_pages(sources, remote, warn, retry=retry):
        if isinstance(fetched, SourceError):
            yield _Read(source, fetched, 0.0, getattr(fetched, "attempts", 1))
        else:
            # Said as each page arrives, so a slow refresh shows what it still waits for.
            page = fetched.page
            progress(
                f"{source.id}: arrived from {page.location} "
                f"({_transfer(page, fetched.seconds, fetched.attempts)})"
            )
            yield _Read(source, page, fetched.seconds, fetched.attempts)


def _not_modified(page: Page) -> bool:
    return page.transfer is not None and page.transfer.not_modified


def _with_location(parsed: ParsedPage, page: Page) -> ParsedPage:
    parsed.report.warnings[:0] = page.notes  # how the page was read comes first
    transfer = page.transfer
    if transfer is not None:  # credentials in a url reach no export
        transfer = replace(transfer, final_url=without_userinfo(transfer.final_url))
    parsed.report.provenance = Provenance(
        without_userinfo(page.location), page.sha256, len(page.data), transfer
    )
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
    status = page.transfer.status if page.transfer is not None else None
    if status is None:
        how = ""
    elif _not_modified(page):
        how = f"HTTP {status} not modified, from cache, "
    else:
        how = f"HTTP {status}, "
    retries = f", {attempts - 1} retr{'y' if attempts == 2 else 'ies'}" if attempts > 1 else ""
    return f"{how}{len(page.data)} bytes, {seconds * 1000:.0f} ms{retries}"
