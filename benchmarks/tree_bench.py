"""Benchmark 4: a whole build beside BeautifulSoup's own tree of the same page.

BeautifulSoup on lxml is the parser the project specifies, so the time and memory a process
takes only to build `BeautifulSoup(text, "lxml")` of a page is the floor for any build of that
page. Compared in the same run, interleaved: our whole build of a 10,000-row page (parse, JSON,
CSV, SQLite, schema, data package, diff, change log, history, manifest), a process that only
builds the tree, and the pandas script doing the same job; then the peak memory of our build
and of the tree-only process on a 100,000-row page.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import PROJECT_ROOT, PYTHON, Section, Target, bench_env, plural, ratio, table
from common import time_processes as _time_processes
from pages import error_page

TIME_ROWS = 10_000
MEMORY_ROWS = 100_000
TREE_TARGET = 1.5
MEMORY_TARGET = 1.2
TREE_ONLY = (
    "import sys\n"
    "from bs4 import BeautifulSoup\n"
    "with open(sys.argv[1], encoding='utf-8') as page:\n"
    "    BeautifulSoup(page.read(), 'lxml')\n"
)


def _sources(folder: Path, page: Path) -> Path:
    path = folder / f"{page.stem}.toml"
    path.write_text(
        f'[[source]]\nid = "big"\nurl = "https://docs.example/big/"\npath = "{page}"\n'
        'platform = "ios"\n',
        encoding="utf-8",
    )
    return path


def _peak_rss_mib(argv: list[str]) -> float:
    """The peak resident set of one process (its own, from wait4), in MiB."""
    process = subprocess.Popen(
        argv, cwd=PROJECT_ROOT, env=bench_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"benchmark command failed: {' '.join(argv)}")
    return usage.ru_maxrss / 1024


def run(runs: int) -> Section:
    section = Section("4. A whole build beside BeautifulSoup's own tree")
    folder = Path(tempfile.mkdtemp(prefix="bench-tree-"))
    counter = itertools.count()
    try:
        page = folder / f"page-{TIME_ROWS}.html"
        page.write_text(error_page(TIME_ROWS), encoding="utf-8")
        sources = _sources(folder, page)

        def fresh() -> str:
            return str(folder / f"out-{next(counter)}")

        samples = _time_processes(
            {
                "ours": lambda: [
                    PYTHON,
                    "-m",
                    "scraper",
                    "build",
                    "--sources",
                    str(sources),
                    "--out",
                    fresh(),
                ],
                "tree": lambda: [PYTHON, "-c", TREE_ONLY, str(page)],
                "pandas": lambda: [
                    PYTHON,
                    str(PROJECT_ROOT / "benchmarks" / "pandas_build.py"),
                    "--page",
                    str(page),
                    "ios",
                    "--out",
                    fresh(),
                ],
            },
            runs=runs,
        )
        big = folder / f"page-{MEMORY_ROWS}.html"
        big.write_text(error_page(MEMORY_ROWS), encoding="utf-8")
        big_sources = _sources(folder, big)
        ours_rss = _peak_rss_mib(
            [PYTHON, "-m", "scraper", "build", "--sources", str(big_sources), "--out", fresh()]
        )
        tree_rss = _peak_rss_mib([PYTHON, "-c", TREE_ONLY, str(big)])
        megabytes = page.stat().st_size / 1_000_000
        big_megabytes = big.stat().st_size / 1_000_000
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ours = samples["ours"].median
    vs_tree = ours / samples["tree"].median
    vs_pandas = ours / samples["pandas"].median
    vs_memory = ours_rss / tree_rss
    section.lines += [
        f"A generated page of {TIME_ROWS:,} rows ({megabytes:.1f} MB, `benchmarks/pages.py`). "
        f"Median of {plural(runs, 'run')} after one warm-up, the commands interleaved; "
        "min–max in brackets. Each build writes into a new folder, so it does the whole work.",
        "",
        *table(
            ["process", "wall time", "ours ÷ this"],
            [
                [
                    "ours: `python -m scraper build --sources <page> --out <new folder>`",
                    samples["ours"].spread(),
                    "1.00x",
                ],
                [
                    'tree only: `BeautifulSoup(text, "lxml")` of the same page',
                    samples["tree"].spread(),
                    ratio(vs_tree),
                ],
                [
                    "pandas: `benchmarks/pandas_build.py --page <page>`",
                    samples["pandas"].spread(),
                    ratio(vs_pandas),
                ],
            ],
        ),
        "",
        f"Peak memory (the process's own ru_maxrss, libxml2's allocations included) on a "
        f"{MEMORY_ROWS:,}-row page ({big_megabytes:.1f} MB):",
        "",
        *table(
            ["process", "peak RSS", "ours ÷ this"],
            [
                ["ours: the whole build", f"{ours_rss:,.0f} MiB", "1.00x"],
                ["tree only", f"{tree_rss:,.0f} MiB", ratio(vs_memory)],
            ],
        ),
    ]
    section.targets += [
        Target(
            f"4. whole build of {TIME_ROWS:,} rows ÷ BeautifulSoup tree only",
            vs_tree,
            TREE_TARGET,
            if_missed="See the notes below for where the time goes and why.",
        ),
        Target(
            f"4. peak memory of the {MEMORY_ROWS:,}-row build ÷ BeautifulSoup tree only",
            vs_memory,
            MEMORY_TARGET,
            if_missed="See the notes below: the page's bytes, its text and the tree are "
            "alive at once.",
        ),
    ]
    section.lines += [
        "",
        f"Ours ÷ pandas on the same page: {ratio(vs_pandas)} (reported, no target).",
    ]
    return section
