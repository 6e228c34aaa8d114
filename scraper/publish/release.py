"""The last stage of a build: a plan, then its commit.

`plan` compares the merged records with the previous dataset, lets the guard judge the new
one, and works out every file, the change notes and the history's new run, writing nothing.
`commit` carries the plan out: the SQLite file with its history, then the notes, the exports
and the manifest, all or nothing. `release` does both. Everything here runs under the output
folder's lock, which the build takes; this stage never imports the parser.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from scraper.about import VERSION as __version__
from scraper.consume.dataset import load_dataset
from scraper.errors import DatasetError, GuardError
from scraper.files import MIB, read_regular, sha256_file, temporary_path
from scraper.memo import BuildMemo, remember
from scraper.model import CHANGELOG_NAME, CSV_NAME, DIFF_NAME, JSON_NAME, SQLITE_NAME, Record
from scraper.publish.changelog import add_entry, entry
from scraper.publish.contract import contract_files
from scraper.publish.delivery import delivery_files
from scraper.publish.diff import Diff, compare
from scraper.publish.diff import render_json as render_diff
from scraper.publish.entries import ReleaseInput, SourceEntry
from scraper.publish.folder import is_unchanged, publish, remove_leftovers, staging
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
    entries: list[SourceEntry]  # the sources published, with their manifest entries
    outcome: Outcome
    written: list[str] = field(default_factory=list)
    diff: Diff = field(default_factory=lambda: Diff([], [], []))


@dataclass(frozen=True, slots=True)
class Plan:
    """What publishing would do, worked out without writing anything.

    `files` are the exports in the order they are published (the SQLite file, written from
    `records` with `run` added to its history, comes before them; the manifest after); `notes`
    are diff.json and the change log, published first. `outcome` is UNCHANGED when the folder
    already holds exactly these files.
    """

    records: list[Record]
    entries: list[SourceEntry]
    diff: Diff
    files: dict[str, bytes]
    notes: dict[str, bytes]
    run: Run | None
    previous_sha256: str | None
    outcome: Outcome


def plan(
    options: PublishOptions,
    given: ReleaseInput,
    previous: PreviousDataset | None,
    progress: Reporter,
) -> Plan:
    """The diff against the previous dataset, the guard's verdict, the files and the notes.

    Reads the output folder (its files, to tell whether anything would change; its change log
    and history, to extend them) and writes nothing.
    """
    records = given.records
    json_bytes = render_json(records)
    diff = compare(
        previous.records if previous else [],
        records,
        names=(str(options.out_dir / JSON_NAME), "the new dataset"),
    )
    guard(previous, records, options, progress)
    now = options.now or datetime.now(UTC)
    # When the data last changed: now if it changes, else the last run the history holds.
    updated = now if not diff.is_empty else last_run_time(options.out_dir / SQLITE_NAME)
    entries = [entry.as_json() for entry in given.entries]
    files = {JSON_NAME: json_bytes, CSV_NAME: render_csv(records)}
    files.update(contract_files(given.sources, files, updated=updated))
    files.update(delivery_files(records, entries, files, updated=updated))
    previous_sha256 = previous.sha256 if previous else None
    if is_unchanged(options.out_dir, files, progress.warner(Kind.OUTPUT)):
        outcome = Outcome.UNCHANGED
    else:
        outcome = Outcome.COMPLETED if diff.is_empty else Outcome.PUBLISHED
    run = None
    if outcome is Outcome.PUBLISHED:
        run = Run(
            now,
            previous_sha256,
            hashlib.sha256(json_bytes).hexdigest(),
            [run_source(entry) for entry in given.entries],
            diff,
        )
    notes = change_notes(options.out_dir, run, first=previous is None) if run else {}
    return Plan(records, given.entries, diff, files, notes, run, previous_sha256, outcome)


def commit(plan: Plan, options: PublishOptions, progress: Reporter) -> list[str]:
    """Carry a plan out: the SQLite file with its history, then the notes, the exports and the
    manifest, all or nothing (`publish.folder`). Returns the names written, in order."""
    out_dir = options.out_dir
    with staging(out_dir):
        sqlite_path = temporary_path(out_dir, SQLITE_NAME)
    try:
        with staging(out_dir):
            write_sqlite(plan.records, sqlite_path)
            write_history(
                sqlite_path,
                previous=out_dir / SQLITE_NAME,
                previous_sha256=plan.previous_sha256,
                run=plan.run,
                warn=progress.warner(Kind.HISTORY),
            )
        if options.strict:  # the history's warning concerns the data too
            progress.check_strict()
        digests = {name: file_digest(data) for name, data in plan.files.items()}
        digests[SQLITE_NAME] = {
            "sha256": sha256_file(sqlite_path),
            "size": sqlite_path.stat().st_size,
        }
        entries = [entry.as_json() for entry in plan.entries]
        return publish(
            out_dir,
            plan.files,
            {SQLITE_NAME: sqlite_path},
            lambda: render_manifest(entries, plan.records, digests, __version__, progress.counters),
            leading=plan.notes,
        )
    finally:
        sqlite_path.unlink(missing_ok=True)


def release(
    options: PublishOptions,
    given: ReleaseInput,
    progress: Reporter,
    memo: BuildMemo | None,
) -> Released:
    """Plan, then commit unless nothing changed; remember the inputs. The caller holds the
    output folder's lock, so the previous dataset cannot change in between."""
    planned = plan(options, given, previous_dataset(options.out_dir), progress)
    written: list[str] = []
    if planned.outcome is Outcome.UNCHANGED:
        remove_leftovers(options.out_dir, planned.files)
    else:
        written = commit(planned, options, progress)
    if memo is not None:
        remember(memo, options.out_dir)
    return Released(planned.records, planned.entries, planned.outcome, written, planned.diff)


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


def run_source(entry: SourceEntry) -> dict[str, object]:
    """What the history keeps about each page a run read."""
    provenance = entry.provenance
    kept = (
        {} if provenance is None else {"location": provenance.location, "sha256": provenance.sha256}
    )
    return {"id": entry.id, "url": entry.url, **kept}


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
