"""Reading a published `errorcodes.json` back into records (previous build, diff, lookup)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from scraper.errors import DatasetError
from scraper.model import RECORD_FIELDS, SCHEMA_VERSION, TEXT_FIELDS, Record
from scraper.readback import MIB, parse_json, read_regular

_TEXT_FIELDS = TEXT_FIELDS
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
    try:
        document = parse_json(data)
    except ValueError as exc:  # also UnicodeDecodeError and JSONDecodeError
        raise DatasetError(f"{where}: not a dataset (invalid JSON: {exc})") from exc
    if not isinstance(document, dict) or "records" not in document:
        raise DatasetError(f"{where}: not a dataset (expected an object with 'records')")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise DatasetError(
            f"{where}: unknown schema_version {version!r}; this tool reads version {SCHEMA_VERSION}"
        )
    rows = document["records"]
    if not isinstance(rows, list):
        raise DatasetError(f"{where}: not a dataset ('records' is not a list)")
    return [_record(row, where, index) for index, row in enumerate(rows)]


def _record(row: object, where: str, index: int) -> Record:
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: record {index} is not an object")
    code = row.get("code")
    texts = [row.get(name) for name in _TEXT_FIELDS]
    if (
        not isinstance(code, int)
        or isinstance(code, bool)
        or not all(isinstance(text, str) for text in texts)
    ):
        raise DatasetError(f"{where}: record {index} lacks a field or has a wrong type")
    values = {name: row[name] for name in RECORD_FIELDS}
    return Record(**values)
