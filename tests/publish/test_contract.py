"""The JSON Schema of errorcodes.json: published by the build, and it validates what is built."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from scraper.model import (
    FIELDS,
    JSON_NAME,
    PLATFORMS,
    RECORD_FIELDS,
    SCHEMA_NAME,
    SCHEMA_VERSION,
    SDK_OF_PRODUCT,
)
from scraper.parse.rows import sdk_for
from scraper.publish.contract import json_schema, render_schema

Document = dict[str, Any]


@pytest.fixture(scope="module")
def built(seed_build: Path) -> Path:
    """The session's build of the seed pages (read only)."""
    return seed_build


@pytest.fixture(scope="module")
def validator(built: Path) -> Draft202012Validator:
    schema = json.loads((built / SCHEMA_NAME).read_bytes())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@pytest.fixture
def document(built: Path) -> Document:
    return copy.deepcopy(json.loads((built / JSON_NAME).read_bytes()))


def test_build_publishes_the_schema_as_rendered(built: Path) -> None:
    data = (built / SCHEMA_NAME).read_bytes()
    assert data == render_schema()
    assert json.loads(data)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_built_dataset_is_valid(validator: Draft202012Validator, document: Document) -> None:
    assert len(document["records"]) == 73
    assert [error.message for error in validator.iter_errors(document)] == []


def test_schema_covers_exactly_the_record_fields_in_order() -> None:
    assert tuple(field.name for field in FIELDS) == RECORD_FIELDS
    schema: Document = json_schema()
    record = schema["$defs"]["record"]
    assert tuple(record["properties"]) == RECORD_FIELDS
    assert record["required"] == list(RECORD_FIELDS)


def test_schema_version_is_pinned_to_the_one_the_tool_writes() -> None:
    schema: Document = json_schema()
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION


@pytest.mark.parametrize("heading", ["JMRTC iOS", "JMessage Android", ""], ids=str)
def test_every_sdk_the_parser_gives_is_allowed(heading: str) -> None:
    sdk = sdk_for(heading)
    assert sdk in SDK_OF_PRODUCT["JMessage"]
    assert sdk == ("JMRTC" if "JMRTC" in heading else "JMessage")
    schema: Document = json_schema()
    assert schema["$defs"]["record"]["properties"]["sdk"]["minLength"] == 1


def test_the_sdk_of_another_product_is_the_product() -> None:
    assert sdk_for("JMRTC iOS", "JPush") == "JPush"
    assert sdk_for("", "JSMS") == "JSMS"


def _set(path: tuple[str | int, ...], value: object) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _delete(path: tuple[str | int, ...]) -> Callable[[Document], None]:
    def change(document: Document) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


BROKEN = [
    ("schema-version-1", _set(("schema_version",), 1), "$.schema_version", "const"),
    ("no-records", _delete(("records",)), "$", "required"),
    ("records-not-a-list", _set(("records",), {}), "$.records", "type"),
    ("unknown-top-level-key", _set(("generated",), "now"), "$", "additionalProperties"),
    ("code-as-text", _set(("records", 0, "code"), "871101"), "$.records[0].code", "type"),
    ("code-as-float", _set(("records", 0, "code"), 1.5), "$.records[0].code", "type"),
    ("message-missing", _delete(("records", 1, "message")), "$.records[1]", "required"),
    ("message-null", _set(("records", 1, "message"), None), "$.records[1].message", "type"),
    ("unknown-platform", _set(("records", 2, "platform"), "mac"), "$.records[2].platform", "enum"),
    ("empty-sdk", _set(("records", 2, "sdk"), ""), "$.records[2].sdk", "minLength"),
    ("empty-source", _set(("records", 3, "source"), ""), "$.records[3].source", "minLength"),
    ("extra-field", _set(("records", 4, "note"), "x"), "$.records[4]", "additionalProperties"),
    ("empty-product", _set(("records", 0, "product"), ""), "$.records[0].product", "minLength"),
    (
        "empty-code-text",
        _set(("records", 0, "code_text"), ""),
        "$.records[0].code_text",
        "minLength",
    ),
    ("occurrence-0", _set(("records", 0, "occurrence"), 0), "$.records[0].occurrence", "minimum"),
    ("extra-number", _set(("records", 0, "extra"), {"a": 1}), "$.records[0].extra.a", "type"),
    (
        "status-as-text",
        _set(("records", 0, "http_status"), "400"),
        "$.records[0].http_status",
        "type",
    ),
]


@pytest.mark.parametrize(
    ("change", "where", "keyword"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_a_broken_document_fails(
    validator: Draft202012Validator,
    document: Document,
    change: Callable[[Document], None],
    where: str,
    keyword: str,
) -> None:
    change(document)
    errors = list(validator.iter_errors(document))
    assert [(error.json_path, error.validator) for error in errors] == [(where, keyword)]


def test_platform_enum_is_the_documented_list() -> None:
    schema: Document = json_schema()
    record = schema["$defs"]["record"]
    assert record["properties"]["platform"]["enum"] == list(PLATFORMS)
