"""The record is declared once: every format's fields come from `scraper.model`."""

from __future__ import annotations

import csv
import dataclasses
import io
import sqlite3
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from scraper.model import (
    FIELDS,
    KEY_FIELDS,
    PLATFORMS,
    RECORD_FIELDS,
    TEXT_FIELDS,
    VALUE_FIELDS,
    Record,
    parse_code,
)
from scraper.publish.contract import json_schema, table_schema
from scraper.publish.formats import render_csv, write_sqlite
from tests.datasets import record


def test_the_fields_are_the_records_own_in_order() -> None:
    assert tuple(item.name for item in dataclasses.fields(Record)) == RECORD_FIELDS
    assert RECORD_FIELDS == (
        "product",
        "platform",
        "sdk",
        "code",
        "code_text",
        "occurrence",
        "name",
        "message",
        "description",
        "detail",
        "advice",
        "http_status",
        "extra",
        "section",
        "source",
        "url",
    )
    kinds = {item.name: item.kind for item in FIELDS}
    assert [name for name, kind in kinds.items() if kind == "integer"] == [
        "code",
        "occurrence",
        "http_status",
    ]
    assert [name for name, kind in kinds.items() if kind == "object"] == ["extra"]
    assert (
        tuple(
            name
            for name in RECORD_FIELDS
            if name not in {"code", "occurrence", "http_status", "extra"}
        )
        == TEXT_FIELDS
    )


def test_the_key_is_declared_with_the_fields() -> None:
    assert KEY_FIELDS == ("source", "platform", "sdk", "code_text", "occurrence")
    assert tuple(name for name in RECORD_FIELDS if name not in KEY_FIELDS) == VALUE_FIELDS
    sample = record(platform="android", sdk="JMRTC", code=7)
    assert sample.key == tuple(getattr(sample, name) for name in KEY_FIELDS)


def test_the_allowed_values_are_those_of_the_fields() -> None:
    by_name = {item.name: item for item in FIELDS}
    assert by_name["platform"].enum == PLATFORMS
    # An sdk is the product's name (or JMRTC), and a product may be another vendor's: no enum.
    assert by_name["sdk"].enum == ()
    assert by_name["sdk"].non_empty
    assert by_name["product"].enum == ()
    assert by_name["product"].non_empty
    assert by_name["occurrence"].minimum == 1
    assert [item.name for item in FIELDS if item.nullable] == ["code", "http_status"]
    assert all(item.description for item in FIELDS)


def test_json_schema_table_schema_csv_and_sqlite_follow_the_declaration(tmp_path: Path) -> None:
    schema = json_schema()["$defs"]["record"]
    assert list(schema["properties"]) == list(RECORD_FIELDS)
    assert schema["required"] == list(RECORD_FIELDS)
    table = table_schema(csv=True)
    assert [item["name"] for item in table["fields"]] == list(RECORD_FIELDS)
    assert table["primaryKey"] == list(KEY_FIELDS)
    header = next(csv.reader(io.StringIO(render_csv([]).decode("utf-8"))))
    assert tuple(header) == RECORD_FIELDS
    path = tmp_path / "db.sqlite"
    write_sqlite([record()], path)
    with sqlite3.connect(path) as connection:
        columns = connection.execute("PRAGMA table_info(error_codes)").fetchall()
    connection.close()
    assert tuple(column[1] for column in columns) == RECORD_FIELDS
    assert [column[2] for column in columns] == [
        "INTEGER" if item.kind == "integer" else "TEXT" for item in FIELDS
    ]
    primary_key = sorted((column[5], column[1]) for column in columns if column[5])
    assert [name for _position, name in primary_key] == list(KEY_FIELDS)  # primary key order


@given(st.text(alphabet="0123456789aF+-−* _`\u200b\ufeff xX²", max_size=25))
def test_parse_code_agrees_with_its_slow_path_on_any_cell(text: str) -> None:
    from scraper import model

    compact = text.translate(model._CODE_NOISE).replace("_", "")
    expected = None
    value = None
    if model._HEX_CODE.fullmatch(compact):
        if len(compact.lstrip("+-")[2:].lstrip("0")) <= model._HEX_DIGITS_MAX:
            value = int(compact, 16)
    elif model._CODE.fullmatch(compact) and len(compact.lstrip("+-")) <= model._CODE_DIGITS_MAX:
        value = int(compact)
    if value is not None:
        expected = value if -(2**63) <= value < 2**63 else None
    assert parse_code(text) == expected
