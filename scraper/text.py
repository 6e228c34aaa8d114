"""The one text-normalising function every stage uses."""

from __future__ import annotations

import re

# str patterns treat NBSP (U+00A0), ideographic space (U+3000), tabs and newlines as \s.
_WHITESPACE_RUN = re.compile(r"\s+")


def normalise_text(text: str) -> str:
    """Collapse every run of whitespace to one space and strip; change nothing else."""
    return _WHITESPACE_RUN.sub(" ", text).strip()
