"""Turn the JMessage SDK error-code documentation pages into a versioned dataset."""

from __future__ import annotations

__version__ = "0.1.0"
