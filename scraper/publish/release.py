"""The last stage of a build: compare with the previous dataset, guard, then publish.

Everything here runs under the output folder's lock: the previous dataset is read, the guard
decides whether the new one may replace it, and when the data changed the change notes, the
SQLite file with its history, the exports and the manifest are published, in that order.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scraper.about import VERSION as __version__
from scraper.consume.dataset import load_dataset
from scraper.errors import DatasetError, GuardError, OutputChanged
from scraper.files import MIB, read_regular, sha256_file, temporary_path
from scraper.memo import BuildMemo, remember
from scraper.model import CHANGELOG_NAME, CSV_NAME, DIFF_NAME, JSON_NAME, SQLITE_NAME, Record
from scraper.parse.page import ParsedPage, check_strict, merge_pages
from scraper.publish.changelog import add_entry, entry
from scraper.publish.contract import contract_files
from scraper.publish.delivery import delivery_files
from scraper.publish.diff import Diff, compare
from scraper.publish.diff import render_json as render_diff
from scraper.publish.folder import is_unchanged, output_lock, publish, remove_leftovers, staging
from scraper.publish.formats import (
    file_digest,
    render_csv,
    render_json,
    render_manifest,
    write_sqlite,
)
from scraper.publish.guard import DEFAULT_MAX_SHRINK, check, count_by_source, refusal
from scraper.publish.history import Run, last_run_time, write_history
from scraper.report import Kind, Reporter


class Outcome(enum.Enum):
    """What a build did to its output folder."""

    PUBLISHED = "published"  # the data changed: new files written
    COMPLETED = "completed"  # same data, files an interrupted build left old were written
    UNCHANGED = "unchanged"  # parsed, same data as published: nothing written
    INPUTS_UNCHANGED = "inputs unchanged"  # same pages as the last build: nothing parsed

    @property
    def wrote(self) -> bool:
        return self in (Outcome.PUBLISHED, Outcome.COMPLETED)


@dataclass(frozen=True, slots=True)
class PublishOptions:
    """What publishing needs to know of a build's options."""

    out_dir: Path
    lock_timeout: float = 60.0
    max_shrink: float = DEFAULT_MAX_SHRINK  # refuse when a source loses more than this fraction
    allow_shrink: bool = False
    now: datetime | None = None  # when the build ran (the change log's date); None: the clock
    strict: bool = False  # anomalies, duplicate keys and parse warnings fail the build


@dataclass(slots=True)
class Released:
    """What publishing did: the records, the outcome, the files written and the diff."""

    records: list[Record]
    pages: list[ParsedPage]  # the pages published, each report holding its duplicate keys
    outcome: Outcome
    written: list[str] = field(default_factory=list)
    diff: Diff = field(default_factory=lambda: Diff([], [], []))


def release(
    options: PublishOptions,
    pages: list[ParsedPage],
    kept_entries: dict[str, dict[str, object]],
    progress: Reporter,
    memo: BuildMemo | None,
    *,
    carried_from: str | None = None,
) -> Released:
    """Merge, guard, diff and publish the parsed pages; remember the inputs under the same lock.

    `carried_from` is the sha256 of the dataset that `--only` took the other sources' records
    from, before the lock: if another build has published since, those records may be stale,
    so nothing is published.
    """
    merged = merge_pages(pages)
    records, pages = merged.records, merged.pages
    if options.strict:
        check_strict(pages, _data_warnings(progress))
    json_bytes = render_json(records)
    csv_bytes = render_csv(records)
    with output_lock(options.out_dir, options.lock_timeout, progress):
        previous = previous_dataset(options.out_dir)
        if carried_from is not None and (previous is None or previous.sha256 != carried_from):
            raise OutputChanged(
                f"{options.out_dir}: another build published a new dataset while this one ran, "
                "so the records kept for the sources not in --only may be out of date; nothing "
                "was written: run the build again"
            )
        diff = compare(
            previous.records if previous else [],
            records,
            names=(str(options.out_dir / JSON_NAME), "the new dataset"),
        )
        guard(previous, records, options, progress)
        now = options.now or datetime.now(UTC)
        # When the data last changed: now if it changes, else the last run the history holds.
        updated = now if not diff.is_empty else last_run_time(options.out_dir / SQLITE_NAME)
        entries = [kept_entries.get(page.source.id) or source_entry(page) for page in pages]
        data_files = {JSON_NAME: json_bytes, CSV_NAME: csv_bytes}
        data_files.update(
            contract_files([page.source for page in pages], data_files, updated=updated)
        )
        data_files.update(delivery_files(records, entries, data_files, updated=updated))
        if is_unchanged(options.out_dir, data_files, progress.warner(Kind.OUTPUT)):
            remove_leftovers(options.out_dir, data_files)
            if memo is not None:
                remember(memo, options.out_dir)
            return Released(records, pages, Outcome.UNCHANGED, diff=diff)
        run = None
        if not diff.is_empty:
            run = Run(
                now,
                previous.sha256 if previous else None,
                hashlib.sha256(json_bytes).hexdigest(),
                [run_source(page) for page in pages],
                diff,
            )
        notes = change_notes(options.out_dir, run, first=previous is None) if run else {}
        with staging(options.out_dir):
            sqlite_path = temporary_path(options.out_dir, SQLITE_NAME)
        try:
            with staging(options.out_dir):
                write_sqlite(records, sqlite_path)
                write_history(
                    sqlite_path,
                    previous=options.out_dir / SQLITE_NAME,
                    previous_sha256=previous.sha256 if previous else None,
                    run=run,
                    warn=progress.warner(Kind.HISTORY),
                )
            if options.strict:  # the history's warning concerns the data too
                check_strict(pages, _data_warnings(progress))
            _count_page_warnings(pages, progress)
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
                    entries,
                    records,
                    digests,
                    __version__,
                    progress.counters,
                ),
                leading=notes,
            )
        finally:
            sqlite_path.unlink(missing_ok=True)
        if memo is not None:
            remember(memo, options.out_dir)
    outcome = Outcome.COMPLETED if diff.is_empty else Outcome.PUBLISHED
    return Released(records, pages, outcome, written, diff)


def _count_page_warnings(pages: list[ParsedPage], progress: Reporter) -> None:
    """The pages' own findings, counted by kind beside the run's other warnings."""
    for kind, count in (
        (Kind.ANOMALY, sum(len(page.report.anomalies) for page in pages)),
        (Kind.DUPLICATE, sum(len(page.report.duplicates) for page in pages)),
        (Kind.PARSE, sum(len(page.report.warnings) for page in pages)),
    ):
        if count:
            progress.count(f"warnings.{kind.value}", count)


def _data_warnings(progress: Reporter) -> list[str]:
    return [finding.text for finding in progress.data_findings()]


def source_entry(page: ParsedPage) -> dict[str, object]:
    """The manifest entry of one source: where it was read, its digest, and its counts."""
    report = page.report
    return {
        "id": page.source.id,
        "url": page.source.url,
        **(report.provenance.as_entry() if report.provenance else {}),
        "tables": report.tables,
        "tables_without_section": report.tables_without_section,
        # A page's repeated rows are already left out of its records (parse.rows), and with the
        # source in the key no two pages share a key: these are the records it publishes.
        "records": len(page.records),
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
        records, digest = load_dataset(path)
    except DatasetError as error:
        # Treating it as a first build would skip the guard, so stop and say how to go on.
        raise DatasetError(
            f"{error}; the build compares the new data with it before publishing: restore it "
            "from version control, or delete it to publish without that check"
        ) from error
    return PreviousDataset(records, digest)


def guard(
    previous: PreviousDataset | None,
    records: list[Record],
    options: PublishOptions,
    progress: Reporter,
) -> None:
    """Refuse to publish when a source shrank too much, unless `allow_shrink` says it is meant."""
    if previous is None:
        return
    before, after = count_by_source(previous.records), count_by_source(records)
    shrinks = check(before, after, options.max_shrink)
    if shrinks and not options.allow_shrink:
        raise GuardError(refusal(shrinks, options.max_shrink))
    for shrink in shrinks:
        progress.warn(
            Kind.GUARD,
            f"{shrink.describe(options.max_shrink)}; publishing anyway (--allow-shrink)",
        )


def run_source(page: ParsedPage) -> dict[str, object]:
    """What the history keeps about each page a run read."""
    provenance = page.report.provenance
    kept = (
        {} if provenance is None else {"location": provenance.location, "sha256": provenance.sha256}
    )
    return {"id": page.source.id, "url": page.source.url, **kept}


def change_notes(out_dir: Path, run: Run, *, first: bool) -> dict[str, bytes]:
    """`diff.json` and the change log with this run's entry on top."""
    log_path = out_dir / CHANGELOG_NAME
    try:
        existing: str | None = read_regular(log_path, 64 * MIB).decode("utf-8")
    except FileNotFoundError:
        existing = None
    except (OSError, UnicodeDecodeError) as exc:  # a damaged dataset file: exit 2
        raise DatasetError(
            f"{log_path}: cannot read the change log ({exc}); restore it from version "
            "control, or delete it to start a new one"
        ) from exc
    log = add_entry(existing, entry(run.diff, run.time.astimezone(UTC).date(), first=first))
    return {
        DIFF_NAME: render_diff(run.diff, run.previous_sha256, run.dataset_sha256),
        CHANGELOG_NAME: log.encode("utf-8"),
    }
