"""The dataset's change log, `CHANGELOG.md`: one dated entry per data change, newest first.

Each entry's heading says what changed in plain words ("## 2025-03-01: 1 code added, 2 codes
changed") and its body lists the codes, so the entry doubles as the commit message of a
scheduled refresh. The first build (no previous dataset) gets a short "first version" entry
instead of listing every code as added.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

from scraper.publish.diff import Diff, in_words, render_markdown

PREAMBLE = (
    "# Changes to the error-code dataset\n"
    "\n"
    "Newest first. Each entry is added by the build that changed the data. `diff.json` holds\n"
    "the latest change in full; the `changes` table in `errorcodes.sqlite` holds every change.\n"
)
# An entry lists at most this many codes per kind; the rest are counted, and `diff.json` and
# the history tables have them all (a renamed section changes every code under it).
ENTRY_LIMIT = 50
_DATED_HEADING = re.compile(r"^## \d{4}-\d{2}-\d{2}")
# What GitHub links in a commit message, code spans or not: `#12`, `owner/repo#3`, `GH-4`,
# `@someone`. The entry becomes the refresh's commit message, so page text must not close an
# issue or notify anyone: the sign is replaced by its full-width twin, which links nothing.
_REFERENCE = re.compile(r"#(?=\d)|(?<![\w-])GH-(?=\d)|@(?=[A-Za-z0-9])", re.IGNORECASE)
_NEUTRAL = {"#": "\uff03", "@": "\uff20"}


def neutralise_references(text: str) -> str:
    """`text` with issue references and @mentions made inert (`#12` -> `＃12`, `GH-4` ->
    `GH－4`, `@octocat` -> `＠octocat`)."""
    return _REFERENCE.sub(
        lambda match: _NEUTRAL.get(match.group(), match.group()[:2] + "\uff0d"), text
    )


def entry(diff: Diff, day: date, *, first: bool = False) -> str:
    """The Markdown entry for one change, ending with a newline."""
    if first:
        groups = Counter(f"{record.platform}/{record.sdk}" for record in diff.added)
        total = len(diff.added)
        listing = ", ".join(f"{name} {count}" for name, count in sorted(groups.items()))
        return (
            f"## {day.isoformat()}: first version, {total} {'code' if total == 1 else 'codes'}\n"
            f"\nThe dataset starts with {total} {'code' if total == 1 else 'codes'}: {listing}.\n"
        )
    body = neutralise_references(render_markdown(diff, limit=ENTRY_LIMIT))
    return f"## {day.isoformat()}: {in_words(diff)}\n\n{body}"


def add_entry(existing: str | None, new_entry: str) -> str:
    """The change log with `new_entry` on top, below the preamble.

    When the top entry says exactly the same apart from its date, it is replaced: that is a
    build redoing a publish that was interrupted after the change log was written.
    """
    if existing is None or not existing.strip():
        return f"{PREAMBLE}\n{new_entry}"
    lines = existing.splitlines(keepends=True)
    starts = [index for index, line in enumerate(lines) if line.startswith("## ")]
    if not starts:
        return f"{existing.rstrip()}\n\n{new_entry}"
    top_end = starts[1] if len(starts) > 1 else len(lines)
    top = "".join(lines[starts[0] : top_end])
    keep_from = top_end if _undated(top) == _undated(new_entry) else starts[0]
    rest = "".join(lines[keep_from:])
    return "".join(lines[: starts[0]]) + new_entry + ("\n" + rest if rest else "")


def _undated(text: str) -> str:
    return _DATED_HEADING.sub("##", text).rstrip()
