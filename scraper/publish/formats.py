"""Records to export bytes: JSON, CSV, SQLite and the manifest. Pure apart from the SQLite file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from scraper.about import TOOL_NAME
from scraper.model import (
    FIELDS,
    KEY_FIELDS,
    RECORD_FIELDS,
    SCHEMA_VERSION,
    SEARCH_TABLE_NAME,
    TABLE_NAME,
    Record,
)

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def dump_json(document: object) -> bytes:
    """Deterministic JSON: UTF-8 without escapes, 2-space indent, final newline.

    The same text as `json.dumps(document, ensure_ascii=False, indent=2)` (a property test
    keeps them equal), written here because an indent makes the standard library fall back
    to its pure-Python encoder, which took a third of a catalog build's export time; each
    scalar still goes through the C encoder.
    """
    parts: list[str] = []
    _dump(document, "\n", parts)
    parts.append("\n")
    return "".join(parts).encode("utf-8")


_SCALAR = json.JSONEncoder(ensure_ascii=False).encode


def _dump(value: object, newline: str, parts: list[str]) -> None:
    if isinstance(value, dict) and value:
        inner = newline + "  "
        parts.append("{")
        for index, (key, item) in enumerate(value.items()):
            parts.append(("," if index else "") + inner + _SCALAR(_key(key)) + ": ")
            _dump(item, inner, parts)
        parts.append(newline + "}")
    elif isinstance(value, list | tuple) and value:
        inner = newline + "  "
        parts.append("[")
        for index, item in enumerate(value):
            parts.append(("," if index else "") + inner)
            _dump(item, inner, parts)
        parts.append(newline + "]")
    elif isinstance(value, dict):
        parts.append("{}")
    elif isinstance(value, list | tuple):
        parts.append("[]")
    else:
        parts.append(_SCALAR(value))


def _key(key: object) -> str:
    """A dict key as `json.dumps` writes it (numbers, booleans and None become text)."""
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return json.dumps(key)
    if isinstance(key, int | float):
        return _SCALAR(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def render_json(records: Iterable[Record]) -> bytes:
    return dump_json(
        {"schema_version": SCHEMA_VERSION, "records": [record.as_dict() for record in records]}
    )


def render_csv(records: Iterable[Record]) -> bytes:
    """RFC 4180 CSV in UTF-8; text that a spreadsheet would evaluate gets a leading `'`."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RECORD_FIELDS)
    for record in records:
        writer.writerow([_csv_cell(getattr(record, name)) for name in RECORD_FIELDS])
    return buffer.getvalue().encode("utf-8")


def _csv_cell(value: object) -> object:
    """A field's CSV cell: a number as is, null as an empty cell, an object as JSON text."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        return defuse_formula(extra_json(value))
    return defuse_formula(str(value))


def extra_json(value: Mapping[str, str]) -> str:
    """The `extra` object as one line of JSON text (its CSV cell and SQLite column)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sql_value(value: object) -> object:
    """A field's value as SQLite stores it."""
    return extra_json(value) if isinstance(value, dict) else value


def defuse_formula(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


_SQLITE_SCHEMA = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE {table} (
{columns}
);
CREATE INDEX {table}_code ON {table} (code);
CREATE INDEX {table}_code_text ON {table} (code_text);
-- External-content FTS5 table named <table>_fts, as Datasette and sqlite-utils expect; they
-- find it by the literal text content=[{table}], so keep that spelling. The trigram
-- tokenizer matches substrings, so Chinese text is searchable without word breaking.
CREATE VIRTUAL TABLE {search} USING fts5(
    {search_columns}, tokenize='trigram', content=[{table}]
);
CREATE VIEW counts_by_product_platform_sdk AS
    SELECT product, platform, sdk, COUNT(*) AS records, MIN(code) AS min_code,
        MAX(code) AS max_code
    FROM {table} GROUP BY product, platform, sdk ORDER BY product, platform, sdk;
-- Which products, platforms and sdks know a code (many codes exist on one platform only).
CREATE VIEW platforms_by_code AS
    SELECT code_text, COUNT(*) AS entries,
        group_concat(product || '/' || platform || '/' || sdk, ', ') AS platforms
    FROM (
        SELECT DISTINCT code_text, product, platform, sdk, code FROM {table}
        ORDER BY code, code_text, product, platform, sdk
    )
    GROUP BY code_text ORDER BY MIN(code), code_text;
"""
_SQL_TYPES = {"string": "TEXT", "integer": "INTEGER", "object": "TEXT"}
# The texts the full-text index covers: what a reader searches for.
SEARCH_FIELDS = ("name", "message", "description", "detail", "advice")
# The table's columns are the record's fields, in order, with its key as the primary key.
SQLITE_SCHEMA = _SQLITE_SCHEMA.replace(
    "{columns}",
    ",\n".join(
        [
            f"    {item.name} {_SQL_TYPES[item.kind]}{'' if item.nullable else ' NOT NULL'}"
            for item in FIELDS
        ]
        + [f"    PRIMARY KEY ({', '.join(KEY_FIELDS)})"]
    ),
).replace("{search_columns}", ", ".join(SEARCH_FIELDS))
# The table names, declared once in the model (`{search}` first: it starts with `{table}`'s name).
SQLITE_SCHEMA = SQLITE_SCHEMA.replace("{search}", SEARCH_TABLE_NAME).replace("{table}", TABLE_NAME)


def unjournaled(connection: sqlite3.Connection) -> None:
    """The rollback journal in memory and no syncs while a new, unpublished file is written.

    The file is a temporary one: a failure deletes it, and publishing flushes it to disk before
    renaming it into place, so a journal on disk and SQLite's own syncs would only cost time
    (most of the SQLite export's). In memory, a failed transaction still rolls back. Neither
    setting is stored in the file, so readers get the defaults.
    """
    connection.execute("PRAGMA journal_mode = MEMORY")
    connection.execute("PRAGMA synchronous = OFF")


def write_sqlite(records: Iterable[Record], path: Path) -> None:
    """Create a fresh SQLite file at `path` (which must not exist yet)."""
    connection = sqlite3.connect(path)
    try:
        unjournaled(connection)
        with connection:
            connection.executescript(SQLITE_SCHEMA)
            connection.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            connection.executemany(
                f"INSERT INTO {TABLE_NAME} ({', '.join(RECORD_FIELDS)}) "  # noqa: S608 - fixed names
                f"VALUES ({', '.join('?' for _ in RECORD_FIELDS)})",
                [
                    tuple(sql_value(getattr(record, name)) for name in RECORD_FIELDS)
                    for record in records
                ],
            )
            connection.execute(
                f"INSERT INTO {SEARCH_TABLE_NAME} ({SEARCH_TABLE_NAME}) VALUES ('rebuild')"  # noqa: S608
            )
    finally:
        connection.close()


def file_digest(data: bytes) -> dict[str, object]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def render_manifest(
    sources: list[dict[str, object]],
    records: list[Record],
    exports: Mapping[str, Mapping[str, object]],
    tool_version: str,
    counters: Mapping[str, int] | None = None,
) -> bytes:
    """Provenance of the build: one entry per source, totals, the run's counters (pages
    fetched, 304s, retries, warnings by kind) and a digest of every export."""
    per_group = Counter(f"{record.platform}/{record.sdk}" for record in records)
    per_product = Counter(record.product for record in records)
    totals = {
        "records": len(records),
        "blank_rows": sum(_count(entry, "blank_rows") for entry in sources),
        "anomalies": sum(_count(entry, "anomalies") for entry in sources),
        "duplicates": sum(_count(entry, "duplicates") for entry in sources),
        "by_product": dict(sorted(per_product.items())),
        "by_platform_sdk": dict(sorted(per_group.items())),
    }
    return dump_json(
        {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": TOOL_NAME, "version": tool_version},
            "sources": sources,
            "totals": totals,
            "run": dict(sorted((counters or {}).items())),
            "exports": {name: dict(exports[name]) for name in sorted(exports)},
        }
    )


def _count(entry: Mapping[str, object], key: str) -> int:
    value = entry.get(key, 0)
    return value if isinstance(value, int) else 0
