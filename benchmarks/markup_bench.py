"""Benchmark 5: pathological markup, beside a normal page of the same size.

For every page the tool accepts, peak memory must stay under 40 times the page's size plus
100 MB, and time must grow linearly with size. Each page is parsed in its own process (the
parse only: reading, the tree, the records), at two sizes four times apart; a page is either
parsed or refused with a clear error, and both count.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import PROJECT_ROOT, PYTHON, Section, Target, bench_env, table
from pages import error_page

SIZES = (2_000_000, 8_000_000)
MEMORY_PER_BYTE = 40
MEMORY_ALLOWANCE_MIB = 100
LINEAR_TARGET = 6.0  # time at 4x the size, at most 1.5 times linear
PARSE = (
    "import sys\n"
    "from scraper.model import Source\n"
    "from scraper.parse.page import parse_page\n"
    "from scraper.errors import ParseError\n"
    "try:\n"
    "    parse_page(open(sys.argv[1], encoding='utf-8').read(), Source('x', '', None, 'ios'))\n"
    "    print('parsed')\n"
    "except ParseError:\n"
    "    print('refused')\n"
)
HEADER = "<table><tr><th>Code</th><th>Error Message</th></tr><tr>"


def _padded(unit: str, size: int, before: str = "", after: str = "") -> str:
    body = before + unit * max(1, (size - len(before) - len(after)) // len(unit)) + after
    return body + " " * max(0, size - len(body.encode("utf-8")))


def _budget(size: int, tag_bytes: int) -> int:
    """How many tags of this weight a page of `size` bytes may hold (the parser's budget)."""
    return (MEMORY_PER_BYTE * size + 65 * 2**20) // tag_bytes - 10


def _at_budget(unit: str, size: int, tag_bytes: int, before: str = "", after: str = "") -> str:
    body = before + unit * _budget(size, tag_bytes) + after
    return body + " " * max(0, size - len(body.encode("utf-8")))


PAGES: dict[str, Callable[[int], str]] = {
    "normal page": lambda size: error_page(max(1, size // 150)),
    "unclosed headings, just inside the budget": lambda size: _at_budget("<h1>", size, 700),
    "deep nesting, just inside the budget": lambda size: _at_budget(
        "<div>", size, 700, HEADER + "<td>1</td><td>", "</td></tr></table>"
    ),
    "a wide table, just inside the budget": lambda size: _at_budget(
        "<td>1</td>", size, 1300, HEADER, "</tr></table>"
    ),
    "unclosed headings (`<h1>` × n)": lambda size: _padded("<h1>", size),
    "deep nesting (`<div>` × n in a cell)": lambda size: _padded(
        "<div>", size, HEADER + "<td>1</td><td>", "</td></tr></table>"
    ),
    "a wide table (`<td>` × n in one row)": lambda size: _padded(
        "<td>1</td>", size, HEADER, "</tr></table>"
    ),
}


def _measure(page: Path) -> tuple[float, float, str]:
    """Wall time, peak RSS (MiB) and outcome of one parse in its own process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [PYTHON, "-c", PARSE, str(page)],
        cwd=PROJECT_ROOT,
        env=bench_env(),
        stdout=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    assert process.stdout is not None
    outcome = process.stdout.read().decode().strip()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"the parse of {page.name} crashed")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, outcome


def run(runs: int) -> Section:
    section = Section("5. Pathological markup beside a normal page of the same size")
    folder = Path(tempfile.mkdtemp(prefix="bench-markup-"))
    rows: list[list[str]] = []
    worst_memory = 0.0
    worst_growth = 0.0
    try:
        for name, make in PAGES.items():
            times = []
            for size in SIZES:
                page = folder / "page.html"
                page.write_text(make(size), encoding="utf-8")
                megabytes = page.stat().st_size / 2**20
                best = min((_measure(page) for _ in range(max(1, runs // 2))), key=lambda r: r[0])
                seconds, peak, outcome = best
                bound = MEMORY_PER_BYTE * megabytes + MEMORY_ALLOWANCE_MIB
                worst_memory = max(worst_memory, peak / bound)
                times.append(seconds)
                rows.append(
                    [
                        name,
                        f"{megabytes:.1f} MiB",
                        outcome,
                        f"{seconds:.2f} s",
                        f"{peak:,.0f} MiB",
                        f"{bound:,.0f} MiB",
                    ]
                )
            worst_growth = max(worst_growth, times[1] / times[0])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    section.lines += [
        "Each page parsed in its own process (best of "
        f"{max(1, runs // 2)}); the bound is 40 times the page's size plus 100 MB. A page over "
        "the parser's budget is refused before its tree is built.",
        "",
        *table(["page", "size", "outcome", "time", "peak RSS", "bound"], rows),
        "",
        f"Worst peak ÷ bound: {worst_memory:.2f}; worst time growth at 4x the size: "
        f"{worst_growth:.2f}x (linear is 4x).",
    ]
    section.targets += [
        Target(
            "5. pathological markup: worst peak memory ÷ (40 × size + 100 MB)",
            worst_memory,
            1.0,
            if_missed="The tree of that page costs more per tag than the budget allows.",
        ),
        Target(
            "5. pathological markup: time at 4x the size ÷ time at the size",
            worst_growth,
            LINEAR_TARGET,
            if_missed="Some markup makes parsing grow faster than linearly.",
        ),
    ]
    return section
