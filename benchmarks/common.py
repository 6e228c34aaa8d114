"""Shared benchmark machinery: timing processes, summarising samples, describing the machine."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# A process to time: called once per run (so each run can get a fresh folder), returns argv.
Command = Callable[[], Sequence[str]]


@dataclass(frozen=True)
class Samples:
    """Wall times of repeated runs, in seconds; the median is the figure we compare."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def spread(self) -> str:
        """`median (min–max)` in milliseconds, for tables."""
        return f"{ms(self.median)} ({ms(self.low)}–{ms(self.high)})"


@dataclass
class Target:
    """One target from the issue: what was measured, the limit, and whether it was met."""

    name: str
    measured: float
    limit: float
    unit: str = "x"
    # Why a missed target was missed and what it would take; written by the benchmark itself.
    if_missed: str = ""

    @property
    def met(self) -> bool:
        return self.measured <= self.limit

    def verdict(self) -> str:
        return "met" if self.met else "**missed**"

    def show(self, value: float) -> str:
        if self.unit == "x":
            return ratio(value)
        if self.unit == "s":
            return ms(value)
        return f"{value:g}{self.unit}"


@dataclass
class Section:
    """One benchmark's part of BENCHMARKS.md, and its targets for the summary."""

    title: str
    lines: list[str] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)


def bench_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment timed processes run in: a user's defaults, not this shell's.

    Bytecode caching is on (as it is for anyone who did not turn it off), so the warm-up run
    writes `__pycache__` and timed runs measure start-up as users see it. Profiling and
    debugging switches that would change the timings are dropped.
    """
    env = dict(os.environ)
    for name in (
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONPROFILEIMPORTTIME",
        "PYTHONTRACEMALLOC",
        "PYTHONDEVMODE",
        "PYTHONWARNINGS",
        "PYTHONINSPECT",
    ):
        env.pop(name, None)
    env.update(extra or {})
    return env


def run_checked(argv: Sequence[str], *, env: Mapping[str, str], cwd: Path) -> float:
    """Run a process to completion and return its wall time; a failure stops the benchmark."""
    started = time.perf_counter()
    completed = subprocess.run(list(argv), env=dict(env), cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(
            f"benchmark command failed with exit code {completed.returncode}: "
            f"{' '.join(argv)}\n{completed.stderr.decode(errors='replace')}"
        )
    return elapsed


def time_processes(
    commands: Mapping[str, Command],
    *,
    runs: int,
    warmups: int = 1,
    env: Mapping[str, str] | None = None,
    cwd: Path = PROJECT_ROOT,
) -> dict[str, Samples]:
    """Time each command `runs` times after `warmups` untimed runs, interleaving the commands.

    Interleaving (A B C A B C ...) rather than running A five times then B five times means a
    burst of load from elsewhere on the machine hits every command alike, so the ratios hold.
    """
    environment = bench_env() if env is None else dict(env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(warmups + runs):
        for name, command in commands.items():
            elapsed = run_checked(command(), env=environment, cwd=cwd)
            if round_number >= warmups:
                times[name].append(elapsed)
    return {name: Samples(tuple(values)) for name, values in times.items()}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.2f} ms"


def ratio(value: float) -> str:
    return f"{value:.2f}x"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A Markdown table; the first column left-aligned, the rest right-aligned (numbers)."""
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join([":---"] + ["---:"] * (len(header) - 1)) + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def version_of(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_revision() -> str:
    completed = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        return "unknown"
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return completed.stdout.strip() + (" (with uncommitted changes)" if dirty else "")
