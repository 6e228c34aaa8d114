"""The `runs` and `changes` tables: rows per change, carried forward, redone runs dropped."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scraper.errors import ConfigError, DatasetError
from scraper.model import Record
from scraper.publish.diff import compare
from scraper.publish.formats import write_sqlite
from scraper.publish.history import (
    Run,
    change_rows,
    format_time,
    read_history,
    run_time,
    write_history,
)
from tests.conftest import FIXTURES, CliResult
from tests.datasets import jmessage_record

LOGIN = jmessage_record(
    "ios", "JMessage", 863004, "Not logged in", "未登录", "S", "jmessage-ios", "u#s"
)
RTC = jmessage_record(
    "ios", "JMRTC", 871002, "the %@ operation", "当前状态", "R", "jmessage-ios", "u#r"
)
WHEN = datetime(2025, 3, 1, 6, 30, tzinfo=UTC)
SOURCES: list[dict[str, object]] = [
    {"id": "jmessage-ios", "url": "u", "location": "p", "sha256": "c0ffee"}
]


def _run(previous: list[Record], current: list[Record], before: str | None, after: str) -> Run:
    return Run(WHEN, before, after, SOURCES, compare(previous, current))


def _rows(path: Path, query: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def _build(
    path: Path, records: list[Record], previous: Path, before: str | None, run: Run | None
) -> None:
    write_sqlite(records, path)
    write_history(path, previous=previous, previous_sha256=before, run=run, warn=_no_warning)


def _no_warning(line: str) -> None:
    raise AssertionError(f"unexpected warning: {line}")


def test_added_removed_and_changed_give_one_row_per_field() -> None:
    diff = compare([LOGIN], [replace(LOGIN, message="Please log in"), RTC])
    # Each row: the key (source, platform, sdk, code_text, occurrence), the code as a number,
    # the kind, then every field that is not part of the key, as text (null as NULL).
    rtc = ("jmessage-ios", "ios", "JMRTC", "871002", 1, 871002)
    login = ("jmessage-ios", "ios", "JMessage", "863004", 1, 863004)
    assert change_rows(diff) == [
        (*rtc, "added", "product", None, "JMessage"),
        (*rtc, "added", "code", None, "871002"),
        (*rtc, "added", "name", None, ""),
        (*rtc, "added", "message", None, "the %@ operation"),
        (*rtc, "added", "description", None, "当前状态"),
        (*rtc, "added", "detail", None, ""),
        (*rtc, "added", "advice", None, ""),
        (*rtc, "added", "http_status", None, None),
        (*rtc, "added", "extra", None, "{}"),
        (*rtc, "added", "section", None, "R"),
        (*rtc, "added", "url", None, "u#r"),
        (*login, "changed", "message", "Not logged in", "Please log in"),
    ]
    removed = change_rows(compare([RTC], []))
    assert removed[0] == (*rtc, "removed", "product", "JMessage", None)
    assert removed[3] == (*rtc, "removed", "message", "the %@ operation", None)
    assert len(removed) == 11


def test_a_fresh_file_gets_empty_history_tables(tmp_path: Path) -> None:
    target = tmp_path / "new.sqlite"
    _build(target, [LOGIN], tmp_path / "missing.sqlite", None, None)
    assert _rows(target, "SELECT COUNT(*) FROM runs") == [(0,)]
    assert _rows(target, "SELECT COUNT(*) FROM changes") == [(0,)]


def test_a_run_is_recorded_with_its_time_digests_counts_and_sources(tmp_path: Path) -> None:
    target = tmp_path / "new.sqlite"
    _build(target, [LOGIN], tmp_path / "none", None, _run([], [LOGIN], None, "aaa"))
    [run] = _rows(target, "SELECT * FROM runs")
    assert run == (1, "2025-03-01T06:30:00Z", None, "aaa", 1, 0, 0, json.dumps(SOURCES))
    assert _rows(target, "SELECT run, kind, field, new FROM changes WHERE field = 'message'") == [
        (1, "added", "message", "Not logged in")
    ]


def test_history_is_carried_forward_and_tells_a_codes_story(tmp_path: Path) -> None:
    first, second, third = (tmp_path / f"{n}.sqlite" for n in ("one", "two", "three"))
    reworded = replace(LOGIN, message="Please log in")
    _build(first, [LOGIN], tmp_path / "none", None, _run([], [LOGIN], None, "a"))
    _build(second, [reworded], first, "a", _run([LOGIN], [reworded], "a", "b"))
    _build(third, [], second, "b", _run([reworded], [], "b", "c"))
    story = _rows(
        third,
        "SELECT run, kind, old, new FROM changes WHERE code = 863004 AND field = 'message'",
    )
    assert story == [
        (1, "added", None, "Not logged in"),
        (2, "changed", "Not logged in", "Please log in"),
        (3, "removed", "Please log in", None),
    ]
    assert _rows(third, "SELECT id, previous_sha256, dataset_sha256 FROM runs") == [
        (1, None, "a"),
        (2, "a", "b"),
        (3, "b", "c"),
    ]


def test_a_build_without_a_change_keeps_the_history_as_it_was(tmp_path: Path) -> None:
    first, again = tmp_path / "one.sqlite", tmp_path / "again.sqlite"
    _build(first, [LOGIN], tmp_path / "none", None, _run([], [LOGIN], None, "a"))
    _build(again, [LOGIN], first, "a", None)
    assert _rows(again, "SELECT * FROM runs") == _rows(first, "SELECT * FROM runs")
    assert _rows(again, "SELECT * FROM changes") == _rows(first, "SELECT * FROM changes")


@pytest.mark.parametrize(
    ("previous_sha", "expected_runs"),
    [
        ("a", [(1, None, "a"), (2, "a", "b")]),
        (None, [(1, None, "b")]),
        ("z", [(1, None, "a"), (2, "a", "b"), (3, "z", "b")]),
    ],
    ids=["redone-after-sqlite-published", "first-build-redone", "json-edited-by-hand"],
)
def test_a_run_whose_dataset_was_never_published_is_redone_not_repeated(
    tmp_path: Path, previous_sha: str | None, expected_runs: list[tuple[object, ...]]
) -> None:
    # The killed build published its SQLite file (with run N) but not the JSON, so the
    # dataset on disk is still the one run N started from; the next build redoes run N.
    first, killed, redo = (tmp_path / f"{n}.sqlite" for n in ("one", "killed", "redo"))
    if previous_sha is None:
        _build(killed, [LOGIN], tmp_path / "none", None, _run([], [LOGIN], None, "b"))
    else:
        _build(first, [], tmp_path / "none", None, _run([], [RTC], None, "a"))
        _build(killed, [LOGIN], first, "a", _run([RTC], [LOGIN], "a", "b"))
    redone = _run([] if previous_sha is None else [RTC], [LOGIN], previous_sha, "b")
    _build(redo, [LOGIN], killed, previous_sha, redone)
    assert _rows(redo, "SELECT id, previous_sha256, dataset_sha256 FROM runs") == expected_runs
    runs_with_changes = _rows(redo, "SELECT DISTINCT run FROM changes ORDER BY run")
    assert runs_with_changes == [(run[0],) for run in expected_runs]


def test_a_previous_file_from_before_the_history_tables_starts_a_new_history(
    tmp_path: Path,
) -> None:
    old, target = tmp_path / "old.sqlite", tmp_path / "new.sqlite"
    write_sqlite([LOGIN], old)
    _build(target, [RTC], old, "a", _run([LOGIN], [RTC], "a", "b"))
    assert _rows(target, "SELECT id, previous_sha256 FROM runs") == [(1, "a")]


def test_reading_an_unreadable_file_is_a_dataset_error_naming_it(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database, just text " * 100)
    with pytest.raises(DatasetError) as caught:
        read_history(broken)
    assert str(caught.value) == f"{broken}: cannot read the change history (file is not a database)"
    assert caught.value.exit_code == 2


def test_a_damaged_previous_file_starts_a_new_history_with_a_warning(tmp_path: Path) -> None:
    # A damaged export must still be rebuilt; only its history is lost, and said so.
    broken, target = tmp_path / "broken.sqlite", tmp_path / "new.sqlite"
    broken.write_bytes(b"this is not a database, just text " * 100)
    warnings: list[str] = []
    write_sqlite([LOGIN], target)
    write_history(
        target,
        previous=broken,
        previous_sha256="a",
        run=_run([], [LOGIN], "a", "b"),
        warn=warnings.append,
    )
    assert warnings == [
        f"{broken}: cannot read the change history (file is not a database); the "
        "history starts again with this build (the earlier file in version control still "
        "holds the old one)"
    ]
    assert _rows(target, "SELECT id, previous_sha256 FROM runs") == [(1, "a")]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"SOURCE_DATE_EPOCH": "1740810600"}, datetime(2025, 3, 1, 6, 30, tzinfo=UTC)),
        ({"SOURCE_DATE_EPOCH": " 0 "}, datetime(1970, 1, 1, tzinfo=UTC)),
    ],
    ids=["pinned", "epoch-with-spaces"],
)
def test_source_date_epoch_pins_the_run_time(environ: dict[str, str], expected: datetime) -> None:
    assert run_time(environ) == expected


def test_without_source_date_epoch_the_run_time_is_now_in_utc() -> None:
    before = datetime.now(UTC)
    moment = run_time({"SOURCE_DATE_EPOCH": ""})
    assert before <= moment <= datetime.now(UTC)
    assert moment.tzinfo is UTC


def test_a_bad_source_date_epoch_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        run_time({"SOURCE_DATE_EPOCH": "yesterday"})
    assert str(caught.value) == (
        "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970; got 'yesterday'"
    )


def test_times_are_stored_as_utc_iso_8601() -> None:
    assert format_time(WHEN) == "2025-03-01T06:30:00Z"


def test_a_location_whose_name_is_not_utf8_is_stored_with_escapes(tmp_path: Path) -> None:
    location = os.fsdecode(b"/pages/p\xffages/page.md")  # as Python names such a path
    sources: list[dict[str, object]] = [{**SOURCES[0], "location": location}]
    run = Run(WHEN, None, "d1", sources, compare([], [LOGIN]))
    _build(tmp_path / "new.sqlite", [LOGIN], tmp_path / "none.sqlite", None, run)
    [(stored,)] = _rows(tmp_path / "new.sqlite", "SELECT sources FROM runs")
    assert json.loads(str(stored))[0]["location"] == "/pages/p\\udcffages/page.md"


def test_a_build_of_a_copy_under_a_folder_whose_name_is_not_utf8_is_published(
    tmp_path: Path, run_cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = Path(os.fsdecode(os.fsencode(tmp_path) + b"/p\xffages"))
    pages.mkdir()
    shutil.copyfile(FIXTURES / "versions" / "base.md", pages / "page.md")
    (pages / "sources.toml").write_text(
        '[[source]]\nid = "ios"\nproduct = "JMessage"\nurl = "https://docs.example/ios/"\n'
        'path = "page.md"\nplatform = "ios"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = run_cli("build", "--sources", pages / "sources.toml", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    [(stored,)] = _rows(tmp_path / "out" / "errorcodes.sqlite", "SELECT sources FROM runs")
    assert json.loads(str(stored))[0]["location"] == "p\\udcffages/page.md"
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_bytes())
    assert manifest["sources"][0]["location"] == "p\\udcffages/page.md"
