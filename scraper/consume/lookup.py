"""Looking error codes up in a published errorcodes.sqlite: by code, or by text through FTS5.

A query that is an integer finds every entry with that code (across platforms and sdks); any
other query finds the entries whose message or description contains every word of it. Words
of three or more characters go through the trigram full-text index; shorter ones (`登录`,
`%@`), which a trigram index cannot match, are compared with LIKE. The file is opened
read-only, so a lookup never creates or changes a dataset.

When the platform or sdk filters leave nothing, the same query runs without them, so that the
message can say where the entries are; a code from the range of a JMessage page that the dataset
leaves out (server, Web SDK) gets a hint on how to include that source.

(This module is not called `lookup` so that it cannot shadow the `scraper.lookup` function.)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from scraper.consume.location import default_data_dir
from scraper.errors import DatasetError
from scraper.model import (
    RECORD_FIELDS,
    SCHEMA_VERSION,
    SQLITE_NAME,
    Record,
    parse_code,
    record_from_mapping,
)

# The checkout's committed dataset, or the copy an installed package carries.
DEFAULT_DATA_DIR = default_data_dir()
TRIGRAM = 3  # the trigram tokenizer cannot match a word shorter than this
_SQLITE_INT = range(-(2**63), 2**63)
_COLUMNS = ", ".join(RECORD_FIELDS)


@dataclass(frozen=True, slots=True)
class Matches:
    """The entries found, and the platforms and sdks the dataset has (to explain no match)."""

    records: list[Record]
    platforms: tuple[str, ...]
    sdks: tuple[str, ...]
    # What the query finds without the platform and sdk filters, when the filters left nothing.
    elsewhere: list[Record] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OptInSource:
    """A source a dataset may leave out: its id, its records' platform, its codes."""

    id: str
    platform: str
    codes: range
    pattern: str


# Sources of `scraper.sources.catalog` (which this package does not import; a test keeps the
# ids and platforms equal) that a build of the seed pages leaves out, and their code ranges.
OPT_IN_SOURCES = (
    OptInSource("jmessage-server", "server", range(890000, 900000), "89xxxx"),
    OptInSource("jmessage-web", "web", range(880000, 890000), "88xxxx"),
)


def sqlite_path(data: Path | None) -> Path:
    """The SQLite file of a dataset folder (or the file itself when given one)."""
    folder = DEFAULT_DATA_DIR if data is None else data
    return folder if folder.is_file() else folder / SQLITE_NAME


def find(
    data: Path | None, query: str, *, platform: str | None = None, sdk: str | None = None
) -> Matches:
    """Entries matching `query`, optionally only on one platform and sdk (case-insensitive)."""
    path = sqlite_path(data)
    where, params = _conditions(query)
    filters, values = list(where), list(params)
    if platform:
        filters.append("platform = ? COLLATE NOCASE")
        values.append(platform)
    if sdk:
        filters.append("sdk = ? COLLATE NOCASE")
        values.append(sdk)
    with _connect(path) as connection:
        try:
            records = _select(connection, filters, values)
            elsewhere = (
                _select(connection, where, params) if not records and (platform or sdk) else []
            )
            platforms = _distinct(connection, "platform")
            sdks = _distinct(connection, "sdk")
        except sqlite3.Error as exc:
            raise _not_a_dataset(path, exc) from exc
    return Matches(records, platforms, sdks, elsewhere)


def _select(connection: sqlite3.Connection, where: list[str], params: list[object]) -> list[Record]:
    sql = (
        f"SELECT {_COLUMNS} FROM error_codes WHERE {' AND '.join(where)} "  # noqa: S608 - fixed
        "ORDER BY platform, sdk, code"
    )
    return [_record(row) for row in connection.execute(sql, params).fetchall()]


def _record(row: tuple[object, ...]) -> Record:
    """A record from its SQLite row, where `extra` is held as JSON text."""
    values: dict[str, object] = dict(zip(RECORD_FIELDS, row, strict=True))
    values["extra"] = json.loads(str(values["extra"]))
    return record_from_mapping(values)


def _conditions(query: str) -> tuple[list[str], list[object]]:
    """SQL conditions (ANDed) and their parameters for a code or a text query."""
    words = query.split()
    if not words:
        return ["0"], []
    code = parse_code(query.strip())
    if code is not None:
        return (["code = ?"], [code]) if code in _SQLITE_INT else (["0"], [])
    where: list[str] = []
    params: list[object] = []
    long_words = [word for word in words if len(word) >= TRIGRAM]
    if long_words:
        # Each word as an FTS5 string ("..." with " doubled), so no query syntax can leak in.
        where.append("rowid IN (SELECT rowid FROM error_codes_fts WHERE error_codes_fts MATCH ?)")
        params.append(" AND ".join('"' + word.replace('"', '""') + '"' for word in long_words))
    for word in words:
        if len(word) < TRIGRAM:
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(message LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\')")
            params.extend([pattern, pattern])
    return where, params


def _distinct(connection: sqlite3.Connection, column: str) -> tuple[str, ...]:
    rows = connection.execute(
        f"SELECT DISTINCT {column} FROM error_codes ORDER BY 1"  # noqa: S608 - fixed names
    ).fetchall()
    return tuple(str(row[0]) for row in rows)


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection to a dataset whose schema_version this tool reads."""
    if not path.is_file():
        raise DatasetError(
            f"{path}: dataset file not found; build it with `python -m scraper build`, "
            "or pass --data DIR with the folder that holds errorcodes.sqlite"
        )
    try:
        # mode=ro: never create, lock for writing or change the file being read.
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatasetError(f"{path}: cannot open the dataset: {exc}") from exc
    try:
        _check_version(connection, path)
        yield connection
    finally:
        connection.close()


def _check_version(connection: sqlite3.Connection, path: Path) -> None:
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error as exc:
        raise _not_a_dataset(path, exc) from exc
    version = row[0] if row else None
    if version != str(SCHEMA_VERSION):
        raise DatasetError(
            f"{path}: unknown schema_version {version!r}; this tool reads version "
            f"{SCHEMA_VERSION}: rebuild the dataset or use a matching version of this tool"
        )


def _not_a_dataset(path: Path, exc: sqlite3.Error) -> DatasetError:
    return DatasetError(
        f"{path}: not a readable error-code dataset ({exc}); rebuild it with "
        "`python -m scraper build`"
    )


def describe(record: Record) -> str:
    """A record as a short block of text for the terminal."""
    return (
        f"{record.code}  {record.platform}/{record.sdk}\n"
        f"  message:     {record.message}\n"
        f"  description: {record.description}\n"
        f"  section:     {record.section}\n"
        f"  url:         {record.url}\n"
    )


def no_match_message(
    query: str, matches: Matches, *, platform: str | None = None, sdk: str | None = None
) -> str:
    """Why nothing was printed, naming a filter value the dataset does not have at all."""
    filters = [f"{name} {value}" for name, value in (("platform", platform), ("sdk", sdk)) if value]
    message = f"no entry matches {query.strip()!r}"
    if filters:
        message += f" ({', '.join(filters)})"
    for name, value, known in (
        ("platform", platform, matches.platforms),
        ("sdk", sdk, matches.sdks),
    ):
        if value and value.casefold() not in {item.casefold() for item in known}:
            message += f"; the dataset has no {name} {value!r} (it has {', '.join(known)})"
    if matches.elsewhere:
        message += "; " + _found_elsewhere(query, matches.elsewhere, platform, sdk)
    hint = opt_in_hint(query, matches.platforms)
    if hint:
        message += "; " + hint
    return message


_GROUPS_SHOWN = 5


def _found_elsewhere(
    query: str, records: list[Record], platform: str | None, sdk: str | None
) -> str:
    """Which platforms and sdks have what the filters hid, and the options that show it."""
    groups = list(dict.fromkeys(f"{record.platform}/{record.sdk}" for record in records))
    tries: list[str] = []
    for record in records:
        options = []
        if platform and record.platform.casefold() != platform.casefold():
            options.append(f"--platform {record.platform}")
        if sdk and record.sdk.casefold() != sdk.casefold():
            options.append(f"--sdk {record.sdk}")
        tries.append(" ".join(options))
    tries = list(dict.fromkeys(tries))
    shown = ", ".join(groups[:_GROUPS_SHOWN]) + (
        f" and {len(groups) - _GROUPS_SHOWN} more" if len(groups) > _GROUPS_SHOWN else ""
    )
    verb = "has" if len(groups) == 1 else "have"
    what = "it" if parse_code(query.strip()) is not None else "matches"
    return f"{shown} {verb} {what}: try {' or '.join(tries[:_GROUPS_SHOWN])}"


def opt_in_hint(query: str, platforms: tuple[str, ...]) -> str | None:
    """How to include the source a code seems to belong to, when the dataset lacks that source."""
    code = parse_code(query.strip())
    if code is None:
        return None
    for source in OPT_IN_SOURCES:
        if code in source.codes and source.platform not in platforms:
            return (
                f"{code} looks like a code of the {source.id} page ({source.pattern}), which "
                f"this dataset leaves out: build with `build --remote --include "
                f"{source.id}`, then look it up again"
            )
    return None
