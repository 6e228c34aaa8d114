"""Turn the JMessage SDK error-code documentation pages into a versioned dataset.

For consumers: `scraper.load(path=None)` returns the dataset's records and
`scraper.lookup(code, platform=None, sdk=None)` the entries of one code (see `scraper.consume.api`).
They are imported on first use, so `import scraper` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scraper.consume.api import load, lookup
    from scraper.errors import DatasetError, ScraperError
    from scraper.model import Record

from scraper.about import VERSION as __version__

__all__ = ["DatasetError", "Record", "ScraperError", "__version__", "load", "lookup"]

_LAZY = {
    "load": "scraper.consume.api",
    "lookup": "scraper.consume.api",
    "Record": "scraper.model",
    "DatasetError": "scraper.errors",
    "ScraperError": "scraper.errors",
}


def __dir__() -> list[str]:
    """Only the public API, not the names this module uses to provide it."""
    return sorted(__all__)


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scraper' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value
