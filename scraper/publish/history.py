"""The change history kept inside `errorcodes.sqlite`: a `runs` and a `changes` table.

Every build that changes the data appends one run and one `changes` row per changed field; the
rows of earlier runs are copied from the previous SQLite file, so the history travels with the
dataset and `SELECT * FROM changes WHERE code = 871302` tells one code's story.

An added record gives one row per field with `old` NULL; a removed record one row per field with
`new` NULL; a changed record one row per field that changed. `old` and `new` are texts: a
number as its digits, `extra` as JSON, a null as NULL.

A history written by schema 1 (keyed by platform, sdk and code) is carried over with its rows
re-keyed as schema 2 names them: the source that schema 1's built-in catalog read for that
platform, the code as text, occurrence 1.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from scraper.errors import ConfigError, DatasetError
from scraper.model import FIELD_BY_NAME, KEY_FIELDS, V1_SOURCE_BY_PLATFORM, VALUE_FIELDS, Record
from scraper.publish.diff import Diff
from scraper.publish.formats import unjournaled

HISTORY_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    previous_sha256 TEXT,
    dataset_sha256 TEXT NOT NULL,
    added INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    sources TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS changes (
    run INTEGER NOT NULL REFERENCES runs (id),
{key_columns},
    code INTEGER,
    kind TEXT NOT NULL CHECK (kind IN ('added', 'removed', 'changed')),
    field TEXT NOT NULL,
    old TEXT,
    new TEXT,
    PRIMARY KEY (run, {key_names}, field)
);
CREATE INDEX IF NOT EXISTS changes_code ON changes (code);
""".replace(
    "{key_columns}",
    ",\n".join(
        f"    {name} {'INTEGER' if FIELD_BY_NAME[name].kind == 'integer' else 'TEXT'} NOT NULL"
        for name in KEY_FIELDS
    ),
).replace("{key_names}", ", ".join(KEY_FIELDS))
MAX_HISTORY_BYTES = 1024 * 2**20
_RUN_COLUMNS = (
    "id",
    "time",
    "previous_sha256",
    "dataset_sha256",
    "added",
    "removed",
    "changed",
    "sources",
)
_CHANGE_COLUMNS = ("run", *KEY_FIELDS, "code", "kind", "field", "old", "new")
# Schema 1's columns, and the source its built-in catalog read for each platform.
_V1_CHANGE_COLUMNS = ("run", "platform", "sdk", "code", "kind", "field", "old", "new")

ChangeRow = tuple[object, ...]  # the key fields, code, kind, field, old, new


@dataclass(frozen=True, slots=True)
class Run:
    """One build that changed the data: when, from which dataset to which, and from what pages.

    `sources` holds one mapping per page read (id, url, location, sha256), stored as JSON.
    """

    time: datetime
    previous_sha256: str | None
    dataset_sha256: str
    sources: list[Mapping[str, object]]
    diff: Diff


def run_time(environ: Mapping[str, str]) -> datetime:
    """Now, in UTC; `SOURCE_DATE_EPOCH` (seconds) pins it, as reproducible builds expect."""
    pinned = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not pinned:
        return datetime.now(UTC)
    try:
        return datetime.fromtimestamp(int(pinned), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise ConfigError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds since 1970; got {pinned!r}"
        ) from exc


_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def last_run_time(path: Path) -> datetime | None:
    """When the latest run in a SQLite file's history changed the data; None when unknown."""
    try:
        runs, _changes = read_history(path)
    except DatasetError:
        return None
    if not runs:
        return None
    try:
        return datetime.strptime(str(runs[-1][1]), _TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def change_rows(diff: Diff) -> list[ChangeRow]:
    """The `changes` rows of one diff (without the run id), in key order."""
    rows: list[ChangeRow] = []
    for record in diff.added:
        rows += _record_rows(record, "added", as_new=True)
    for record in diff.removed:
        rows += _record_rows(record, "removed", as_new=False)
    for change in diff.changed:
        rows += [
            (*change.key, change.code, "changed", name, as_text(values.old), as_text(values.new))
            for name, values in change.changes.items()
        ]
    rows.sort(key=_in_record_order)  # stable: a record's fields stay in the model's order
    return rows


def _in_record_order(row: ChangeRow) -> tuple[object, ...]:
    """A change row's place: by source, platform and sdk, then numerically by code (a code
    that is a word after the numbers), then as written, then by occurrence."""
    source, platform, sdk, code_text, occurrence, code = row[:6]
    number = code if isinstance(code, int) else 0
    return (source, platform, sdk, not isinstance(code, int), number, code_text, occurrence)


def as_text(value: object) -> str | None:
    """A field's value as the history stores it: text as is, a number as digits, an object
    as JSON, null as NULL."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _record_rows(record: Record, kind: str, *, as_new: bool) -> list[ChangeRow]:
    rows: list[ChangeRow] = []
    for name in VALUE_FIELDS:
        value = as_text(getattr(record, name))
        old, new = (None, value) if as_new else (value, None)
        rows.append((*record.key, record.code, kind, name, old, new))
    return rows


def write_history(
    target: Path,
    *,
    previous: Path,
    previous_sha256: str | None,
    run: Run | None,
    warn: Callable[[str], None],
) -> None:
    """Create the history tables in `target`, copy the previous file's runs, then add `run`.

    A run that started from the dataset now being replaced but whose dataset never got
    published (the build was killed between writing the SQLite file and the JSON) is dropped,
    because this build redoes it. A damaged previous file must not block rebuilding the
    exports, so its history is given up with a warning rather than an error.
    """
    try:
        runs, changes = read_history(previous)
    except DatasetError as error:
        warn(
            f"{error}; the history starts again with this build "
            "(the earlier file in version control still holds the old one)"
        )
        runs, changes = [], []
    while runs and runs[-1][2] == previous_sha256 and runs[-1][3] != previous_sha256:
        dropped = runs.pop()[0]
        changes = [row for row in changes if row[0] != dropped]
    connection = sqlite3.connect(target)
    try:
        unjournaled(connection)
        connection.executescript(HISTORY_SCHEMA)
        try:
            with connection:  # one transaction, so the file's bytes depend only on its rows
                connection.executemany(_insert("runs", _RUN_COLUMNS), runs)
                connection.executemany(_insert("changes", _CHANGE_COLUMNS), changes)
                if run is not None:
                    _add_run(connection, run)
        except (sqlite3.IntegrityError, sqlite3.InterfaceError, sqlite3.ProgrammingError) as exc:
            warn(
                f"{previous}: its change history breaks the history tables' rules "
                f"({exc}); the history starts again with this build (the earlier file in "
                "version control still holds the old one)"
            )
            with connection:
                if run is not None:
                    _add_run(connection, run)
    finally:
        connection.close()


def _add_run(connection: sqlite3.Connection, run: Run) -> None:
    cursor = connection.execute(
        "INSERT INTO runs (time, previous_sha256, dataset_sha256, added, removed, changed, "
        "sources) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            format_time(run.time),
            run.previous_sha256,
            run.dataset_sha256,
            len(run.diff.added),
            len(run.diff.removed),
            len(run.diff.changed),
            json.dumps([_storable(dict(source)) for source in run.sources], ensure_ascii=False),
        ),
    )
    run_id = cursor.lastrowid
    connection.executemany(
        _insert("changes", _CHANGE_COLUMNS),
        [(run_id, *row) for row in change_rows(run.diff)],
    )


def _storable(source: dict[str, object]) -> dict[str, object]:
    """The source with each text made valid UTF-8, which SQLite stores: a path whose name is
    not UTF-8 (a lone surrogate in Python) keeps its bytes as escapes (`\\udcff`), as the
    progress line shows it."""
    return {
        key: value.encode("utf-8", "backslashreplace").decode("utf-8")
        if isinstance(value, str)
        else value
        for key, value in source.items()
    }


def _insert(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - fixed names


def read_history(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The runs (by id) and changes of a previous SQLite file; none when it has no history yet."""
    if not path.exists():
        return [], []
    try:
        status = path.lstat()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read the change history ({exc.strerror})") from exc
    if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_HISTORY_BYTES:
        raise DatasetError(
            f"{path}: cannot read the change history (not a regular file of at most "
            f"{MAX_HISTORY_BYTES // 2**20} MiB)"
        )
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise _unreadable(path, exc) from exc
    try:
        tables = {
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if not {"runs", "changes"} <= tables:
            return [], []
        runs = connection.execute(
            f"SELECT {', '.join(_RUN_COLUMNS)} FROM runs ORDER BY id"  # noqa: S608 - fixed names
        ).fetchall()
        columns = {row[1] for row in connection.execute("PRAGMA table_info(changes)")}
        if "code_text" in columns:
            changes = connection.execute(
                f"SELECT {', '.join(_CHANGE_COLUMNS)} FROM changes "  # noqa: S608 - fixed names
                "ORDER BY rowid"
            ).fetchall()
        else:
            changes = [
                _v1_change(row)
                for row in connection.execute(
                    f"SELECT {', '.join(_V1_CHANGE_COLUMNS)} FROM changes "  # noqa: S608
                    "ORDER BY rowid"
                )
            ]
    except sqlite3.Error as exc:
        raise _unreadable(path, exc) from exc
    finally:
        connection.close()
    return runs, changes


def _v1_change(row: tuple[object, ...]) -> tuple[object, ...]:
    """A schema 1 `changes` row keyed as schema 2 keys it."""
    run, platform, sdk, code, kind, name, old, new = row
    source = V1_SOURCE_BY_PLATFORM.get(str(platform), str(platform))
    return (run, source, platform, sdk, str(code), 1, code, kind, name, old, new)


def _unreadable(path: Path, exc: sqlite3.Error) -> DatasetError:
    return DatasetError(f"{path}: cannot read the change history ({exc})")
