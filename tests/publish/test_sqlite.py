"""The SQLite export as Datasette and sqlite-utils see it: types, key, full-text table, views."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from scraper.model import SQLITE_NAME
from tests.datasets import build_seeds, record, write_dataset


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite_utils.Database]:
    out = tmp_path_factory.mktemp("built") / "output"
    build_seeds(out)
    database = sqlite_utils.Database(out / SQLITE_NAME)
    yield database
    database.close()


@pytest.fixture(scope="module")
def table(database: sqlite_utils.Database) -> sqlite_utils.db.Table:
    return database.table("error_codes")


def test_columns_have_declared_types(table: sqlite_utils.db.Table) -> None:
    assert {column.name: column.type for column in table.columns} == {
        "product": "TEXT",
        "platform": "TEXT",
        "sdk": "TEXT",
        "code": "INTEGER",
        "code_text": "TEXT",
        "occurrence": "INTEGER",
        "name": "TEXT",
        "message": "TEXT",
        "description": "TEXT",
        "detail": "TEXT",
        "advice": "TEXT",
        "http_status": "INTEGER",
        "extra": "TEXT",
        "section": "TEXT",
        "source": "TEXT",
        "url": "TEXT",
    }
    # Only the nullable numbers may be null: a code that is a word, a row without an HTTP status.
    nullable = {column.name for column in table.columns if not column.notnull}
    assert nullable == {"code", "http_status"}


def test_primary_key(table: sqlite_utils.db.Table) -> None:
    assert table.pks == ["source", "platform", "sdk", "code_text", "occurrence"]


def test_full_text_table_is_found_and_linked(table: sqlite_utils.db.Table) -> None:
    # sqlite-utils finds it the way Datasette does, by the table's SQL text.
    assert table.detect_fts() == "error_codes_fts"
    found = table.search("登录状态", columns=["code", "platform"], order_by="code")
    assert list(found) == [
        {"code": 863004, "platform": "ios"},
        {"code": 871005, "platform": "ios"},
    ]


def test_counts_by_product_platform_sdk_view(database: sqlite_utils.Database) -> None:
    assert "counts_by_product_platform_sdk" in database.view_names()
    assert list(database.query("SELECT * FROM counts_by_product_platform_sdk")) == [
        {
            "product": "JMessage",
            "platform": "android",
            "sdk": "JMessage",
            "records": 32,
            "min_code": 0,
            "max_code": 871506,
        },
        {
            "product": "JMessage",
            "platform": "ios",
            "sdk": "JMRTC",
            "records": 8,
            "min_code": 871001,
            "max_code": 871008,
        },
        {
            "product": "JMessage",
            "platform": "ios",
            "sdk": "JMessage",
            "records": 33,
            "min_code": 860015,
            "max_code": 869999,
        },
    ]


def test_platforms_by_code_view(database: sqlite_utils.Database) -> None:
    rows = list(
        database.query("SELECT * FROM platforms_by_code WHERE code_text IN ('0', '871001')")
    )
    assert rows == [
        {"code_text": "0", "entries": 1, "platforms": "JMessage/android/JMessage"},
        {"code_text": "871001", "entries": 1, "platforms": "JMessage/ios/JMRTC"},
    ]
    total = database.execute("SELECT SUM(entries), COUNT(*) FROM platforms_by_code").fetchone()
    assert total == (73, 73)


def test_schema_version_is_recorded(database: sqlite_utils.Database) -> None:
    assert list(database.query("SELECT value FROM meta WHERE key = 'schema_version'")) == [
        {"value": "2"}
    ]


def test_platforms_by_code_lists_every_platform_and_sdk_of_a_code(tmp_path: Path) -> None:
    folder = write_dataset(
        tmp_path / "data",
        [
            record("ios", "JMessage", 1001),
            record("android", "JMessage", 1001),
            record("ios", "JMRTC", 1001),
        ],
    )
    database = sqlite_utils.Database(folder / SQLITE_NAME)
    assert list(database.query("SELECT * FROM platforms_by_code")) == [
        {
            "code_text": "1001",
            "entries": 3,
            "platforms": "JMessage/android/JMessage, JMessage/ios/JMRTC, JMessage/ios/JMessage",
        }
    ]
    database.close()
