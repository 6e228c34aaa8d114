"""The one text-normalising function every stage uses."""

from __future__ import annotations

import re


def normalise_text(text: str) -> str:
    """Collapse every run of whitespace to one space and strip; change nothing else.

    `str.split()` splits on exactly the characters `str.isspace()` names (NBSP, U+3000, tabs,
    newlines...), the same set as a regular expression's `\\s` (a property test keeps them
    equal), and is several times faster on the many short texts of a page's cells.
    """
    return " ".join(text.split())


def shortened(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, the last an ellipsis when it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides: what a
# terminal would act on (move the cursor, change colours, reorder text) instead of showing.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with every control character shown as an escape (`\\x1b`), safe for a terminal."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


def without_userinfo(url: str) -> str:
    """`url` without a `user:password@` part, which must never reach an export."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:  # unparsable (a stray "["): cut whatever sits before an "@" anyway
        return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*@", r"\1//", url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
