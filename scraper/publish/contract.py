"""The dataset's published contract: a JSON Schema of errorcodes.json and a Data Package.

Both are built from one list of fields, so the JSON Schema (for consumers of the JSON) and the
Frictionless Table Schema (for the CSV, and for the JSON read as a table) cannot disagree. Both
are deterministic: the same records give the same bytes, so an unchanged build writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from scraper.about import PROJECT_URL, RAW_URL, RELEASE_TAG
from scraper.model import (
    CSV_NAME,
    DATAPACKAGE_NAME,
    FIELDS,
    JSON_NAME,
    KEY_FIELDS,
    SCHEMA_NAME,
    SCHEMA_VERSION,
    Field,
    Source,
)
from scraper.publish.formats import dump_json

SCHEMA_ID = f"{RAW_URL}/{RELEASE_TAG}/output/{SCHEMA_NAME}"  # a release's schema, not main's
_DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
# The texts are JiGuang's: this project cannot license them, so the data package names where
# they come from instead of a license (the tool's own code is MIT, see LICENSE).
DATA_TERMS = {
    "path": "https://docs.jiguang.cn/",
    "title": (
        "Not licensed by this project: the message and description texts are quoted from "
        "JiGuang's documentation pages (see sources) and remain under JiGuang's terms"
    ),
}


def dataset_version(json_bytes: bytes) -> str:
    """`SCHEMA_VERSION.0.0+<12 hex digits of the JSON's sha256>`: equal data, equal version."""
    return f"{SCHEMA_VERSION}.0.0+{hashlib.sha256(json_bytes).hexdigest()[:12]}"


def json_schema() -> dict[str, object]:
    """JSON Schema (draft 2020-12) of errorcodes.json at this SCHEMA_VERSION."""
    record: dict[str, object] = {
        "type": "object",
        "description": (
            "One error code as one documentation page states it. The key is (source, platform, "
            "sdk, code_text, occurrence): no two records share it. Records are sorted by "
            "source, platform, sdk, then numerically by code."
        ),
        "required": [field.name for field in FIELDS],
        "additionalProperties": False,
        "properties": {field.name: _json_property(field) for field in FIELDS},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "JiGuang error codes",
        "description": (
            "errorcodes.json: the error codes of JiGuang's SDKs and REST APIs (JMessage, JPush, "
            "JSMS, JShare, JVerification, JAnalytics, JIoT), taken from their documentation "
            "pages. schema_version changes on every breaking change."
        ),
        "type": "object",
        "required": ["schema_version", "records"],
        "additionalProperties": False,
        "properties": {
            "schema_version": {
                "description": "The version of this layout; readers should refuse any other.",
                "const": SCHEMA_VERSION,
            },
            "records": {"type": "array", "items": {"$ref": "#/$defs/record"}},
        },
        "$defs": {"record": record},
    }


def _json_property(field: Field) -> dict[str, object]:
    kind: object = [field.kind, "null"] if field.nullable else field.kind
    prop: dict[str, object] = {"type": kind, "description": field.description}
    if field.enum:
        prop["enum"] = list(field.enum)
    if field.non_empty:
        prop["minLength"] = 1
    if field.minimum is not None:
        prop["minimum"] = field.minimum
    if field.kind == "object":
        prop["additionalProperties"] = {"type": "string"}
    return prop


def table_schema(*, csv: bool) -> dict[str, object]:
    """Frictionless Table Schema of the records; `csv` adds the CSV's formula-quoting note."""
    return {
        "fields": [_table_field(field, csv=csv) for field in FIELDS],
        # An empty cell is an empty text, never a missing value, except in a nullable number.
        "missingValues": [],
        "primaryKey": list(KEY_FIELDS),
    }


def _table_field(field: Field, *, csv: bool) -> dict[str, object]:
    constraints: dict[str, object] = {"required": not field.nullable}
    if field.enum:
        constraints["enum"] = list(field.enum)
    if field.non_empty:
        constraints["minLength"] = 1
    if field.minimum is not None:
        constraints["minimum"] = field.minimum
    description = field.description + (field.csv_note if csv else "")
    described: dict[str, object] = {
        "name": field.name,
        "type": field.kind,
        "description": description,
        "constraints": constraints,
    }
    if field.nullable:
        described["missingValues"] = [""] if csv else []
    return described


def datapackage(
    sources: Iterable[Source], files: Mapping[str, bytes], *, updated: datetime | None = None
) -> dict[str, object]:
    """Frictionless Data Package (v2) describing errorcodes.csv and errorcodes.json.

    `files` holds the bytes of both exports: each resource carries their sha256 and size, so
    `frictionless validate` also proves the files are the ones this descriptor was built for.
    The version's major number is SCHEMA_VERSION; its build metadata identifies the data.
    `updated`, the time of the build that last changed the data, becomes `created`.
    """
    json_bytes = files[JSON_NAME]
    created = {"created": updated.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")} if updated else {}
    return {
        "$schema": _DATAPACKAGE_PROFILE,
        "name": "jiguang-errorcodes",
        "title": "JiGuang error codes",
        "description": (
            "Error codes of JiGuang's SDKs and REST APIs (JMessage, JPush, JSMS, JShare, "
            "JVerification, JAnalytics, JIoT) with every text their pages give, one record per "
            "code row (source, platform, sdk, code_text, occurrence). "
            f"{SCHEMA_NAME} is the JSON Schema of {JSON_NAME}. The texts are quoted from the "
            "documentation pages listed in sources, and remain JiGuang's: this project grants no "
            "license to them (the tool that builds the dataset is MIT-licensed)."
        ),
        "version": dataset_version(json_bytes),
        **created,
        "homepage": PROJECT_URL,
        "keywords": ["jiguang", "jpush", "jmessage", "jsms", "error codes", "sdk", "rest api"],
        "licenses": [dict(DATA_TERMS)],
        "sources": [_source_entry(source) for source in sources],
        "resources": [
            {
                "name": "errorcodes",
                "type": "table",
                "path": CSV_NAME,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                **_integrity(files[CSV_NAME]),
                "dialect": {
                    "header": True,
                    "delimiter": ",",
                    "lineTerminator": "\r\n",
                    "quoteChar": '"',
                    "doubleQuote": True,
                },
                "schema": table_schema(csv=True),
            },
            {
                "name": "errorcodes-json",
                "type": "table",
                "path": JSON_NAME,
                "format": "json",
                "mediatype": "application/json",
                "encoding": "utf-8",
                # No "bytes": frictionless-py 5 does not count the bytes its JSON reader reads,
                # so it would report a byte-count error for a correct file.
                "hash": _integrity(json_bytes)["hash"],
                # `property`/`itemType` are the Table Dialect 2.0 words; `json` is the same
                # for frictionless-py 5, which does not read the 2.0 words for JSON yet.
                "dialect": {
                    "property": "records",
                    "itemType": "object",
                    "json": {"property": "records", "keyed": True},
                },
                "schema": table_schema(csv=False),
            },
        ],
    }


def _source_entry(source: Source) -> dict[str, str]:
    entry = {"title": f"{source.product} error codes: {source.id} page"}
    if source.url:
        entry["path"] = source.url
    return entry


def _integrity(data: bytes) -> dict[str, object]:
    return {"hash": f"sha256:{hashlib.sha256(data).hexdigest()}", "bytes": len(data)}


def render_schema() -> bytes:
    return dump_json(json_schema())


def render_datapackage(
    sources: Iterable[Source], files: Mapping[str, bytes], *, updated: datetime | None = None
) -> bytes:
    return dump_json(datapackage(sources, files, updated=updated))


def contract_files(
    sources: Iterable[Source], files: Mapping[str, bytes], *, updated: datetime | None = None
) -> dict[str, bytes]:
    """The schema and data package files published beside the exports in `files`."""
    return {
        SCHEMA_NAME: render_schema(),
        DATAPACKAGE_NAME: render_datapackage(sources, files, updated=updated),
    }
