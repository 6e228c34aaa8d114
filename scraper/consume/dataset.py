"""Reading a published `errorcodes.json` back into records (previous build, diff, lookup)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from scraper.errors import DatasetError
from scraper.model import SCHEMA_VERSION, Record, record_from_mapping, record_problems, upgraded_v1
from scraper.readback import MIB, parse_json, read_regular

_PROBLEMS_SHOWN = 5
# The dataset is well under 1 MiB; a file much larger than this is not one the build wrote.
MAX_DATASET_BYTES = 64 * MIB


def load_records(path: Path) -> list[Record]:
    """The records of a dataset file; a clear DatasetError names the file and the cause."""
    return load_dataset(path)[0]


def load_dataset(path: Path) -> tuple[list[Record], str]:
    """The records of a dataset file and the sha256 of the very bytes they were read from."""
    try:
        data = read_regular(path, MAX_DATASET_BYTES)
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: dataset file not found") from exc
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read dataset: {exc.strerror or exc}") from exc
    return records_from_json(data, str(path)), hashlib.sha256(data).hexdigest()


def records_from_json(data: bytes, where: str) -> list[Record]:
    """The records of a dataset's JSON; exactly what the published JSON Schema refuses is
    refused (`scraper.model.record_problems`). Schema 1 data is read as schema 2 states it."""
    try:
        document = parse_json(data)
    except ValueError as exc:  # also UnicodeDecodeError and JSONDecodeError
        raise DatasetError(f"{where}: not a dataset (invalid JSON: {exc})") from exc
    if not isinstance(document, dict) or "records" not in document:
        raise DatasetError(f"{where}: not a dataset (expected an object with 'records')")
    version = document.get("schema_version")
    if version not in (1, SCHEMA_VERSION):
        raise DatasetError(
            f"{where}: unknown schema_version {version!r}; this tool reads version "
            f"{SCHEMA_VERSION} (and version 1, which it upgrades)"
        )
    unknown = set(document) - {"schema_version", "records"}
    if unknown:
        raise DatasetError(f"{where}: not a dataset (unknown key(s) {', '.join(sorted(unknown))})")
    rows = document["records"]
    if not isinstance(rows, list):
        raise DatasetError(f"{where}: not a dataset ('records' is not a list)")
    return [_record(row, where, index, version) for index, row in enumerate(rows)]


def _record(row: object, where: str, index: int, version: object) -> Record:
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: record {index} is not an object")
    if version == 1:
        problems = [p for p in record_problems(row) if p.startswith("unknown")]
        row = upgraded_v1(row)
        problems += record_problems(row)
    else:
        problems = record_problems(row)
    if problems:
        shown = "; ".join(problems[:_PROBLEMS_SHOWN])
        more = f"; and {len(problems) - _PROBLEMS_SHOWN} more" if len(problems) > 5 else ""
        raise DatasetError(f"{where}: record {index} breaks the schema: {shown}{more}")
    return record_from_mapping(row)
