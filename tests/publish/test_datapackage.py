"""The Frictionless Data Package: `frictionless validate` passes on a real build, and catches
a CSV that breaks its Table Schema; the descriptor is deterministic."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from frictionless import validate

from scraper.model import (
    CSV_NAME,
    DATAPACKAGE_NAME,
    JSON_NAME,
    MANIFEST_NAME,
    RECORD_FIELDS,
    SCHEMA_NAME,
    SCHEMA_VERSION,
    SQLITE_NAME,
)
from scraper.sources.catalog import SEED_SOURCES as BUILTIN_SOURCES
from tests.conftest import snapshot
from tests.datasets import build_seeds


@pytest.fixture(scope="module")
def built(seed_build: Path) -> Path:
    """The session's build of the seed pages (read only)."""
    return seed_build


@pytest.fixture
def package(built: Path) -> dict[str, Any]:
    descriptor: dict[str, Any] = json.loads((built / DATAPACKAGE_NAME).read_bytes())
    return descriptor


@pytest.fixture
def copy_of_build(built: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "copy"
    shutil.copytree(built, folder)
    return folder


def test_frictionless_validate_passes_on_a_real_build(built: Path) -> None:
    report = validate(built / DATAPACKAGE_NAME)
    assert report.flatten(["type", "note"]) == []
    assert report.valid
    assert {task.name: task.stats.get("rows") for task in report.tasks} == {
        "errorcodes": 73,
        "errorcodes-json": 73,
    }


def _csv_replace(folder: Path, old: bytes, new: bytes) -> None:
    path = folder / CSV_NAME
    data = path.read_bytes()
    assert data.count(old) == 1
    path.write_bytes(data.replace(old, new))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            b"android,JMessage,871101,871101,",
            b"android,JMessage,871102,871102,",
            (4, "primary-key", "the same as in the row at position 3"),
        ),
        (b"android,JMessage,871101,", b"android,JMessage,8711O1,", (3, "type-error", "integer")),
        (b"android,JMessage,871101,", b"mac,JMessage,871101,", (3, "constraint-error", "enum")),
        # Schema 2 names no list of SDKs (each product has its own), but one must be given.
        (b"android,JMessage,871101,", b"android,,871101,", (3, "constraint-error", "minLength")),
        (b",871101,871101,1,", b",871101,871101,0,", (3, "constraint-error", "minimum")),
    ],
    ids=["duplicate-key", "code-not-integer", "unknown-platform", "empty-sdk", "occurrence-0"],
)
def test_frictionless_validate_catches_a_broken_csv(
    copy_of_build: Path, old: bytes, new: bytes, expected: tuple[int, str, str]
) -> None:
    _csv_replace(copy_of_build, old, new)
    report = validate(copy_of_build / DATAPACKAGE_NAME)
    assert not report.valid
    errors = report.flatten(["rowNumber", "type", "note"])
    integrity = {"hash-count", "byte-count"}
    found = [(row, kind, note) for row, kind, note in errors if kind not in integrity]
    assert [(row, kind) for row, kind, _note in found] == [expected[:2]]
    assert expected[2] in found[0][2]
    # The descriptor also pins the file's digest, so any edit at all is reported.
    assert any(kind == "hash-count" for _row, kind, _note in errors)


def test_the_csv_resource_describes_the_csv_as_written(package: dict[str, Any]) -> None:
    csv_resource = package["resources"][0]
    assert csv_resource["path"] == CSV_NAME
    assert csv_resource["encoding"] == "utf-8"
    assert csv_resource["dialect"]["lineTerminator"] == "\r\n"
    schema = csv_resource["schema"]
    assert [field["name"] for field in schema["fields"]] == list(RECORD_FIELDS)
    assert schema["primaryKey"] == ["source", "platform", "sdk", "code_text", "occurrence"]
    # Every field is required but the two numbers a page may not give (an empty cell).
    required = {field["name"]: field["constraints"]["required"] for field in schema["fields"]}
    assert [name for name, needed in required.items() if not needed] == ["code", "http_status"]
    assert {field["name"]: field["type"] for field in schema["fields"]}["code"] == "integer"


def test_version_license_and_sources(built: Path, package: dict[str, Any]) -> None:
    digest = hashlib.sha256((built / JSON_NAME).read_bytes()).hexdigest()
    assert package["version"] == f"{SCHEMA_VERSION}.0.0+{digest[:12]}"
    # The texts are JiGuang's: no license is claimed for them, MIT or any other.
    assert [sorted(terms) for terms in package["licenses"]] == [["path", "title"]]
    assert package["licenses"][0]["title"].startswith("Not licensed by this project")
    assert "MIT" not in json.dumps(package["licenses"])
    assert [source["path"] for source in package["sources"]] == [
        source.url for source in BUILTIN_SOURCES
    ]
    assert package["resources"][1]["hash"] == f"sha256:{digest}"


def test_the_manifest_lists_the_contract_files(built: Path) -> None:
    exports = json.loads((built / MANIFEST_NAME).read_bytes())["exports"]
    for name in (SCHEMA_NAME, DATAPACKAGE_NAME):
        data = (built / name).read_bytes()
        assert exports[name] == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def test_an_unchanged_build_writes_nothing_again(copy_of_build: Path) -> None:
    before = snapshot(copy_of_build)
    result = build_seeds(copy_of_build)
    assert not result.changed
    assert snapshot(copy_of_build) == before


def test_two_builds_give_the_same_descriptor_and_schema(tmp_path: Path) -> None:
    # At the same time, as SOURCE_DATE_EPOCH pins it: `created` is the build's time.
    now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    build_seeds(tmp_path / "one", now)
    build_seeds(tmp_path / "other", now)
    for name in (DATAPACKAGE_NAME, SCHEMA_NAME):
        assert (tmp_path / "other" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()


def test_a_missing_contract_file_is_published_again(copy_of_build: Path) -> None:
    (copy_of_build / DATAPACKAGE_NAME).unlink()
    result = build_seeds(copy_of_build)
    assert result.changed
    assert DATAPACKAGE_NAME in result.written
    assert validate(copy_of_build / DATAPACKAGE_NAME).valid


def test_created_is_when_the_data_last_changed(built: Path, package: dict[str, Any]) -> None:
    connection = sqlite3.connect(built / SQLITE_NAME)
    try:
        (time,) = connection.execute("SELECT time FROM runs ORDER BY id DESC").fetchone()
    finally:
        connection.close()
    assert package["created"] == time


def test_a_build_with_the_same_data_keeps_created(copy_of_build: Path) -> None:
    before = json.loads((copy_of_build / DATAPACKAGE_NAME).read_bytes())["created"]
    (copy_of_build / DATAPACKAGE_NAME).unlink()  # so that the build writes the descriptor again
    assert build_seeds(copy_of_build).changed
    assert json.loads((copy_of_build / DATAPACKAGE_NAME).read_bytes())["created"] == before
