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
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from scraper.consume.location import default_data_dir
from scraper.errors import DatasetError, Terminated
from scraper.model import (
    FIELDS,
    KEY_FIELDS,
    RECORD_FIELDS,
    SCHEMA_VERSION,
    SEARCH_TABLE_NAME,
    SQLITE_NAME,
    TABLE_NAME,
    Record,
    parse_code,
    record_from_mapping,
)
from scraper.variants import spellings

# The checkout's committed dataset, or the copy an installed package carries.
DEFAULT_DATA_DIR = default_data_dir()
TRIGRAM = 3  # the trigram tokenizer cannot match a word shorter than this
_SQLITE_INT = range(-(2**63), 2**63)
_COLUMNS = ", ".join(RECORD_FIELDS)
_SQLITE_HEADER = b"SQLite format 3\x00"
# A lookup of the real dataset takes milliseconds; a crafted file (a recursive view named
# error_codes) could run forever, so every read stops after this long.
READ_DEADLINE = 10.0
_PROGRESS_STEPS = 10_000  # SQLite virtual-machine steps between two looks at the clock


@dataclass(frozen=True, slots=True)
class Matches:
    """The entries found, and the platforms and sdks the dataset has (to explain no match)."""

    records: list[Record]
    platforms: tuple[str, ...]
    sdks: tuple[str, ...]
    # What the query finds without the platform and sdk filters, when the filters left nothing.
    elsewhere: list[Record] = field(default_factory=list)
    dataset: Path = Path(SQLITE_NAME)  # the file that was read, named when nothing matched
    products: tuple[str, ...] = ()


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
    """The SQLite file of a dataset folder; given a file, that file when it is an SQLite
    database, else the dataset's SQLite file beside it (`--data output/errorcodes.json`)."""
    folder = DEFAULT_DATA_DIR if data is None else data
    if not folder.is_file():
        return folder / SQLITE_NAME
    try:
        with folder.open("rb") as stream:
            header = stream.read(len(_SQLITE_HEADER))
    except OSError:
        return folder  # opening it again names the cause
    return folder if header == _SQLITE_HEADER else folder.parent / SQLITE_NAME


def find(
    data: Path | None,
    query: str,
    *,
    platform: str | None = None,
    sdk: str | None = None,
    product: str | None = None,
) -> Matches:
    """Entries matching `query`, optionally only of one product, platform and sdk
    (case-insensitive).

    A code finds its entries; when it has none, the codes it is the first digits of (87130
    finds 871300 to 871309).
    """
    path = sqlite_path(data)
    filters: list[tuple[str, object]] = []
    if platform:
        filters.append(("platform = ? COLLATE NOCASE", platform))
    if sdk:
        filters.append(("sdk = ? COLLATE NOCASE", sdk))
    if product:
        filters.append(("product = ? COLLATE NOCASE", product))
    with _connect(path) as read:
        records = _search(read, query, filters)
        elsewhere = _search(read, query, []) if not records and filters else []
        platforms = _distinct(read, "platform")
        sdks = _distinct(read, "sdk")
        products = _distinct(read, "product")
    return Matches(records, platforms, sdks, elsewhere, path, products)


def _search(read: _Reader, query: str, filters: list[tuple[str, object]]) -> list[Record]:
    where, params = _conditions(query)
    extra = [condition for condition, _value in filters]
    values = [value for _condition, value in filters]
    records = _select(read, where + extra, params + values)
    code = parse_code(query.strip())
    if records or code is None or code not in _SQLITE_INT:
        return records
    prefix = ["CAST(code AS TEXT) LIKE ?"]  # digits and '-' only: nothing to escape
    return _select(read, prefix + extra, [f"{code}%", *values])


def _select(read: _Reader, where: list[str], params: list[object]) -> list[Record]:
    sql = (
        f"SELECT {_COLUMNS} FROM {TABLE_NAME} WHERE {' AND '.join(where)} "  # noqa: S608 - fixed
        "ORDER BY platform, sdk, code, code_text, source, occurrence"
    )
    return [_record(row, read.path) for row in read(sql, params)]


def _record(row: tuple[object, ...], path: Path) -> Record:
    """A row as a record, each value of the type the model declares for its field (`extra`
    is held as JSON text)."""
    values: dict[str, object] = dict(zip(RECORD_FIELDS, row, strict=True))
    extra = values.get("extra")
    if isinstance(extra, str):
        try:
            values["extra"] = json.loads(extra)
        except ValueError:
            raise _wrong_type(path, "extra", extra, "object") from None
    for item in FIELDS:
        if item.problem(values[item.name]) is not None:
            raise _wrong_type(path, item.name, values[item.name], item.kind)
    return record_from_mapping(values)


def _wrong_type(path: Path, name: str, value: object, kind: str) -> DatasetError:
    shown = "NULL" if value is None else f"a {type(value).__name__} value"
    return DatasetError(
        f"{path}: not a dataset this tool wrote: an entry's {name} is {shown}, where the "
        f"dataset has {'an' if kind in ('integer', 'object') else 'a'} {kind}; rebuild it with "
        "`python -m scraper build`"
    )


def _conditions(query: str) -> tuple[list[str], list[object]]:
    """SQL conditions (ANDed) and their parameters for a code or a text query.

    Each word of a text also matches its declared variant spellings (登陆 finds 登录).
    """
    words = query.split()
    if not words:
        return ["0"], []
    code = parse_code(query.strip())
    if code is not None:
        return (["code = ?"], [code]) if code in _SQLITE_INT else (["0"], [])
    where: list[str] = []
    params: list[object] = []
    for word in words:
        alternatives: list[str] = []
        for spelling in spellings(word):
            if len(spelling) >= TRIGRAM:
                # An FTS5 string ("..." with " doubled), so no query syntax can leak in.
                alternatives.append(
                    f"rowid IN (SELECT rowid FROM {SEARCH_TABLE_NAME} "  # noqa: S608 - fixed
                    f"WHERE {SEARCH_TABLE_NAME} MATCH ?)"
                )
                params.append('"' + spelling.replace('"', '""') + '"')
            else:
                escaped = spelling.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                alternatives.append("message LIKE ? ESCAPE '\\' OR description LIKE ? ESCAPE '\\'")
                params.extend([f"%{escaped}%"] * 2)
        where.append("(" + " OR ".join(alternatives) + ")")
    return where, params


def _distinct(read: _Reader, column: str) -> tuple[str, ...]:
    sql = f"SELECT DISTINCT {column} FROM {TABLE_NAME} ORDER BY 1"  # noqa: S608 - fixed names
    values = [row[0] for row in read(sql, [])]
    for value in values:
        if not isinstance(value, str):
            raise _wrong_type(read.path, column, value, "string")
    return tuple(str(value) for value in values)


class _Reader:
    """Runs one query at a time on a dataset, each under the read deadline; SIGINT and SIGTERM
    stop a query at SQLite's next progress step (Python's handlers cannot run inside it)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.signal: int | None = None
        self._deadline = 0.0
        connection.set_progress_handler(self._stop, _PROGRESS_STEPS)

    def _stop(self) -> bool:
        return self.signal is not None or time.monotonic() > self._deadline

    def __call__(self, sql: str, params: list[object]) -> list[tuple[object, ...]]:
        self._deadline = time.monotonic() + READ_DEADLINE
        try:
            return self.connection.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            if self.signal == signal.SIGINT:
                raise KeyboardInterrupt from None
            if self.signal is not None:
                raise Terminated from None
            if time.monotonic() > self._deadline:
                raise DatasetError(
                    f"{self.path}: reading it took more than {READ_DEADLINE:g} s, which the "
                    "dataset never needs, so it is not one this tool wrote; rebuild it with "
                    "`python -m scraper build`"
                ) from None
            raise _not_a_dataset(self.path, exc) from exc


@contextmanager
def _signals_noted(reader: _Reader) -> Iterator[None]:
    """While a dataset is read, SIGINT and SIGTERM are noted for the reader to act on."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def note(signum: int, _frame: FrameType | None) -> None:
        reader.signal = signum

    previous = {number: signal.signal(number, note) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if reader.signal == signal.SIGINT:  # arrived between two queries
        raise KeyboardInterrupt
    if reader.signal is not None:
        raise Terminated


@contextmanager
def _connect(path: Path) -> Iterator[_Reader]:
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
        reader = _Reader(connection, path)
        with _signals_noted(reader):
            _check_version(reader)
            yield reader
    finally:
        connection.close()


def _check_version(read: _Reader) -> None:
    rows = read("SELECT value FROM meta WHERE key = 'schema_version'", [])
    path = read.path
    version = rows[0][0] if rows else None
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


# What `describe` shows under a record's first line: every field the model declares but the
# key (which is that line) and the source id (the url names the page).
# The product (its sdk names it, JMRTC being JMessage's) and the code as a number (the first
# line shows it as the page writes it) are left out too.
_SHOWN = tuple(
    name for name in RECORD_FIELDS if name not in (*KEY_FIELDS, "source", "product", "code")
)
_LABEL_WIDTH = max(len(name) for name in _SHOWN) + 2
# Shown even when empty, as every page has them; the other texts only when a page gave them.
_ALWAYS_SHOWN = ("message", "description", "section", "url")


def describe(record: Record) -> str:
    """A record as a short block of text for the terminal."""
    lines = [f"{record.code_text}  {record.platform}/{record.sdk}"]
    for name in _SHOWN:
        value = getattr(record, name)
        if name in _ALWAYS_SHOWN or value not in (None, "", {}):
            shown = ", ".join(f"{k}: {v}" for k, v in value.items()) if name == "extra" else value
            lines.append(f"  {(name + ':').ljust(_LABEL_WIDTH)}{shown}")
    return "\n".join(lines) + "\n"


def no_match_message(
    query: str,
    matches: Matches,
    *,
    platform: str | None = None,
    sdk: str | None = None,
    product: str | None = None,
) -> str:
    """Why nothing was printed, naming a filter value the dataset does not have at all."""
    given = (("product", product), ("platform", platform), ("sdk", sdk))
    filters = [f"{name} {value}" for name, value in given if value]
    message = f"no entry matches {query.strip()!r}"
    if filters:
        message += f" ({', '.join(filters)})"
    message += f" in {matches.dataset}"
    for name, value, known in (
        ("product", product, matches.products),
        ("platform", platform, matches.platforms),
        ("sdk", sdk, matches.sdks),
    ):
        if value and value.casefold() not in {item.casefold() for item in known}:
            message += f"; the dataset has no {name} {value!r} (it has {', '.join(known)})"
    if matches.elsewhere:
        message += "; " + _found_elsewhere(query, matches.elsewhere, platform, sdk, product)
    hint = opt_in_hint(query, matches.platforms)
    if hint:
        message += "; " + hint
    return message


_GROUPS_SHOWN = 5


def _found_elsewhere(
    query: str,
    records: list[Record],
    platform: str | None,
    sdk: str | None,
    product: str | None = None,
) -> str:
    """Which platforms and sdks have what the filters hid, and the options that show it."""
    groups = list(dict.fromkeys(f"{record.platform}/{record.sdk}" for record in records))
    tries: list[str] = []
    for record in records:
        options = []
        if product and record.product.casefold() != product.casefold():
            options.append(f"--product {record.product}")
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
