"""The dataset loader refuses exactly what the published JSON Schema refuses: both run over
the same records, good and bad (the model's declaration is the one runtime contract)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from scraper.consume.dataset import records_from_json
from scraper.errors import DatasetError
from scraper.model import SCHEMA_VERSION
from scraper.publish.contract import json_schema
from tests.datasets import record

GOOD = record(code=863004, message="Not logged in", description="未登录").as_dict()


def variant(**changes: Any) -> dict[str, Any]:
    row = dict(GOOD)
    for name, value in changes.items():
        if value is KeyError:
            del row[name]
        else:
            row[name] = value
    return row


CASES = [
    ("good", GOOD),
    ("another product", variant(product="AnotherVendor", sdk="AnotherVendor")),
    ("a code written as a word", variant(code=None, code_text="黑名单")),
    ("an http status and extra cells", variant(http_status=403, extra={"版本": "3.0"})),
    ("platform mars", variant(platform="mars")),
    ("empty source", variant(source="")),
    ("empty product", variant(product="")),
    ("empty code_text", variant(code_text="")),
    ("occurrence 0", variant(occurrence=0)),
    ("an unknown key", variant(colour="red")),
    ("a missing field", variant(section=KeyError)),
    ("a text code", variant(code="863004")),
    ("a boolean code", variant(code=True)),
    ("a number in extra", variant(extra={"版本": 3})),
    ("http_status as text", variant(http_status="403")),
    ("a null message", variant(message=None)),
]


@pytest.mark.parametrize(("case", "row"), CASES, ids=[case for case, _ in CASES])
def test_the_loader_and_the_schema_agree(case: str, row: dict[str, Any]) -> None:
    document = {"schema_version": SCHEMA_VERSION, "records": [row]}
    schema_accepts = jsonschema.Draft202012Validator(json_schema()).is_valid(document)
    try:
        records_from_json(json.dumps(document, ensure_ascii=False).encode("utf-8"), "test")
    except DatasetError:
        loader_accepts = False
    else:
        loader_accepts = True
    assert loader_accepts == schema_accepts
    assert schema_accepts == (
        case
        in ("good", "another product", "a code written as a word", "an http status and extra cells")
    )
