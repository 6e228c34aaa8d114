"""SIGKILL a real build at many moments: every export stays whole, and the next build recovers.

Each case starts from the same published old version, runs a build of a changed page in a
subprocess and kills it: either right before its k-th file replacement (every step of the
publish, deterministically), or a varied moment after it has read its page (timing). Then
every export must parse and be byte-identical to the old or the new version, and a normal
build must finish the job by itself: same bytes as an uninterrupted build, no temporary files,
no lock left behind, no change recorded twice.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from scraper.files import TEMP_PREFIX
from tests.conftest import FIXTURES, PROJECT_ROOT, CliResult, snapshot

pytestmark = pytest.mark.slow

EPOCH = "1740810600"
RANDOM_KILLS = 10
TIME_BUDGET = 40.0  # seconds for the timed kills; the count above is the usual bound
Run = Callable[..., CliResult]

# Runs the command line, but SIGKILLs itself right before the k-th Path.replace: the moment
# just before one more file of the publish is renamed into place.
KILL_BEFORE_REPLACE = """
import os, pathlib, signal, sys
from scraper.cli import main
target, calls, replace = int(sys.argv[1]), [0], pathlib.Path.replace
def killing_replace(self, destination):
    calls[0] += 1
    if calls[0] == target:
        os.kill(os.getpid(), signal.SIGKILL)
    return replace(self, destination)
pathlib.Path.replace = killing_replace
sys.exit(main(sys.argv[2:]))
"""


@dataclass(frozen=True)
class Versions:
    """The old published folder, the bytes of the old and new versions, and the publish order."""

    old_folder: Path
    config: Path
    old: dict[str, bytes]
    new: dict[str, bytes]
    order: list[str]

    @property
    def changed(self) -> set[str]:
        return {name for name, data in self.new.items() if self.old[name] != data}


def _files(folder: Path) -> dict[str, bytes]:
    return {name: data for name, (data, _) in snapshot(folder).items()}


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> Versions:
    root = tmp_path_factory.mktemp("crash")
    pages = root / "pages"
    pages.mkdir()
    page = pages / "page.md"
    config = pages / "sources.toml"
    config.write_text(
        '[[source]]\nid = "ios"\nproduct = "JMessage"\nurl = "https://docs.example/ios/"\n'
        'path = "page.md"\n'
        'platform = "ios"\n',
        encoding="utf-8",
    )
    shutil.copyfile(FIXTURES / "versions" / "base.md", page)
    old_folder = root / "old"
    assert _build(config, old_folder).returncode == 0
    shutil.copyfile(FIXTURES / "versions" / "section_renamed.md", page)
    new_folder = root / "new"
    shutil.copytree(old_folder, new_folder)
    done = _build(config, new_folder)
    assert done.returncode == 0, done.stderr
    wrote = next(line for line in done.stderr.splitlines() if line.startswith("wrote "))
    order = wrote.removeprefix("wrote ").rsplit(" to ", 1)[0].split(", ")
    assert order[:3] == ["diff.json", "CHANGELOG.md", "errorcodes.sqlite"]
    assert order[-1] == "manifest.json"
    return Versions(old_folder, config, _files(old_folder), _files(new_folder), order)


def _environment() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}


def _build(config: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scraper", "build", "--sources", config, "--out", out],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=_environment(),
    )


def _arguments(versions: Versions, folder: Path) -> list[str]:
    return ["build", "--sources", str(versions.config), "--out", str(folder)]


def _fresh_copy(versions: Versions, tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(versions.old_folder, folder)
    return folder


def _check_whole(versions: Versions, folder: Path) -> dict[str, str]:
    """Every export parses and is the old or the new version; returns which, per file."""
    which: dict[str, str] = {}
    for name, data in _files(folder).items():
        if Path(name).name.startswith(TEMP_PREFIX):
            continue  # a killed build's temporary file: never read, cleaned by the next build
        if name.endswith(".json"):
            json.loads(data)
        elif name.endswith(".csv"):
            assert list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        elif name.endswith(".sqlite"):
            connection = sqlite3.connect(folder / name)
            try:
                assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert connection.execute("SELECT COUNT(*) FROM error_codes").fetchone()[0] == 15
            finally:
                connection.close()
        if data == versions.new[name] == versions.old[name]:
            which[name] = "same"  # a file the change does not touch (the JSON Schema, say)
        elif data == versions.new[name]:
            which[name] = "new"
        else:
            assert data == versions.old[name], f"{name} is neither the old nor the new version"
            which[name] = "old"
    assert set(which) == set(versions.old)
    return which


def _recover(versions: Versions, folder: Path, run_cli: Run, which: dict[str, str]) -> None:
    """A normal build finishes the job: no lock left to wait for, same bytes, no leftovers.

    With --exit-code it exits 1 whenever a file was still old, so a job commits the rest.
    """
    result = run_cli(
        "build", "--sources", versions.config, "--out", folder, "--lock-timeout", "0", "--exit-code"
    )
    assert result.exit_code == (1 if "old" in which.values() else 0), result.stderr
    assert _files(folder) == versions.new
    assert not list(folder.rglob(f"{TEMP_PREFIX}*"))
    connection = sqlite3.connect(folder / "errorcodes.sqlite")
    try:
        assert connection.execute("SELECT id FROM runs").fetchall() == [(1,), (2,)]
    finally:
        connection.close()


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.mark.usefixtures("pinned")
def test_a_kill_before_each_publish_step_leaves_whole_files(
    versions: Versions, tmp_path: Path, run_cli: Run
) -> None:
    for step in range(1, len(versions.order) + 1):
        folder = _fresh_copy(versions, tmp_path, f"step{step}")
        killed = subprocess.run(
            [sys.executable, "-c", KILL_BEFORE_REPLACE, str(step), *_arguments(versions, folder)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=_environment(),
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        which = _check_whole(versions, folder)
        published = {name for name in versions.order[: step - 1] if name in versions.changed}
        assert {name for name, state in which.items() if state == "new"} == published, step
        # The file being renamed when the build died is still there as a temporary.
        assert list(folder.rglob(f"{TEMP_PREFIX}*")), step
        _recover(versions, folder, run_cli, which)


@pytest.mark.usefixtures("pinned")
def test_kills_at_varied_moments_leave_whole_files_and_recover(
    versions: Versions, tmp_path: Path, run_cli: Run
) -> None:
    chance = random.Random(4)  # a fixed seed: the same delays on every run
    started = time.monotonic()
    outcomes: list[str] = []
    for case in range(RANDOM_KILLS):
        if time.monotonic() - started > TIME_BUDGET:
            break
        folder = _fresh_copy(versions, tmp_path, f"case{case}")
        build = subprocess.Popen(
            [sys.executable, "-m", "scraper", *_arguments(versions, folder)],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=_environment(),
        )
        assert build.stderr is not None
        # Wait until the page is parsed; the rest (lock, compare, publish) takes about 40 ms here,
        # which the delays spread over.
        build.stderr.readline()
        time.sleep(chance.uniform(0.0, 0.05))
        build.send_signal(signal.SIGKILL)
        build.communicate(timeout=60)
        which = _check_whole(versions, folder)
        outcomes.append("".join(state[0] for state in which.values()))
        _recover(versions, folder, run_cli, which)
    assert len(outcomes) >= 3, "too few kills within the time budget"
    print("outcomes (o: old, n: new, s: same, per file):", " ".join(outcomes))
