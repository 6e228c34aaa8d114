"""The work a no-change refresh could skip, timed in a fresh process after its imports.

Usage: refresh_work.py PAGE...; parses each HTML page with `parse_page`, merges them and renders
the JSON and CSV exports, as a refresh does before it finds nothing changed, then prints the
seconds that took.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from scraper.merge import merge
from scraper.model import Source
from scraper.parse.page import parse_page
from scraper.publish.formats import render_csv, render_json


def main() -> None:
    pages = [Path(name).read_bytes() for name in sys.argv[1:]]
    started = time.perf_counter()
    parsed = [
        parse_page(data, Source(f"page-{number:02d}", "http://127.0.0.1/", None, "ios"))
        for number, data in enumerate(pages)
    ]
    records = merge([page.source for page in parsed], parsed).records
    render_json(records)
    render_csv(records)
    print(time.perf_counter() - started)


if __name__ == "__main__":
    main()
