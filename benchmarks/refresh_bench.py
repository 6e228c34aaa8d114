"""Benchmark 3: a live refresh of 20 pages from a local server adding 200 ms per response.

Timed as whole processes, interleaved: a full refresh into fresh folders (no cache, no previous
output), a no-change refresh (cache and output of an earlier refresh, so every page answers
304), the bare requests a no-change refresh cannot avoid (`bare_requests.py`), and for
reference a full refresh of the same pages all on one host. The server's log gives each run's
network phase (first request in to last response out) and how many requests were in flight at
once; one profiled no-change refresh shows whether any parsing or export function ran.
"""

from __future__ import annotations

import itertools
import json
import pstats
import shutil
import subprocess
import tempfile
from collections.abc import Callable
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
    run_checked,
    table,
)
from latency_server import Hit, LatencyServer, max_in_flight, serving
from pages import error_page

PAGES = 20
ROWS_PER_PAGE = 100
LATENCY = 0.2
FULL_TARGET = 2.0
NO_CHANGE_TARGET = 1.2
# Work a refresh whose pages all answered 304 should skip: (module file, function) in scraper/.
# None of them calls another, so their times add up.
SKIPPABLE = (
    ("sources/local.py", "render_markdown"),
    ("parse/page.py", "parse_page"),
    ("publish/formats.py", "render_json"),
    ("publish/formats.py", "render_csv"),
    ("publish/formats.py", "write_sqlite"),
    ("publish/release.py", "release"),
)
LABELS = {
    "full": "full refresh, 20 hosts (fresh cache and output)",
    "no_change": "no-change refresh (every page 304)",
    "bare": "bare requests: `bare_requests.py` (httpx, 20 conditional GETs at once)",
    "one_host": "full refresh, all 20 pages on one host",
}


def run(runs: int) -> Section:
    section = Section("3. Refresh over HTTP with 200 ms latency")
    missing = _remote_missing()
    if missing:
        section.lines.append(f"Not run: {missing}. The benchmark runs as soon as they exist.")
        return section
    folder = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    try:
        _measure(section, folder, runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return section


def _remote_missing() -> str | None:
    """None when `build --remote` and `--cache` exist; otherwise what is missing."""
    completed = subprocess.run(
        [PYTHON, "-m", "scraper", "build", "--help"],
        cwd=PROJECT_ROOT,
        env=bench_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if "--remote" not in completed.stdout or "--cache" not in completed.stdout:
        return "`python -m scraper build` has no `--remote` and `--cache` options yet"
    return None


def _sources_file(path: Path, urls: list[str]) -> Path:
    lines: list[str] = []
    for number, url in enumerate(urls):
        platform = "ios" if number % 2 == 0 else "android"
        lines += ["[[source]]", f'id = "page-{number:02d}"', f'url = "{url}"']
        lines += [f'platform = "{platform}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _build(sources: Path, out: Path, cache: Path) -> list[str]:
    """The arguments after `python` of a refresh from `sources` into `out`, cached in `cache`."""
    return [
        *("-m", "scraper", "build", "--remote"),
        *("--sources", str(sources), "--out", str(out), "--cache", str(cache)),
    ]


def _snapshot(folder: Path) -> dict[str, int]:
    return {
        path.name: path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file() and path.name != ".lock"
    }


def _measure(section: Section, folder: Path, runs: int) -> None:
    env = bench_env()
    paths = [f"/docs/page-{number:02d}.html" for number in range(PAGES)]
    bodies = {
        path: error_page(ROWS_PER_PAGE, seed=number).encode("utf-8")
        for number, path in enumerate(paths)
    }
    hosts = [f"127.0.0.{2 + number}" for number in range(PAGES)]
    with serving(bodies, ["127.0.0.1", *hosts], LATENCY) as server:
        urls = [
            f"http://{host}:{server.port}{path}" for host, path in zip(hosts, paths, strict=True)
        ]
        many = _sources_file(folder / "sources.toml", urls)
        one = _sources_file(
            folder / "one-host.toml", [f"http://127.0.0.1:{server.port}{path}" for path in paths]
        )
        requests = folder / "requests.json"
        requests.write_text(
            json.dumps(
                [
                    {"url": url, "etag": server.etags[path]}
                    for url, path in zip(urls, paths, strict=True)
                ]
            ),
            encoding="utf-8",
        )
        primed_out, primed_cache = folder / "primed" / "out", folder / "primed" / "cache"
        run_checked([PYTHON, *_build(many, primed_out, primed_cache)], env=env, cwd=PROJECT_ROOT)
        before = _snapshot(primed_out)
        fresh = itertools.count()

        def fresh_build(sources: Path) -> Callable[[], list[str]]:
            def command() -> list[str]:
                run_folder = folder / f"run-{next(fresh)}"
                return [PYTHON, *_build(sources, run_folder / "out", run_folder / "cache")]

            return command

        commands: dict[str, Callable[[], list[str]]] = {
            "full": fresh_build(many),
            "no_change": lambda: [PYTHON, *_build(many, primed_out, primed_cache)],
            "bare": lambda: [
                PYTHON,
                str(Path(__file__).with_name("bare_requests.py")),
                str(requests),
            ],
            "one_host": fresh_build(one),
        }
        times, hits = _time_observed(commands, server, runs, env)
        unchanged = _snapshot(primed_out) == before
        profile = folder / "no-change.prof"
        server.take_hits()
        run_checked(
            [
                PYTHON,
                "-m",
                "cProfile",
                "-o",
                str(profile),
                *_build(many, primed_out, primed_cache),
            ],
            env=env,
            cwd=PROJECT_ROOT,
        )
        profiled = server.take_hits()
    calls = _skippable_calls(profile)
    work = _skippable_seconds(folder, bodies, runs, env)
    _report(section, runs, times, hits, unchanged, (calls, work), profiled)


def _time_observed(
    commands: dict[str, Callable[[], list[str]]],
    server: LatencyServer,
    runs: int,
    env: dict[str, str],
) -> tuple[dict[str, Samples], dict[str, list[list[Hit]]]]:
    """Like `common.time_processes`, also keeping the server's log of each timed run."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    hits: dict[str, list[list[Hit]]] = {name: [] for name in commands}
    for round_number in range(1 + runs):
        for name, command in commands.items():
            server.take_hits()
            elapsed = run_checked(command(), env=env, cwd=PROJECT_ROOT)
            if round_number:
                times[name].append(elapsed)
                hits[name].append(server.take_hits())
    return {name: Samples(tuple(values)) for name, values in times.items()}, hits


def _skippable_calls(profile: Path) -> dict[str, int]:
    """How often each skippable function ran in the profiled process."""
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    stats = pstats.Stats(str(profile)).stats  # type: ignore[attr-defined]
    calls = {f"{module}:{name}()": 0 for module, name in SKIPPABLE}
    for (filename, _, function), (_, total_calls, *_) in stats.items():
        for module, name in SKIPPABLE:
            if function == name and filename.replace("\\", "/").endswith(f"scraper/{module}"):
                calls[f"{module}:{name}()"] += total_calls
    return calls


def _skippable_seconds(
    folder: Path, bodies: dict[str, bytes], runs: int, env: dict[str, str]
) -> Samples:
    """Parsing the pages and rendering the exports, timed in fresh processes (`refresh_work.py`)."""
    files = []
    for path, body in bodies.items():
        file = folder / "pages" / path.rsplit("/", 1)[1]
        file.parent.mkdir(exist_ok=True)
        file.write_bytes(body)
        files.append(str(file))
    worker = [PYTHON, str(Path(__file__).with_name("refresh_work.py")), *files]
    seconds = []
    for _ in range(runs):
        completed = subprocess.run(
            worker, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
        )
        seconds.append(float(completed.stdout))
    return Samples(tuple(seconds))


def _median_of(values: list[float]) -> float:
    return Samples(tuple(values)).median


def _report(
    section: Section,
    runs: int,
    times: dict[str, Samples],
    hits: dict[str, list[list[Hit]]],
    unchanged: bool,
    work: tuple[dict[str, int], Samples],
    profiled: list[Hit],
) -> None:
    rows = []
    for name, label in LABELS.items():
        runs_hits = hits[name]
        statuses = sorted({hit.status for run_hits in runs_hits for hit in run_hits})
        phase = _median_of([_phase(run_hits) for run_hits in runs_hits])
        rows.append(
            [
                label,
                times[name].spread(),
                ms(phase),
                str(max(max_in_flight(run_hits) for run_hits in runs_hits)),
                ", ".join(str(status) for status in statuses),
                f"{_median_of([float(len(run_hits)) for run_hits in runs_hits]):g}",
            ]
        )
    full_phase = _median_of([_phase(run_hits) for run_hits in hits["full"]])
    one_host_phase = _median_of([_phase(run_hits) for run_hits in hits["one_host"]])
    one_host_in_flight = max(max_in_flight(run_hits) for run_hits in hits["one_host"])
    no_change_ratio = times["no_change"].median / times["bare"].median
    all_304 = all(hit.status == 304 for run_hits in hits["no_change"] for hit in run_hits)
    calls, skippable = work
    skipped_work = sum(calls.values())
    without_work = times["no_change"].median - skippable.median
    section.lines += [
        f"{PAGES} generated pages of {ROWS_PER_PAGE} rows, each on its own loopback address "
        f"(127.0.0.2 to 127.0.0.{PAGES + 1}) of one local server that waits "
        f"{ms(LATENCY)} before every response, 304 included, and answers If-None-Match with "
        "304. Wall time: median of "
        f"{plural(runs, 'run')} after a warm-up, the four processes interleaved. Network phase: "
        "from the server receiving the run's first request to it finishing the last response.",
        "",
        *table(
            ["process", "wall time", "network phase", "most in flight", "statuses", "requests"],
            rows,
        ),
        "",
        f"- Full refresh: network phase {ms(full_phase)} = "
        f"{ratio(full_phase / LATENCY)} one page's latency (all {PAGES} one after another "
        f"would take {ms(PAGES * LATENCY)}). The whole process takes "
        f"{times['full'].spread()}, {ratio(times['full'].median / LATENCY)} the latency: "
        "Python's start-up, imports, parsing and export come on top of the network, and no "
        "concurrency can remove them, so the target is applied to the network phase.",
        f"- One host: the fetcher keeps at most {one_host_in_flight} requests in flight per host "
        f"(politeness to a real site), so {PAGES} pages on one host take "
        f"{ratio(one_host_phase / LATENCY)} the latency; spread over hosts they run all at once.",
        f"- No-change refresh: {ratio(no_change_ratio)} the bare requests' time; every answer "
        f"was 304: {'yes' if all_304 else 'no'}; the output folder was left untouched: "
        f"{'yes' if unchanged else 'no'}.",
        "- Parsing and export functions called in one profiled no-change refresh "
        f"({len(profiled)} requests): "
        + ", ".join(f"`{name}` {count}" for name, count in calls.items())
        + f". That work (parsing the {PAGES} pages, rendering JSON and CSV) takes "
        f"{skippable.spread()} in a fresh process after its imports (`refresh_work.py`); "
        f"without it a no-change refresh would take about {ms(without_work)}, "
        f"{ratio(without_work / times['bare'].median)} the bare requests (an estimate of what "
        "skipping it saves; the memo check that replaces it costs a little).",
    ]
    section.targets += [
        Target(
            "3. full refresh network phase ÷ one page's latency",
            full_phase / LATENCY,
            FULL_TARGET,
            if_missed="The pages were not all fetched at once: check how many requests the "
            "server saw in flight and the fetcher's per-host and worker limits.",
        ),
        Target(
            "3. no-change refresh ÷ bare requests",
            no_change_ratio,
            NO_CHANGE_TARGET,
            if_missed="A refresh whose pages all answer 304 parses and exports nothing (see the "
            "calls above); what remains beyond the bare requests is start-up: the interpreter "
            "running the package's command line, filelock, and hashing the output folder to "
            "check the memo of the last build. Closing the rest would take a lighter command-line "
            "start-up (fewer modules before the memo check).",
        ),
        Target(
            "3. no-change refresh: parsing and export calls",
            float(skipped_work),
            0.0,
            unit=" calls",
            if_missed="The build's memo of its last inputs (`scraper/memo.py`) did not apply: "
            "check that the refresh used a cache folder and that the output folder was left as "
            "the previous run wrote it.",
        ),
    ]


def _phase(run_hits: list[Hit]) -> float:
    if not run_hits:
        return 0.0
    return max(hit.finished for hit in run_hits) - min(hit.arrived for hit in run_hits)
