"""`index.html`: one self-contained page to look error codes up, in a browser, offline.

Without JavaScript the page is a plain table of every record. With it, a search box filters
the rows as one types (a code or the first digits of one, or any part of a message or a
description, so two-character Chinese words match), beside a platform and an sdk filter, and
`index.html#871302` shows that code's entries highlighted. The CSS and the script are inline
and a Content-Security-Policy allows nothing else: the page never asks any host for anything.

Every page-derived text goes through `html.escape`, and the records the script filters are
embedded as JSON in a `<script type="application/json">` block with `<`, `>` and `&` written as
`\\u003c`, `\\u003e` and `\\u0026`, so no cell can close the block or start markup. The same
records, sources and date always give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from itertools import groupby

from scraper.model import (
    CSV_NAME,
    DATAPACKAGE_NAME,
    JSON_NAME,
    MANIFEST_NAME,
    PLATFORMS,
    SQLITE_NAME,
    Record,
)

PAGE_NAME = "index.html"
TITLE = "JMessage SDK error codes"
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SCRIPT_JSON_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


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
    ordered = sorted(records, key=lambda r: (r.code is None, r.code or 0, r.code_text, r.order))
    platforms = [name for name in PLATFORMS if any(r.platform == name for r in records)]
    sdks = sorted({record.sdk for record in records})
    csp = (
        "default-src 'none'; "
        f"style-src '{_csp_hash(_STYLE)}'; script-src '{_csp_hash(_SCRIPT)}'; "
        "img-src 'none'; form-action 'none'; base-uri 'none'"
    )
    parts = [
        "<!doctype html>\n",
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n',
        '<meta name="referrer" content="no-referrer">\n',
        f"<title>{TITLE}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n",
        _header(records, sources, version, updated),
        "<main>\n",
        _filters(platforms, sdks),
        f'<p id="count" role="status" aria-live="polite">{_count(len(records))}</p>\n',
        _table(ordered),
        "</main>\n",
        _footer(sources, version, updated),
        '<script type="application/json" id="records">',
        _script_json([_script_row(record) for record in ordered]),
        "</script>\n",
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n",
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
        f"<p>The {_count(len(records))} of the JMessage (JiGuang IM) SDKs' error-code "
        f"documentation, built from {len(sources)} documentation {pages}; "
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


def _filters(platforms: Sequence[str], sdks: Sequence[str]) -> str:
    def options(names: Sequence[str], every: str) -> str:
        return f'<option value="">{every}</option>' + "".join(
            f'<option value="{escape(name)}">{escape(name)}</option>' for name in names
        )

    return (
        # Hidden until the script runs: without it, the controls would do nothing.
        '<form id="filters" role="search" hidden>\n'
        '<div class="field grow"><label for="query">Code or text</label>\n'
        '<input id="query" type="search" autocomplete="off" spellcheck="false" '
        'aria-describedby="query-hint" aria-controls="codes">\n'
        '<small id="query-hint">A code or its first digits (8713), or any part of a message '
        "or description (登录, login)</small></div>\n"
        '<div class="field"><label for="platform">Platform</label>\n'
        f'<select id="platform" aria-controls="codes">{options(platforms, "All platforms")}'
        "</select></div>\n"
        '<div class="field"><label for="sdk">SDK</label>\n'
        f'<select id="sdk" aria-controls="codes">{options(sdks, "All SDKs")}</select></div>\n'
        "</form>\n"
    )


_COLUMNS = ("Code", "Platform", "SDK", "Message", "说明 / Description", "Documentation")


def _table(ordered: Sequence[Record]) -> str:
    head = "".join(f'<th scope="col">{escape(name)}</th>' for name in _COLUMNS)
    bodies = [
        # One tbody per code, with the code as its id: `#871302` reaches every entry of it.
        f'<tbody id="{escape(code)}">\n' + "".join(_row(record) for record in group) + "</tbody>\n"
        for code, group in groupby(ordered, key=lambda record: record.code_text)
    ]
    return (
        '<table id="codes">\n<caption class="visually-hidden">Error codes, one row per '
        "platform, SDK and code</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n{''.join(bodies)}</table>\n"
    )


def _row(record: Record) -> str:
    anchor = escape(row_id(record))
    description_lang = ' lang="zh"' if _CJK.search(record.description) else ""
    message_lang = ' lang="zh"' if _CJK.search(record.message) else ""
    return (
        f'<tr id="{anchor}" data-code="{escape(record.code_text)}">'
        f'<td data-label="Code"><a href="#{anchor}" title="Link to this entry">'
        f"{escape(record.code_text)}</a></td>"
        f'<td data-label="Platform">{escape(record.platform)}</td>'
        f'<td data-label="SDK">{escape(record.sdk)}</td>'
        f'<td data-label="Message"{message_lang}>{escape(record.message)}</td>'
        f'<td data-label="说明"{description_lang}>{escape(record.description)}</td>'
        f'<td data-label="Documentation">{_doc_link(record)}</td>'
        "</tr>\n"
    )


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


def _script_row(record: Record) -> list[str]:
    # The code as text: JavaScript numbers cannot hold every 64-bit code exactly.
    return [
        row_id(record),
        record.code_text,
        record.platform,
        record.sdk,
        record.message,
        record.description,
    ]


def _script_json(value: object) -> str:
    """JSON that cannot end its <script> block: `<`, `>` and `&` only as \\u escapes."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(
        _SCRIPT_JSON_ESCAPES
    )


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


_STYLE = """
:root { color-scheme: light dark; --line: #c8c8c8; --hit: #fff0a8; --muted: #555; }
@media (prefers-color-scheme: dark) { :root { --line: #555; --hit: #5c4b00; --muted: #aaa; } }
[hidden] { display: none !important; }
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "PingFang SC",
  "Microsoft YaHei", sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
code { font-size: .9em; overflow-wrap: anywhere; }
form { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: flex-start; margin: 1rem 0; }
.field { display: flex; flex-direction: column; gap: .2rem; }
.grow { flex: 1 1 18rem; }
label { font-weight: 600; }
input, select { font: inherit; padding: .4rem .5rem; border: 1px solid var(--line);
  border-radius: .3rem; min-height: 2.5rem; box-sizing: border-box; }
small { color: var(--muted); }
:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
#count { font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .4rem .5rem;
  border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { position: sticky; top: 0; background: Canvas; }
td:first-child { white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.hit > td, tr:target > td, tbody:target > tr > td { background: var(--hit); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); white-space: nowrap; }
footer { margin-top: 2rem; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
footer ul { padding-left: 1.2rem; }
.downloads { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; list-style: none; padding: 0; }
@media (max-width: 40rem) {
  body { padding: .75rem; }
  thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table, tbody, tr, td { display: block; }
  tr { border-bottom: 1px solid var(--line); padding: .4rem 0; }
  td { border: 0; padding: .1rem 0; }
  td::before { content: attr(data-label) ": "; font-weight: 600; }
}
"""

_SCRIPT = """
"use strict";
(() => {
  const records = JSON.parse(document.getElementById("records").textContent);
  const form = document.getElementById("filters");
  const query = document.getElementById("query");
  const platform = document.getElementById("platform");
  const sdk = document.getElementById("sdk");
  const count = document.getElementById("count");
  const fold = (text) => text.normalize("NFKC").toLowerCase();
  const entries = records.map(([id, code, entryPlatform, entrySdk, message, description]) => ({
    row: document.getElementById(id),
    code,
    platform: entryPlatform,
    sdk: entrySdk,
    text: fold(message + "\\n" + description),
  }));
  const total = entries.length;
  const entriesWord = (n) => (n === 1 ? "entry" : "entries");

  function apply() {
    const terms = fold(query.value).split(/\\s+/).filter(Boolean);
    let shown = 0;
    for (const entry of entries) {
      const visible =
        (!platform.value || entry.platform === platform.value) &&
        (!sdk.value || entry.sdk === sdk.value) &&
        terms.every((term) => entry.code.startsWith(term) || entry.text.includes(term));
      entry.row.hidden = !visible;
      shown += visible ? 1 : 0;
    }
    if (shown === total) {
      count.textContent = `${total} ${entriesWord(total)}`;
    } else if (shown === 0) {
      count.textContent = `No entry matches (${total} ${entriesWord(total)} in all)`;
    } else {
      count.textContent = `Showing ${shown} of ${total} ${entriesWord(total)}`;
    }
  }

  function showTarget() {
    let id = "";
    try {
      id = decodeURIComponent(location.hash.slice(1));
    } catch (error) {
      return;
    }
    const target = id ? document.getElementById(id) : null;
    if (!target || !["TR", "TBODY"].includes(target.tagName) || !target.closest("#codes")) {
      return;
    }
    const rows = target.tagName === "TR" ? [target] : Array.from(target.rows);
    query.value = rows[0].dataset.code;
    platform.value = "";
    sdk.value = "";
    apply();
    for (const row of document.querySelectorAll("tr.hit")) row.classList.remove("hit");
    for (const row of rows) row.classList.add("hit");
    rows[0].scrollIntoView({ block: "center" });
  }

  form.addEventListener("submit", (event) => event.preventDefault());
  query.addEventListener("input", apply);
  platform.addEventListener("change", apply);
  sdk.addEventListener("change", apply);
  window.addEventListener("hashchange", showTarget);
  form.hidden = false;
  apply();
  showTarget();
})();
"""
