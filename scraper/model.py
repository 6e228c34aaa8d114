"""The record, declared once: its fields in order, their types and meaning, the key, the allowed
platforms and sdks, the schema version and the names of the files a build publishes.

Every format is derived from this module: the JSON Schema and the Data Package
(`publish.contract`), the CSV header and the SQLite columns (`publish.formats`), the fields the
diff compares (`publish.diff`) and the dataset loader's validation (`consume.dataset`).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SCHEMA_VERSION = 1

# The files of a published dataset folder.
JSON_NAME = "errorcodes.json"
CSV_NAME = "errorcodes.csv"
SQLITE_NAME = "errorcodes.sqlite"
MANIFEST_NAME = "manifest.json"
SCHEMA_NAME = "errorcodes.schema.json"
DATAPACKAGE_NAME = "datapackage.json"
DIFF_NAME = "diff.json"
CHANGELOG_NAME = "CHANGELOG.md"

PLATFORMS = ("ios", "android", "web", "windows", "server")
SDKS = ("JMessage", "JMRTC")

FieldKind = Literal["string", "integer"]  # the same words in JSON Schema and Table Schema
_FORMULA_NOTE = (
    " In the CSV, a text starting with =, +, -, @, a tab or a carriage return has a leading ' "
    "so that spreadsheets show it as text."
)


def _field(
    description: str,
    *,
    enum: tuple[str, ...] = (),
    non_empty: bool = False,
    csv_note: str = "",
    key: bool = False,
) -> Any:
    """A record field with what the published contract says about it."""
    return field(
        metadata={
            "description": description,
            "enum": enum,
            "non_empty": non_empty,
            "csv_note": csv_note,
            "key": key,
        }
    )


@dataclass(frozen=True, slots=True, order=True)
class Record:
    """One error code as one documentation page states it; ordered and keyed by the key fields."""

    platform: str = _field(
        "The platform: from the section heading when it names one, else the source's default.",
        enum=PLATFORMS,
        key=True,
    )
    sdk: str = _field(
        "JMRTC when the section heading names JMRTC, else JMessage.", enum=SDKS, key=True
    )
    code: int = _field("The error code (0 means success; may be negative).", key=True)
    message: str = _field(
        "The page's Error Message column as written there, whitespace-normalised (may be empty).",
        csv_note=_FORMULA_NOTE,
    )
    description: str = _field(
        "The page's 说明 / description column as written there, whitespace-normalised "
        "(may be empty).",
        csv_note=_FORMULA_NOTE,
    )
    section: str = _field(
        "The heading the table sits under (empty when none precedes it).", csv_note=_FORMULA_NOTE
    )
    source: str = _field("The id of the source page.", non_empty=True)
    url: str = _field("The live page, plus #<heading id> when the heading has one.")

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.platform, self.sdk, self.code)

    def as_dict(self) -> dict[str, str | int]:
        return {name: getattr(self, name) for name in RECORD_FIELDS}


@dataclass(frozen=True, slots=True)
class Field:
    """One record field as the published contract describes it."""

    name: str
    kind: FieldKind
    description: str
    enum: tuple[str, ...] = ()
    non_empty: bool = False
    csv_note: str = ""
    key: bool = False


_KINDS: dict[str, FieldKind] = {"str": "string", "int": "integer"}
FIELDS: tuple[Field, ...] = tuple(
    Field(name=item.name, kind=_KINDS[str(item.type)], **item.metadata)
    for item in dataclasses.fields(Record)
)
RECORD_FIELDS: tuple[str, ...] = tuple(item.name for item in FIELDS)
KEY_FIELDS: tuple[str, ...] = tuple(item.name for item in FIELDS if item.key)
# Every field that is not part of the key can change; compared in the dataset's field order.
VALUE_FIELDS: tuple[str, ...] = tuple(item.name for item in FIELDS if not item.key)
TEXT_FIELDS: tuple[str, ...] = tuple(item.name for item in FIELDS if item.kind == "string")
Key = tuple[str, str, int]

_CODE = re.compile(r"[+-]?\d+")
_CODE_DIGITS_MAX = 19  # codes are stored as SQLite INTEGER, a signed 64-bit number
# Characters that decorate a code cell without being part of it: zero-width spaces, the BOM,
# Markdown emphasis and backticks left literal inside raw HTML; U+2212 is a minus sign.
_CODE_NOISE = str.maketrans(
    {" ": None, "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None}
    | {"*": None, "_": None, "`": None, "\u2212": "-"}
)


def parse_code(text: str) -> int | None:
    """An integer code, possibly 0 or negative; None for anything else, or beyond 64 bits."""
    if text.isascii() and text.isdigit() and len(text) <= _CODE_DIGITS_MAX - 1:
        return int(text)  # the common case, without the costlier clean-up below
    compact = text.translate(_CODE_NOISE)
    if not _CODE.fullmatch(compact) or len(compact.lstrip("+-")) > _CODE_DIGITS_MAX:
        return None
    value = int(compact)
    return value if -(2**63) <= value < 2**63 else None


def code_problem(text: str) -> str:
    """Why `parse_code` refused a cell's text."""
    compact = text.translate(_CODE_NOISE)
    if _CODE.fullmatch(compact):
        return "code out of range (more than a signed 64-bit integer)"
    return "no integer code"


@dataclass(frozen=True, slots=True)
class Transfer:
    """How a fetched page arrived over HTTP (none for a local copy)."""

    final_url: str
    status: int
    etag: str | None
    last_modified: str | None
    fetched_at: str  # UTC, ISO 8601 to the second
    not_modified: bool  # a 304: the body is the cached one


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a parsed page's bytes came from: the first fields of its manifest entry."""

    location: str
    sha256: str
    size: int
    transfer: Transfer | None = None

    def as_entry(self) -> dict[str, object]:
        entry: dict[str, object] = {
            "location": self.location,
            "sha256": self.sha256,
            "size": self.size,
        }
        if self.transfer is not None:
            entry.update(dataclasses.asdict(self.transfer))
        return entry


@dataclass(frozen=True, slots=True)
class Source:
    """One documentation page: its live `url`, an optional local copy and a default platform."""

    id: str
    url: str
    path: Path | None
    platform: str
    enabled: bool = True
