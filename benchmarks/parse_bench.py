"""Benchmark 2: parse throughput on generated pages of 1k, 10k and 100k rows.

Our parser (`scraper.parse.page.parse_page`) beside `pandas.read_html(flavor="lxml")` and a bare
lxml loop (the floor). Each parser runs in a process of its own per page size (see
`parse_worker.py`), warmed up on a small page first, then timed in-process.
"""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from common import (
    PROJECT_ROOT,
    PYTHON,
    Samples,
    Section,
    Target,
    bench_env,
    ms,
    plural,
    ratio,
    table,
)
from pages import data_rows, error_page

SIZES = (1_000, 10_000, 100_000)
PARSERS = {
    "ours": "ours: `parse_page`",
    "pandas": 'pandas: `read_html(flavor="lxml")`',
    "lxml": "floor: bare lxml loop",
}
LINEARITY_TARGET = 12.0
WORKER = Path(__file__).resolve().parent / "parse_worker.py"


def _measure(parser: str, page: Path, warmup: Path, runs: int) -> dict[str, object]:
    completed = subprocess.run(
        [PYTHON, str(WORKER), parser, str(page), str(runs), str(warmup)],
        cwd=PROJECT_ROOT,
        env=bench_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"parse worker {parser} on {page.name} failed:\n{completed.stderr}")
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def _mib(kib: object) -> str:
    return f"{int(str(kib)) / 1024:,.0f} MiB"


def run(runs: int, sizes: tuple[int, ...] = SIZES) -> Section:
    section = Section("2. Parse throughput")
    folder = Path(tempfile.mkdtemp(prefix="bench-parse-"))
    medians: dict[tuple[str, int], float] = {}
    rows: list[list[str]] = []
    try:
        warmup = folder / "warmup.html"
        warmup.write_text(error_page(200), encoding="utf-8")
        for size in sizes:
            page = folder / f"page-{size}.html"
            page.write_text(error_page(size), encoding="utf-8")
            megabytes = page.stat().st_size / 1_000_000
            expected = data_rows(size)
            for parser in PARSERS:
                result = _measure(parser, page, warmup, runs)
                if result["rows"] != expected:
                    raise RuntimeError(
                        f"{parser} found {result['rows']} rows in the {size}-row page, "
                        f"expected {expected}: the comparison would not be like for like"
                    )
                times = result["times"]
                assert isinstance(times, list)
                samples = Samples(tuple(float(value) for value in times))
                medians[parser, size] = samples.median
                rows.append(
                    [
                        f"{size:,} rows ({megabytes:.1f} MB)",
                        PARSERS[parser],
                        samples.spread(),
                        f"{size / samples.median:,.0f}",
                        "",  # filled below, once the floor of this size is known
                        _mib(result["rss_peak_kib"]),
                        "+"
                        + _mib(
                            int(str(result["rss_peak_kib"])) - int(str(result["rss_before_kib"]))
                        ),
                    ]
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for row, (parser, size) in zip(rows, medians, strict=True):
        row[4] = ratio(medians[parser, size] / medians["lxml", size])
    section.lines += [
        f"Pages from `benchmarks/pages.py`: a head with scripts and styles, a navigation menu, a "
        f"layout table around the content, error-code tables of up to 2,000 rows under headings, "
        f"one blank row in 20, `<br>` in cells. A page's row count includes its blank rows; "
        f"each parser must find exactly the rows that have a code, or the run stops. Time: "
        f"median of {plural(runs, 'run')} (min–max) in one process per parser and size, after "
        f"a warm-up parse of a 200-row page. Memory: the process's peak resident set "
        f"(ru_maxrss, which counts libxml2's C allocations too) and how much parsing added to it.",
        "",
        *table(
            ["page", "parser", "time", "rows/s", "÷ floor", "peak RSS", "added by parsing"],
            rows,
        ),
        "",
    ]
    ours_vs_pandas = [
        f"{size:,} rows: {ratio(medians['ours', size] / medians['pandas', size])}" for size in sizes
    ]
    section.lines += [f"Ours ÷ pandas: {'; '.join(ours_vs_pandas)}.", ""]
    steps = list(itertools.pairwise(sizes))
    linear_rows = [
        [PARSERS[parser]]
        + [ratio(medians[parser, big] / medians[parser, small]) for small, big in steps]
        for parser in PARSERS
    ]
    section.lines += [
        "Linearity: time of the larger page ÷ time of the page with 10x fewer rows "
        f"(target for ours: at most {LINEARITY_TARGET:g}x).",
        "",
        *table(["parser", *(f"{big:,} ÷ {small:,}" for small, big in steps)], linear_rows),
    ]
    for small, big in steps:
        section.targets.append(
            Target(
                f"2. parse time {big:,} rows ÷ {small:,} rows",
                medians["ours", big] / medians["ours", small],
                LINEARITY_TARGET,
                if_missed="Some step costs more than linear time per row (for example a scan "
                "of all earlier rows per row); profile `parse_page` on the larger page with "
                "cProfile to find it.",
            )
        )
    slowest = max(sizes)
    superlinear = [
        (
            parser,
            f"{PARSERS[parser]}: {ratio(medians[parser, big] / medians[parser, small])} "
            f"from {small:,} to {big:,} rows",
        )
        for parser in PARSERS
        if parser != "ours"
        for small, big in steps
        if medians[parser, big] / medians[parser, small] > LINEARITY_TARGET
    ]
    if superlinear:
        pandas_note = (
            " (`read_html` also returns the layout table, whose cells hold every nested "
            "table's rows a second time)"
            if any(parser == "pandas" for parser, _ in superlinear)
            else ""
        )
        section.lines += [
            "",
            "Comparisons whose time grew faster than their rows: "
            + "; ".join(text for _, text in superlinear)
            + pandas_note
            + ".",
        ]
    section.lines += [
        "",
        f"At {slowest:,} rows ours parses at {slowest / medians['ours', slowest]:,.0f} rows/s, "
        f"{ms(medians['ours', slowest])} per page.",
    ]
    return section
