"""The exports say the same thing: JSON, CSV and SQLite agree row for row."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from scraper.model import RECORD_FIELDS
from scraper.publish.formats import defuse_formula, render_csv, render_json, write_sqlite
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
        '{\n  "schema_version": 1,\n  "records": [\n    {\n      "platform": "android",'
    )
    document = json.loads(data)
    assert list(document["records"][0]) == list(RECORD_FIELDS)
    assert render_json(RECORDS) == data


def test_csv_is_rfc4180_with_header_and_crlf() -> None:
    data = render_csv(RECORDS)
    assert data.startswith(b"platform,sdk,code,message,description,section,source,url\r\n")
    assert data.count(b"\r\n") == len(RECORDS) + 1
    assert b'"\'-dash\nnot really"' in data  # an embedded line break stays inside quotes
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[2][4] == "当前状态，不能"


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
        assert columns["code"] == ("INTEGER", 3)
        assert (columns["platform"][1], columns["sdk"][1]) == (1, 2)
        assert connection.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'"
        ).fetchone() == ("1",)
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(
                "INSERT INTO error_codes VALUES ('ios','JMRTC',871002,'','','','','')"
            )
        found = connection.execute(
            "SELECT code FROM error_codes WHERE rowid IN "
            "(SELECT rowid FROM error_codes_fts WHERE error_codes_fts MATCH ?)",
            ('"状态，不"',),
        ).fetchall()
        assert found == [(871002,)]
    finally:
        connection.close()


def test_json_csv_and_sqlite_agree_row_for_row(tmp_path: Path) -> None:
    from_json = [tuple(row.values()) for row in json.loads(render_json(RECORDS))["records"]]
    from_csv = [
        tuple(int(value) if name == "code" else value for name, value in row.items())
        for row in csv.DictReader(io.StringIO(render_csv(RECORDS).decode("utf-8"), newline=""))
    ]
    path = tmp_path / "db.sqlite"
    write_sqlite(RECORDS, path)
    connection = sqlite3.connect(path)
    try:
        from_sqlite = connection.execute(
            f"SELECT {', '.join(RECORD_FIELDS)} FROM error_codes ORDER BY platform, sdk, code"  # noqa: S608
        ).fetchall()
    finally:
        connection.close()
    expected = [tuple(record.as_dict().values()) for record in sorted(RECORDS, key=lambda r: r.key)]
    assert from_json == [tuple(record.as_dict().values()) for record in RECORDS]
    assert sorted(from_json, key=lambda row: row[:3]) == expected
    assert from_sqlite == expected
    # The CSV differs only where a formula was defused.
    assert [
        tuple(defuse_formula(v) if isinstance(v, str) else v for v in row) for row in from_json
    ] == from_csv
