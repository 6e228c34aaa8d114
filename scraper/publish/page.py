"""`index.html`: one self-contained page to look error codes up, in a browser, offline.

Without JavaScript the page is a plain table of every record. With it, a search box filters
the rows as one types (a code or the first digits of one, or any part of a message or a
description, so two-character Chinese words match, and a declared variant spelling finds the
others), beside a filter for each of `FILTER_FIELDS`; `index.html#871302` shows that code's
entries highlighted; the search is kept in the address (`#q=登录&platform=ios`); an empty
result says what would find it, as the lookup command does. The CSS and the script
(`assets/lookup.css`, `assets/lookup.js`) are inline and a Content-Security-Policy allows
nothing else: the page never asks any host for anything.

The columns, the row order, the filters and the fields the search reads are declared below
once, by the model's field names, and handed to the script as data: a new column or a new
filter is one line here.

Every page-derived text goes through `html.escape`, and the data the script reads is embedded
as JSON in a `<script type="application/json">` block with `<`, `>` and `&` written as
`\\u003c`, `\\u003e` and `\\u0026`, so no cell can close the block or start markup. The same
records, sources and date always give the same bytes.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from importlib.resources import files
from itertools import groupby

from scraper.consume.lookup import OPT_IN_SOURCES
from scraper.model import (
    CSV_NAME,
    DATAPACKAGE_NAME,
    FIELDS,
    JSON_NAME,
    KEY_FIELDS,
    MANIFEST_NAME,
    SQLITE_NAME,
    Record,
)
from scraper.variants import VARIANT_GROUPS

PAGE_NAME = "index.html"
TITLE = "JiGuang error codes"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SCRIPT_JSON_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the table: the record field it shows, its header, and the label of its
    cells on a narrow screen (where each entry is a block of labelled lines) if shorter."""

    field: str
    header: str
    label: str = ""

    @property
    def cell_label(self) -> str:
        return self.label or self.header


# The table, left to right; `section` shows as a link to the record's url.
COLUMNS: tuple[Column, ...] = (
    Column("code", "Code"),
    Column("product", "Product"),
    Column("platform", "Platform"),
    Column("sdk", "SDK"),
    Column("message", "Message"),
    Column("description", "说明 / Description", "说明"),
    Column("detail", "Details"),
    Column("section", "Documentation"),
)
# A filter per field: a <select> of the values the model declares, labelled with the field's
# column header, its first choice (this text) showing every value. The address names it by
# the field's name (`#platform=ios`).
FILTERS: dict[str, str] = {
    "product": "All products",
    "platform": "All platforms",
    "sdk": "All SDKs",
}
# The fields the search box reads, besides the code (which matches by its first digits).
# Datasette's `search` query reads the same ones.
SEARCHED_FIELDS: tuple[str, ...] = ("name", "message", "description", "detail", "advice")
# Rows by code, then by the rest of the key, so that a code's entries sit together; the code
# as the page writes it first, so that the entries of one spelling (`0`, `0x00000000`) are one
# run of rows, under one tbody of that id.
ROW_ORDER: tuple[str, ...] = (
    "code",
    "code_text",
    *(name for name in KEY_FIELDS if name != "code_text"),
)
# Shown in the Details column, each as a labelled line when the record has it.
DETAIL_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("detail", "详细解释 / Detail"),
    ("advice", "操作建议 / Advice"),
    ("http_status", "HTTP status"),
)
# What the script reads of each record, in this order, after its row's id.
SCRIPT_FIELDS: tuple[str, ...] = tuple(dict.fromkeys((*ROW_ORDER, *FILTERS, *SEARCHED_FIELDS)))
_ASSETS = files("scraper.publish") / "assets"


@dataclass(frozen=True, slots=True)
class PageSource:
    """A documentation page the dataset was built from: its source id and live url.

    Where each copy was read and its sha256 stay in `manifest.json`: they change with every
    reformatting of a page, and a build whose data did not change must not rewrite this page.
    """

    id: str
    url: str


def page_sources(entries: Iterable[Mapping[str, object]]) -> list[PageSource]:
    """The sources named by the manifest's source entries."""
    return [
        PageSource(str(entry.get("id") or ""), str(entry.get("url") or "")) for entry in entries
    ]


def row_id(record: Record) -> str:
    """The anchor of one entry, unique as it spells the key: `jmessage-android-jmessage-871302`
    (source, then sdk when it is not the source's product, then code), `-2` for a repeat."""
    sdk = "" if record.sdk == record.product else f"-{record.sdk.lower()}"
    repeat = f"-{record.occurrence}" if record.occurrence > 1 else ""
    platform = "" if record.source.endswith(record.platform) else f"-{record.platform}"
    return f"{record.source}{platform}{sdk}-{record.code_text}{repeat}"


def render_page(
    records: Sequence[Record],
    sources: Sequence[PageSource],
    *,
    version: str,
    updated: datetime | None,
) -> bytes:
    """The lookup page of these records, built from `sources`, data last changed `updated`."""
    ordered = sorted(records, key=_row_order)
    style, script = _asset("lookup.css"), _asset("lookup.js")
    csp = (
        "default-src 'none'; "
        f"style-src '{_csp_hash(style)}'; script-src '{_csp_hash(script)}'; "
        "img-src 'none'; form-action 'none'; base-uri 'none'"
    )
    parts = [
        "<!doctype html>\n",
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n',
        '<meta name="referrer" content="no-referrer">\n',
        f"<title>{TITLE}</title>\n<style>{style}</style>\n</head>\n<body>\n",
        _header(records, sources, version, updated),
        "<main>\n",
        _filters(records),
        f'<p id="count" role="status" aria-live="polite">{_count(len(records))}</p>\n',
        # Why nothing matches and what would, when nothing does (filled in by the script).
        '<p id="hint" role="status" aria-live="polite" hidden></p>\n',
        _table(ordered),
        "</main>\n",
        _footer(sources, version, updated),
        '<script type="application/json" id="page-data">',
        _script_json(_script_data(ordered)),
        "</script>\n",
        f"<script>{script}</script>\n</body>\n</html>\n",
    ]
    return "".join(parts).encode("utf-8")


def _header(
    records: Sequence[Record],
    sources: Sequence[PageSource],
    version: str,
    updated: datetime | None,
) -> str:
    pages = "page" if len(sources) == 1 else "pages"
    return (
        f"<header>\n<h1>{TITLE}</h1>\n"
        f"<p>The {_count(len(records))} of JiGuang's error-code documentation (JMessage, "
        "JPush, JSMS, JShare, JVerification, JAnalytics, JIoT), built from "
        f"{len(sources)} documentation {pages}; "
        f"{_when(updated)}. Dataset version <code>{escape(version)}</code>.</p>\n</header>\n"
    )


def _when(updated: datetime | None) -> str:
    if updated is None:
        return "the date of the data is not recorded"
    moment = updated.astimezone(UTC)
    return (
        f'data last changed on <time datetime="{moment.strftime("%Y-%m-%dT%H:%M:%SZ")}">'
        f"{moment.strftime('%Y-%m-%d')}</time> (UTC)"
    )


def _filters(records: Sequence[Record]) -> str:
    selects = "".join(
        f'<div class="field"><label for="{name}">{escape(_column(name).header)}</label>\n'
        f'<select id="{name}" aria-controls="codes">{_options(name, every, records)}'
        "</select></div>\n"
        for name, every in FILTERS.items()
    )
    return (
        # Hidden until the script runs: without it, the controls would do nothing.
        '<form id="filters" role="search" hidden>\n'
        '<div class="field grow"><label for="query">Code or text</label>\n'
        '<input id="query" type="search" autocomplete="off" spellcheck="false" '
        'aria-describedby="query-hint" aria-controls="codes">\n'
        '<small id="query-hint">A code or its first digits (8713), or any part of a message '
        f"or description (登录, login)</small></div>\n{selects}</form>\n"
    )


def _row_order(record: Record) -> tuple[object, ...]:
    """`ROW_ORDER`, with the codes that are words after the numbers."""
    number = record.code if record.code is not None else 0
    return (record.code is None, number, *(getattr(record, name) for name in ROW_ORDER[1:]))


def _options(name: str, every: str, records: Sequence[Record]) -> str:
    """The choice of every value, then the values the records have, in the model's order (or
    sorted, for a field such as the product whose values the model does not close)."""
    present = {str(getattr(record, name)) for record in records}
    declared = next(item.enum for item in FIELDS if item.name == name)
    values = [value for value in declared if value in present] + sorted(present - set(declared))
    return f'<option value="">{escape(every)}</option>' + "".join(
        f'<option value="{escape(value)}">{escape(value)}</option>' for value in values
    )


def _column(name: str) -> Column:
    return next(column for column in COLUMNS if column.field == name)


def _table(ordered: Sequence[Record]) -> str:
    head = "".join(f'<th scope="col">{escape(column.header)}</th>' for column in COLUMNS)
    bodies = [
        # One tbody per code, with the code as its id: `#871302` reaches every entry of it.
        f'<tbody id="{escape(code)}">\n' + "".join(_row(record) for record in group) + "</tbody>\n"
        for code, group in groupby(ordered, key=lambda record: record.code_text)
    ]
    return (
        '<table id="codes">\n<caption class="visually-hidden">Error codes, one row per '
        "code row of a documentation page</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n{''.join(bodies)}</table>\n"
    )


def _row(record: Record) -> str:
    cells = "".join(
        f'<td data-label="{escape(column.cell_label)}"{_lang(record, column.field)}>'
        f"{_CELLS.get(column.field, _text_cell)(record, column.field)}</td>"
        for column in COLUMNS
    )
    return (
        f'<tr id="{escape(row_id(record))}" data-code="{escape(record.code_text)}">{cells}</tr>\n'
    )


def _lang(record: Record, name: str) -> str:
    value = getattr(record, name)
    return ' lang="zh"' if isinstance(value, str) and _CJK.search(value) else ""


def _text_cell(record: Record, name: str) -> str:
    return escape(str(getattr(record, name)))


def _code_cell(record: Record, _name: str) -> str:
    anchor = escape(row_id(record))
    return f'<a href="#{anchor}" title="Link to this entry">{escape(record.code_text)}</a>'


def _details_cell(record: Record, _name: str) -> str:
    """The texts beyond message and description, each on a labelled line; then `extra`."""
    lines = [
        (label, str(value))
        for name, label in DETAIL_FIELDS
        if (value := getattr(record, name)) not in ("", None)
    ]
    lines += list(record.extra.items())
    return "".join(
        f'<span class="detail"><b>{escape(label)}:</b> {escape(text)}</span>'
        for label, text in lines
    )


def _section_cell(record: Record, _name: str) -> str:
    return _doc_link(record)


# Cells that are more than their field's text.
_CELLS: dict[str, Callable[[Record, str], str]] = {
    "code": _code_cell,
    "detail": _details_cell,
    "section": _section_cell,
}


def _doc_link(record: Record) -> str:
    label = escape(record.section or record.source or "documentation")
    if not _is_web_url(record.url):
        return label
    return f'<a href="{escape(record.url)}" rel="noreferrer">{label}</a>'


def _is_web_url(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _footer(sources: Sequence[PageSource], version: str, updated: datetime | None) -> str:
    items = "".join(_source_item(source) for source in sources)
    downloads = "".join(
        f'<li><a href="{name}">{name}</a></li>'
        for name in (JSON_NAME, CSV_NAME, SQLITE_NAME, DATAPACKAGE_NAME)
    )
    return (
        "<footer>\n<h2>Where this comes from</h2>\n"
        f"<p>Dataset version <code>{escape(version)}</code>; {_when(updated)}. "
        "Built from these pages:</p>\n"
        f"<ul>{items}</ul>\n"
        "<p>The messages and descriptions are quoted from JiGuang's documentation and remain "
        "JiGuang's; the official pages are the reference. "
        f'<a href="{MANIFEST_NAME}">{MANIFEST_NAME}</a> records where each page was read and '
        "its sha256.</p>\n"
        f'<h2>Download</h2>\n<ul class="downloads">{downloads}</ul>\n</footer>\n'
    )


def _source_item(source: PageSource) -> str:
    url = escape(source.url)
    link = f'<a href="{url}" rel="noreferrer">{url}</a>' if _is_web_url(source.url) else url
    return f"<li><strong>{escape(source.id)}</strong>: {link}</li>"


def _count(total: int) -> str:
    return f"{total} {'entry' if total == 1 else 'entries'}"


def _script_data(ordered: Sequence[Record]) -> dict[str, object]:
    """What the script reads: the records, as arrays of `fields`, and its rules, as data."""
    return {
        "fields": ["id", *SCRIPT_FIELDS],
        "filters": list(FILTERS),
        "searched": list(SEARCHED_FIELDS),
        "variants": [list(group) for group in VARIANT_GROUPS],
        "optIn": [
            {
                "id": source.id,
                "platform": source.platform,
                "first": source.codes.start,
                "last": source.codes.stop - 1,
                "pattern": source.pattern,
            }
            for source in OPT_IN_SOURCES
        ],
        # Every value as text: JavaScript numbers cannot hold every 64-bit code exactly.
        "records": [
            [row_id(record), *(_script_value(record, name) for name in SCRIPT_FIELDS)]
            for record in ordered
        ],
    }


def _script_value(record: Record, name: str) -> str:
    """A field as the script reads it: the code as the page writes it, any other as text."""
    if name == "code":
        return record.code_text
    value = getattr(record, name)
    return "" if value is None else str(value)


def _script_json(value: object) -> str:
    """JSON that cannot end its <script> block: `<`, `>` and `&` only as \\u escapes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(
        _SCRIPT_JSON_ESCAPES
    )


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


@functools.cache
def _asset(name: str) -> str:
    """A file of `assets/`, which the package ships as package data."""
    return (_ASSETS / name).read_text(encoding="utf-8")
