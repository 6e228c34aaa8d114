"""The exports say the same thing: JSON, CSV and SQLite agree row for row."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.model import KEY_FIELDS, RECORD_FIELDS
from scraper.publish.formats import (
    defuse_formula,
    extra_json,
    render_csv,
    render_json,
    sql_value,
    write_sqlite,
)
from tests.datasets import jmessage_record

RECORDS = [
    jmessage_record(
        "android", "JMessage", 0, "Success", "成功", "JMessage Android", "android", "u#a"
    ),
    jmessage_record(
        "ios", "JMRTC", 871002, "the %@ operation", "当前状态，不能", "JMRTC iOS", "ios", "u#b"
    ),
    jmessage_record("ios", "JMessage", -1, '=HYPERLINK("x")', '+1 more, "quoted"', "S", "ios", "u"),
    jmessage_record("ios", "JMessage", 5, "@sum", "-dash\nnot really", "S", "ios", "u"),
]


def test_json_layout_is_deterministic_utf8_with_final_newline() -> None:
    data = render_json(RECORDS)
    text = data.decode("utf-8")
    assert text.endswith("}\n")
    assert "成功" in text
    assert "\\u" not in text
    assert text.startswith(
        '{\n  "schema_version": 2,\n  "records": [\n    {\n      "product": "JMessage",\n'
        '      "platform": "android",'
    )
    document = json.loads(data)
    assert list(document["records"][0]) == list(RECORD_FIELDS)
    assert render_json(RECORDS) == data


def test_csv_is_rfc4180_with_header_and_crlf() -> None:
    data = render_csv(RECORDS)
    assert data.startswith(
        b"product,platform,sdk,code,code_text,occurrence,name,message,description,detail,"
        b"advice,http_status,extra,section,source,url\r\n"
    )
    assert data.count(b"\r\n") == len(RECORDS) + 1
    assert b'"\'-dash\nnot really"' in data  # an embedded line break stays inside quotes
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[2][8] == "当前状态，不能"  # the description
    assert rows[1][3:6] == ["0", "0", "1"]  # code, code_text, occurrence
    assert rows[1][11:13] == ["", "{}"]  # no HTTP status: empty; no extra cells: {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1 more", "'+1 more"),
        ("-dash", "'-dash"),
        ("@sum", "'@sum"),
        ("\tTab", "'\tTab"),
        ("plain = text", "plain = text"),
        ("", ""),
    ],
    ids=["equals", "plus", "minus", "at", "tab", "inner-equals-untouched", "empty"],
)
def test_formula_cells_are_defused(text: str, expected: str) -> None:
    assert defuse_formula(text) == expected


def test_csv_defuses_text_but_not_negative_codes() -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(RECORDS).decode("utf-8"), newline="")))
    negative = next(row for row in rows if row["code"] == "-1")
    assert negative["message"] == '\'=HYPERLINK("x")'
    assert negative["description"] == '\'+1 more, "quoted"'


def test_sqlite_has_schema_primary_key_and_fts(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    write_sqlite(RECORDS, path)
    connection = sqlite3.connect(path)
    try:
        columns = {
            row[1]: (row[2], row[5]) for row in connection.execute("PRAGMA table_info(error_codes)")
        }
        assert columns["code"] == ("INTEGER", 0)
        assert [columns[name][1] for name in KEY_FIELDS] == [1, 2, 3, 4, 5]
        assert (columns["code_text"][0], columns["occurrence"][0]) == ("TEXT", "INTEGER")
        assert connection.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone() == ("2",)
        # The same key with other texts: refused.
        same_key = replace(RECORDS[1], message="another message", description="")
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(
                f"INSERT INTO error_codes VALUES ({', '.join('?' for _ in RECORD_FIELDS)})",  # noqa: S608
                [sql_value(getattr(same_key, name)) for name in RECORD_FIELDS],
            )
        # Its next occurrence is another key.
        next_row = replace(same_key, occurrence=2)
        connection.execute(
            f"INSERT INTO error_codes VALUES ({', '.join('?' for _ in RECORD_FIELDS)})",  # noqa: S608
            [sql_value(getattr(next_row, name)) for name in RECORD_FIELDS],
        )
        found = connection.execute(
            "SELECT code FROM error_codes WHERE rowid IN "
            "(SELECT rowid FROM error_codes_fts WHERE error_codes_fts MATCH ?)",
            ('"状态，不"',),
        ).fetchall()
        assert found == [(871002,)]
    finally:
        connection.close()


def _as_cells(row: dict[str, object]) -> tuple[object, ...]:
    """A JSON record as the CSV and SQLite write its cells: extra as JSON text."""
    return tuple(
        extra_json(value) if isinstance(value, dict) else value  # type: ignore[arg-type]
        for value in row.values()
    )


_NUMBERS = ("code", "occurrence", "http_status")


def test_json_csv_and_sqlite_agree_row_for_row(tmp_path: Path) -> None:
    records = [*RECORDS, replace(RECORDS[0], occurrence=2, http_status=200, extra={"备注": "x"})]
    from_json = [_as_cells(row) for row in json.loads(render_json(records))["records"]]
    from_csv = [
        tuple(
            (int(value) if value else None) if name in _NUMBERS else value
            for name, value in row.items()
        )
        for row in csv.DictReader(io.StringIO(render_csv(records).decode("utf-8"), newline=""))
    ]
    path = tmp_path / "db.sqlite"
    write_sqlite(records, path)
    connection = sqlite3.connect(path)
    try:
        from_sqlite = connection.execute(
            f"SELECT {', '.join(RECORD_FIELDS)} FROM error_codes "  # noqa: S608
            "ORDER BY source, platform, sdk, code, code_text, occurrence"
        ).fetchall()
    finally:
        connection.close()
    in_order = sorted(records, key=lambda record: record.order)
    expected = [_as_cells(record.as_dict()) for record in in_order]
    assert from_json == [_as_cells(record.as_dict()) for record in records]
    assert from_sqlite == expected
    assert expected[1] == _as_cells(records[-1].as_dict())  # android's code 0, occurrence 2
    # The CSV differs only where a formula was defused.
    assert [
        tuple(defuse_formula(v) if isinstance(v, str) else v for v in row) for row in from_json
    ] == from_csv
