"""Time one parser on one page in a process of its own, so its peak memory is its own.

Usage: parse_worker.py PARSER PAGE RUNS WARMUP_PAGE; prints JSON with the wall times, the rows
found, and the peak resident memory before and after parsing (ru_maxrss, so C allocations by
libxml2 count too, which tracemalloc would miss).
"""

from __future__ import annotations

import json
import re
import resource
import sys
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path

_WHITESPACE = re.compile(r"\s+")


def ours(html: str) -> int:
    from scraper.model import Source
    from scraper.parse.page import parse_page

    page = parse_page(html, Source("bench", "https://example.invalid/", None, "ios"))
    return len(page.records)


def pandas_lxml(html: str) -> int:
    import pandas as pd

    frames = pd.read_html(StringIO(html), match="Code", flavor="lxml")
    # read_html also returns the layout table, holding the nested tables' rows a second time,
    # so count distinct codes rather than rows.
    codes = pd.concat([pd.to_numeric(frame.iloc[:, 0], errors="coerce") for frame in frames])
    return int(codes.dropna().nunique())


def lxml_loop(html: str) -> int:
    """The floor: parse, walk every row once, normalise cell text, keep integer codes."""
    import lxml.html

    root = lxml.html.document_fromstring(html)
    found = 0
    for row in root.iter("tr"):
        cells = [
            _WHITESPACE.sub(" ", cell.text_content()).strip()
            for cell in row
            if cell.tag in ("td", "th")
        ]
        if cells and cells[0].lstrip("+-").isdigit():
            found += 1
    return found


PARSERS: dict[str, Callable[[str], int]] = {
    "ours": ours,
    "pandas": pandas_lxml,
    "lxml": lxml_loop,
}


def main() -> None:
    name, page_path, runs, warmup_path = sys.argv[1:5]
    parse = PARSERS[name]
    parse(Path(warmup_path).read_text(encoding="utf-8"))  # imports and first-call costs
    html = Path(page_path).read_text(encoding="utf-8")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times: list[float] = []
    rows = 0
    for _ in range(int(runs)):
        started = time.perf_counter()
        rows = parse(html)
        times.append(time.perf_counter() - started)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(
        {"times": times, "rows": rows, "rss_before_kib": rss_before, "rss_peak_kib": rss_after},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
