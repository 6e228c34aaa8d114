"""The record, declared once: its fields in order, their types and meaning, the key, the allowed
platforms and sdks, the schema version and the names of the files a build publishes.

Every format is derived from this module: the JSON Schema and the Data Package
(`publish.contract`), the CSV header and the SQLite columns (`publish.formats`), the fields the
diff compares (`publish.diff`) and the dataset loader's validation (`consume.dataset`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

SCHEMA_VERSION = 2

# The files of a published dataset folder.
JSON_NAME = "errorcodes.json"
CSV_NAME = "errorcodes.csv"
SQLITE_NAME = "errorcodes.sqlite"
MANIFEST_NAME = "manifest.json"
SCHEMA_NAME = "errorcodes.schema.json"
DATAPACKAGE_NAME = "datapackage.json"
DIFF_NAME = "diff.json"
CHANGELOG_NAME = "CHANGELOG.md"
# The SQLite table of the records and its full-text index.
TABLE_NAME = "error_codes"
SEARCH_TABLE_NAME = f"{TABLE_NAME}_fts"

# "quickapp" is JAnalytics' QuickApp SDK; "device" JIoT's C SDK on a device; "client" a page
# that covers every client SDK of its product at once (JShare's guideline).
PLATFORMS = ("ios", "android", "web", "windows", "server", "quickapp", "device", "client")
# JiGuang's products; a source may name another (another vendor's page), so this is not an
# enum of the schema, only what the built-in catalog holds.
PRODUCTS = ("JMessage", "JPush", "JSMS", "JShare", "JVerification", "JAnalytics", "JIoT")
# JMRTC is JMessage's audio and video SDK: its codes sit on JMessage's pages.
SDK_OF_PRODUCT = {"JMessage": ("JMessage", "JMRTC")}

FieldKind = Literal["string", "integer", "object"]  # the same words in JSON Schema, Table Schema
_FORMULA_NOTE = (
    " In the CSV, a text starting with =, +, -, @, a tab or a carriage return has a leading ' "
    "so that spreadsheets show it as text."
)
_EXTRA_CSV_NOTE = " In the CSV and SQLite, a JSON object as text (`{}` when empty)."
_NULL_CSV_NOTE = " In the CSV, an empty cell when null."


def _field(
    description: str,
    *,
    enum: tuple[str, ...] = (),
    non_empty: bool = False,
    nullable: bool = False,
    minimum: int | None = None,
    csv_note: str = "",
    key: int = 0,
    default: object = dataclasses.MISSING,
) -> Any:
    """A record field with what the published contract says about it."""
    metadata = {
        "description": description,
        "enum": enum,
        "non_empty": non_empty,
        "nullable": nullable,
        "minimum": minimum,
        "csv_note": csv_note,
        "key": key,
    }
    if isinstance(default, dict):
        # Left out of the hash (a dict has none); equality still compares it.
        return field(default_factory=dict, hash=False, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True, slots=True)
class Record:
    """One error code as one documentation page states it, in one row (or list item).

    The key is (source, platform, sdk, code_text, occurrence): a code listed twice on a page
    gives two records, numbered by `occurrence` in page order. Records sort by `order`.
    """

    product: str = _field(
        "The JiGuang product the page documents (JMessage, JPush, JSMS, JShare, JVerification, "
        "JAnalytics, JIoT), or the name a sources file gave another vendor's page.",
        non_empty=True,
    )
    platform: str = _field(
        "The platform: from the section heading when it names one, else the source's default.",
        enum=PLATFORMS,
        key=2,
    )
    sdk: str = _field(
        "The SDK: JMRTC when a JMessage page's section heading names JMRTC, else the product.",
        non_empty=True,
        key=3,
    )
    code: int | None = _field(
        "The code as an integer when the page writes a number (decimal, possibly 0 or "
        "negative, or hexadecimal such as 0xFFFFFFFF); null for a code that is a word.",
        nullable=True,
        csv_note=_NULL_CSV_NOTE,
    )
    code_text: str = _field(
        "The code as the page writes it (50000, 0x00000000, 黑名单).",
        non_empty=True,
        key=4,
        csv_note=_FORMULA_NOTE,
    )
    occurrence: int = _field(
        "1 for the first row of this code in its source (per platform and sdk), 2 for the "
        "next, and so on in page order: a page may list one code on several rows.",
        minimum=1,
        key=5,
    )
    name: str = _field(
        "The symbolic name of the code (JIOT_ERR_AUTH_ERR, kJMSGErrorSDK...), may be empty.",
        csv_note=_FORMULA_NOTE,
        default="",
    )
    message: str = _field(
        "The page's message column (Error Message, message, content, 提示信息) as written there, "
        "whitespace-normalised (may be empty).",
        csv_note=_FORMULA_NOTE,
        default="",
    )
    description: str = _field(
        "The page's 说明 / 描述 / description column as written there, whitespace-normalised "
        "(may be empty).",
        csv_note=_FORMULA_NOTE,
        default="",
    )
    detail: str = _field(
        "The page's 详细解释 / 备注 / detailed explanation / remarks column, whitespace-normalised "
        "(may be empty).",
        csv_note=_FORMULA_NOTE,
        default="",
    )
    advice: str = _field(
        "The page's 操作建议 / advice column, whitespace-normalised (may be empty).",
        csv_note=_FORMULA_NOTE,
        default="",
    )
    http_status: int | None = _field(
        "The HTTP status the page gives beside the code (HTTP, HTTP Status Code, HTTP CODE "
        "columns); null when the page gives none.",
        nullable=True,
        csv_note=_NULL_CSV_NOTE,
        default=None,
    )
    extra: dict[str, str] = _field(  # noqa: RUF009 - _field gives a default_factory
        "Every other non-empty cell of the row, under its column's header text (`column N` "
        "for a cell beyond the header): no cell of a code row is dropped.",
        csv_note=_EXTRA_CSV_NOTE,
        default={},
    )
    section: str = _field(
        "The heading the table sits under (empty when none precedes it).",
        csv_note=_FORMULA_NOTE,
        default="",
    )
    source: str = _field("The id of the source page.", non_empty=True, key=1, default="")
    url: str = _field("The live page, plus #<heading id> when the heading has one.", default="")

    @property
    def key(self) -> Key:
        return (self.source, self.platform, self.sdk, self.code_text, self.occurrence)

    @property
    def order(self) -> tuple[str, str, str, bool, int, str, int]:
        """Records sort by source, platform and sdk, then numerically by code."""
        number = self.code if self.code is not None else 0
        return (
            self.source,
            self.platform,
            self.sdk,
            self.code is None,
            number,
            self.code_text,
            self.occurrence,
        )

    def as_dict(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in RECORD_FIELDS}


@dataclass(frozen=True, slots=True)
class Field:
    """One record field as the published contract describes it."""

    name: str
    kind: FieldKind
    description: str
    enum: tuple[str, ...] = ()
    non_empty: bool = False
    nullable: bool = False
    minimum: int | None = None
    csv_note: str = ""
    key: int = 0  # its place in the key, from 1; 0 for a field outside the key

    def problem(self, value: object) -> str | None:
        """Why `value` is not allowed in this field (the JSON Schema's rules); None when it is."""
        if value is None:
            return None if self.nullable else "is null"
        if self.kind == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                return "is not an integer"
            if self.minimum is not None and value < self.minimum:
                return f"is less than {self.minimum}"
            return None
        if self.kind == "object":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                return "is not an object of texts"
            return None
        if not isinstance(value, str):
            return "is not a text"
        if self.non_empty and not value:
            return "is empty"
        if self.enum and value not in self.enum:
            return f"is {value!r}, not one of {', '.join(self.enum)}"
        return None


_KINDS: dict[str, FieldKind] = {
    "str": "string",
    "int": "integer",
    "int | None": "integer",
    "dict[str, str]": "object",
}
FIELDS: tuple[Field, ...] = tuple(
    Field(name=item.name, kind=_KINDS[str(item.type)], **item.metadata)
    for item in dataclasses.fields(Record)
)
FIELD_BY_NAME: dict[str, Field] = {item.name: item for item in FIELDS}
FIELD_DEFAULTS: dict[str, object] = {
    item.name: ({} if item.default_factory is dict else item.default)
    for item in dataclasses.fields(Record)
}
RECORD_FIELDS: tuple[str, ...] = tuple(item.name for item in FIELDS)
KEY_FIELDS: tuple[str, ...] = tuple(
    item.name for item in sorted((item for item in FIELDS if item.key), key=lambda f: f.key)
)
# Every field that is not part of the key can change; compared in the dataset's field order.
VALUE_FIELDS: tuple[str, ...] = tuple(name for name in RECORD_FIELDS if name not in KEY_FIELDS)
TEXT_FIELDS: tuple[str, ...] = tuple(item.name for item in FIELDS if item.kind == "string")
Key = tuple[str, str, str, str, int]
# Schema 1 had no product and keyed a record by (platform, sdk, code); its built-in sources
# were JMessage's pages, with these ids. Reading schema 1 data (the previous dataset, its
# history) gives each record product JMessage, its code as text, occurrence 1 and the source's
# id of today.
V1_SOURCE_IDS = {"ios": "jmessage-ios", "android": "jmessage-android"}
V1_SOURCE_IDS |= {"server": "jmessage-server", "js": "jmessage-web"}
V1_SOURCE_BY_PLATFORM = {"ios": "jmessage-ios", "android": "jmessage-android"}
V1_SOURCE_BY_PLATFORM |= {"server": "jmessage-server", "web": "jmessage-web"}


def key_label(key: Key) -> str:
    """The one way a key is written for people: source/platform/sdk/code, then (n) for the
    n-th row of a code listed more than once."""
    source, platform, sdk, code_text, occurrence = key
    repeat = f" ({occurrence})" if occurrence > 1 else ""
    return f"{source}/{platform}/{sdk}/{code_text}{repeat}"


def record_problems(row: Mapping[str, object]) -> list[str]:
    """Why a mapping is not a record of this schema version (the JSON Schema's rules, one
    line each, the unknown and missing fields first); empty when it is one."""
    problems = [f"unknown field {name!r}" for name in row if name not in FIELD_BY_NAME]
    problems += [f"missing field {name!r}" for name in RECORD_FIELDS if name not in row]
    for name in RECORD_FIELDS:
        if name in row and (problem := FIELD_BY_NAME[name].problem(row[name])) is not None:
            problems.append(f"{name} {problem}")
    return problems


# The fields schema 2 added, with defaults; schema 1's own fields are required as they were.
_NEW_IN_V2 = ("name", "detail", "advice", "http_status", "extra")


def upgraded_v1(row: Mapping[str, object]) -> dict[str, object]:
    """A schema 1 record as schema 2 states it (see `V1_SOURCE_IDS`); other fields empty."""
    upgraded: dict[str, object] = {name: FIELD_DEFAULTS[name] for name in _NEW_IN_V2}
    upgraded.update(row)
    source = row.get("source")
    if isinstance(source, str):
        upgraded["source"] = V1_SOURCE_IDS.get(source, source)
    upgraded["product"] = "JMessage"
    code = row.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        upgraded["code_text"] = str(code)
    upgraded["occurrence"] = 1
    return upgraded


def record_from_mapping(row: Mapping[str, object]) -> Record:
    """A record from a mapping that `record_problems` found nothing wrong with."""
    values: dict[str, Any] = {name: row[name] for name in RECORD_FIELDS}
    return Record(**values)


_CODE = re.compile(r"[+-]?\d+")
_HEX_CODE = re.compile(r"[+-]?0[xX][0-9A-Fa-f]+")
_CODE_DIGITS_MAX = 19  # codes are stored as SQLite INTEGER, a signed 64-bit number
_CODE_TEXT_MAX = 64  # with decoration (`**-0x00000000**`, zero-width spaces) to spare
_HEX_DIGITS_MAX = 16
# Characters that decorate a code cell without being part of it: zero-width spaces, the BOM,
# Markdown emphasis and backticks left literal inside raw HTML; U+2212 is a minus sign.
_CODE_NOISE = str.maketrans(
    {" ": None, "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None}
    | {"*": None, "`": None, "\u2212": "-"}
)


def code_text_of(text: str) -> str:
    """A code cell's text without what decorates it (emphasis, backticks, zero-width spaces)."""
    return text.translate(_CODE_NOISE) if _CODE_NOISE_CHARS.intersection(text) else text


_CODE_NOISE_CHARS = frozenset(" \u200b\u200c\u200d\u2060\ufeff*`\u2212")


def parse_code(text: str) -> int | None:
    """An integer code (decimal, possibly 0 or negative, or hexadecimal such as 0xFFFFFFFF);
    None for anything else, or beyond 64 bits."""
    if len(text) > _CODE_TEXT_MAX:
        return None  # no code is this long: a long cell is not scanned, however many there are
    if text.isascii() and text.isdigit() and len(text) <= _CODE_DIGITS_MAX - 1:
        return int(text)  # the common case, without the costlier clean-up below
    compact = text.translate(_CODE_NOISE).replace("_", "")
    if _HEX_CODE.fullmatch(compact):
        digits = compact.lstrip("+-")[2:]
        if len(digits.lstrip("0")) > _HEX_DIGITS_MAX:
            return None
        value = int(compact, 16)
    elif _CODE.fullmatch(compact) and len(compact.lstrip("+-")) <= _CODE_DIGITS_MAX:
        value = int(compact)
    else:
        return None
    return value if -(2**63) <= value < 2**63 else None


def code_problem(text: str) -> str:
    """Why `parse_code` refused a cell's text."""
    if not text:
        return "no code"
    compact = text.translate(_CODE_NOISE).replace("_", "")
    if _CODE.fullmatch(compact) or _HEX_CODE.fullmatch(compact):
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


# The column roles of an error-code table, beside the code: each has a field of its own.
ROLES = ("code", "name", "message", "description", "detail", "advice", "http_status")


@dataclass(frozen=True, slots=True)
class Source:
    """One documentation page: its live `url`, an optional local copy, its product and default
    platform; `columns` names the header of a role's column where the rules read a page wrong."""

    id: str
    url: str
    path: Path | None
    platform: str
    enabled: bool = True
    product: str = "JMessage"
    columns: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (role, header texts), ROLES order
    note: str = ""  # why the entry needs what it has (a catalog entry's `note`)
