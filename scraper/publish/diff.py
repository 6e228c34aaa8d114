"""Comparing two versions of the dataset: a pure core (`compare`) and its renderings.

`compare` keys records by their key (`scraper.model.KEY_FIELDS`) and returns a `Diff` that
always has the same three lists, each in the records' order, even when they are empty. Rendering
it as text, Markdown or the `diff.json` document is done by separate functions, so the build,
the `diff` command and the change log all use one engine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from scraper.consume.dataset import MAX_DATASET_BYTES, records_from_json
from scraper.errors import DatasetError
from scraper.model import KEY_FIELDS, VALUE_FIELDS, Key, Record, key_label
from scraper.publish.formats import dump_json

DIFF_SCHEMA_VERSION = 2
DIFF_FORMATS = ("text", "markdown", "json")


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's value before and after."""

    old: object
    new: object


@dataclass(frozen=True, slots=True)
class Changed:
    """A key present in both versions whose other fields differ; `changes` in field order."""

    key: Key
    changes: dict[str, FieldChange]
    code: int | None = None  # the code as a number, for readers of the history


@dataclass(frozen=True, slots=True)
class Diff:
    """What changed between two versions; every list is sorted by key."""

    added: list[Record]
    removed: list[Record]
    changed: list[Changed]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def read_dataset_file(path: Path) -> tuple[list[Record], str]:
    """A dataset's records and the sha256 of the bytes read, from one bounded read.

    A regular file or a pipe (`<(git show REV:output/errorcodes.json)`), at most the size cap
    every dataset reader has; a device (`/dev/zero`), a folder or a socket is refused unread.
    """
    try:
        # Non-blocking open, so a named pipe without a writer cannot hang it; reads block again.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: dataset file not found") from exc
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read dataset: {exc.strerror or exc}") from exc
    with os.fdopen(descriptor, "rb") as stream:
        mode = os.fstat(descriptor).st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
            raise DatasetError(
                f"{path}: not a file or a pipe (a device, a folder or a socket); "
                "give the path of an errorcodes.json"
            )
        os.set_blocking(descriptor, True)
        try:
            data = stream.read(MAX_DATASET_BYTES + 1)
        except OSError as exc:
            raise DatasetError(f"{path}: cannot read dataset: {exc.strerror or exc}") from exc
    if len(data) > MAX_DATASET_BYTES:
        mib, rest = divmod(MAX_DATASET_BYTES, 2**20)
        cap = f"{MAX_DATASET_BYTES} bytes" if rest else f"{mib} MiB"
        raise DatasetError(
            f"{path}: more than the {cap} a dataset file may hold, so not an errorcodes.json "
            "this tool wrote"
        )
    return records_from_json(data, str(path)), hashlib.sha256(data).hexdigest()


def compare(
    previous: Iterable[Record],
    current: Iterable[Record],
    *,
    names: tuple[str, str] = ("the previous dataset", "the new dataset"),
) -> Diff:
    """Added, removed and changed records between two versions, keyed by their key.

    `names` label the two versions in the error raised for a key that appears twice.
    """
    before = index_by_key(previous, names[0])
    after = index_by_key(current, names[1])
    added = _in_order(after[key] for key in after.keys() - before.keys())
    removed = _in_order(before[key] for key in before.keys() - after.keys())
    changed: list[Changed] = []
    for new in _in_order(after[key] for key in before.keys() & after.keys()):
        old = before[new.key]
        fields = {
            name: FieldChange(getattr(old, name), getattr(new, name))
            for name in VALUE_FIELDS
            if getattr(old, name) != getattr(new, name)
        }
        if fields:
            changed.append(Changed(new.key, fields, new.code))
    return Diff(added, removed, changed)


def _in_order(records: Iterable[Record]) -> list[Record]:
    return sorted(records, key=lambda record: record.order)


def index_by_key(records: Iterable[Record], where: str) -> dict[Key, Record]:
    """Records by key; a repeated key is an error, never silently collapsed."""
    index: dict[Key, Record] = {}
    for record in records:
        if record.key in index:
            raise DatasetError(
                f"{where}: key {key_label(record.key)} appears more than once; "
                f"a dataset holds one record per ({', '.join(KEY_FIELDS)})"
            )
        index[record.key] = record
    return index


def summary(diff: Diff) -> str:
    """The one-line summary: '+3 added, -1 removed, ~2 changed'."""
    return f"+{len(diff.added)} added, -{len(diff.removed)} removed, ~{len(diff.changed)} changed"


def in_words(diff: Diff) -> str:
    """The summary in plain words, leaving out what did not happen: '3 codes added'."""
    parts = [
        f"{count} {'code' if count == 1 else 'codes'} {verb}"
        for count, verb in (
            (len(diff.added), "added"),
            (len(diff.removed), "removed"),
            (len(diff.changed), "changed"),
        )
        if count
    ]
    return ", ".join(parts) if parts else "no change"


def _quote(text: object) -> str:
    # JSON quoting shows empty strings and odd whitespace unambiguously and keeps CJK as is.
    return json.dumps(text, ensure_ascii=False)


# What `_quote` would escape besides the quote and the backslash: control characters.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _markdown_quote(value: object) -> str:
    """A value in double quotes for Markdown: quotes inside stay as written (`It's a "new"
    error`), Markdown's own signs are escaped and control characters shown as `\\u` escapes;
    a number, null or object as JSON."""
    if not isinstance(value, str):
        return markdown_escape(_quote(value))
    text = value
    shown = _CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return f'"{markdown_escape(shown)}"'


def _record_line(record: Record, quote: Callable[[object], str] = _quote) -> str:
    return f"{key_label(record.key)}: {quote(record.message)} / {quote(record.description)}"


def _changed_line(change: Changed, arrow: str, quote: Callable[[object], str] = _quote) -> str:
    fields = "; ".join(
        f"{name} {quote(values.old)} {arrow} {quote(values.new)}"
        for name, values in change.changes.items()
    )
    return f"{key_label(change.key)}: {fields}"


def render_text(diff: Diff) -> str:
    """The summary, then one line per record: `+` added, `-` removed, `~` changed."""
    lines = [summary(diff)]
    lines += [f"+ {_record_line(record)}" for record in diff.added]
    lines += [f"- {_record_line(record)}" for record in diff.removed]
    lines += [f"~ {_changed_line(change, '->')}" for change in diff.changed]
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = str.maketrans({char: "\\" + char for char in "\\`*_[]<>|~"})


def markdown_escape(text: str) -> str:
    """Escape the characters Markdown would read as markup, so page text shows as written."""
    return text.translate(_MARKDOWN_SPECIAL)


def render_markdown(diff: Diff, *, limit: int | None = None) -> str:
    """A bulleted list per kind of change; `limit` caps each list and says how many were left."""
    # Only the quoted page texts can hold markup; the keys and field names are the tool's own.
    quote = _markdown_quote
    groups = (
        ("Added", [_record_line(record, quote) for record in diff.added]),
        ("Removed", [_record_line(record, quote) for record in diff.removed]),
        ("Changed", [_changed_line(change, "→", quote) for change in diff.changed]),
    )
    blocks: list[str] = []
    for title, lines in groups:
        if not lines:
            continue
        shown = lines if limit is None else lines[:limit]
        items = [f"- {line}" for line in shown]
        if len(lines) > len(shown):
            items.append(f"- … and {len(lines) - len(shown)} more")
        blocks.append(f"{title} ({len(lines)}):\n\n" + "\n".join(items))
    if not blocks:
        return "No change.\n"
    return "\n\n".join(blocks) + "\n"


def diff_document(diff: Diff, from_sha256: str | None, to_sha256: str) -> dict[str, object]:
    """The `diff.json` document: the digests of both dataset files and the three lists."""
    return {
        "schema_version": DIFF_SCHEMA_VERSION,
        "from": from_sha256,
        "to": to_sha256,
        "added": [record.as_dict() for record in diff.added],
        "removed": [record.as_dict() for record in diff.removed],
        "changed": [
            {
                "key": dict(zip(KEY_FIELDS, change.key, strict=True)),
                "changes": {
                    name: {"old": values.old, "new": values.new}
                    for name, values in change.changes.items()
                },
            }
            for change in diff.changed
        ],
    }


def render_json(diff: Diff, from_sha256: str | None, to_sha256: str) -> bytes:
    return dump_json(diff_document(diff, from_sha256, to_sha256))


def render(diff: Diff, output_format: str, from_sha256: str | None, to_sha256: str) -> str:
    """The diff in one of `DIFF_FORMATS`, as the `diff` command prints it."""
    if output_format == "json":
        return render_json(diff, from_sha256, to_sha256).decode("utf-8")
    if output_format == "markdown":
        return f"**{markdown_escape(summary(diff))}**\n\n{render_markdown(diff)}"
    return render_text(diff)
