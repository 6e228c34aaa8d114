"""Builds on one output folder take turns: a real second process waits for the lock or gives up."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from tests.conftest import FIXTURES, PROJECT_ROOT, CliResult, snapshot

pytestmark = pytest.mark.slow

VERSIONS = FIXTURES / "versions"
Run = Callable[..., CliResult]
EPOCH = "1740810600"  # 2025-03-01T06:30:00Z


def _sources(folder: Path, name: str, version: str) -> Path:
    """A sources file whose one source, `ios`, reads a copy of a page version."""
    shutil.copyfile(VERSIONS / f"{version}.md", folder / f"{name}.md")
    config = folder / f"{name}.toml"
    config.write_text(
        f'[[source]]\nid = "ios"\nproduct = "JMessage"\nurl = "https://docs.example/ios/"\n'
        f'path = "{name}.md"\n'
        'platform = "ios"\n',
        encoding="utf-8",
    )
    return config


def _start(config: Path, out: Path, log: Path, *options: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "scraper", "build", "--sources", config, "--out", out, *options],
            cwd=PROJECT_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stream,
            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
        )


def _wait_for(condition: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {seconds} s")
        time.sleep(0.05)


@pytest.fixture
def folder(tmp_path: Path, run_cli: Run, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(pages folder, output folder holding a first build of the base page)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    pages, out = tmp_path / "pages", tmp_path / "output"
    pages.mkdir()
    assert (
        run_cli("build", "--sources", _sources(pages, "base", "base"), "--out", out).exit_code == 0
    )
    return pages, out


def test_two_builds_at_once_take_turns(folder: tuple[Path, Path], tmp_path: Path) -> None:
    pages, out = folder
    configs = [_sources(pages, "one", "code_added"), _sources(pages, "two", "message_reworded")]
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    waiting = f"{out}: another build holds the output lock; waiting up to 30 s (--lock-timeout)"
    held = FileLock(out / ".lock")
    held.acquire()
    try:
        builds = [
            _start(config, out, log, "--lock-timeout", "30")
            for config, log in zip(configs, logs, strict=True)
        ]
        # Both builds have read their page and now queue on the lock this test holds.
        _wait_for(lambda: all(waiting in log.read_text("utf-8") for log in logs), 60)
    finally:
        held.release()
    for build in builds:
        assert build.wait(timeout=60) == 0
    for log in logs:
        assert "wrote diff.json, CHANGELOG.md, errorcodes.sqlite" in log.read_text("utf-8")

    # The second build compared against what the first published, never against the base.
    connection = sqlite3.connect(out / "errorcodes.sqlite")
    try:
        runs = connection.execute(
            "SELECT id, previous_sha256, dataset_sha256, added, changed FROM runs ORDER BY id"
        ).fetchall()
    finally:
        connection.close()
    assert [run[0] for run in runs] == [1, 2, 3]
    assert runs[1][2] == runs[2][1]
    assert runs[0][2] == runs[1][1]
    final = hashlib.sha256((out / "errorcodes.json").read_bytes()).hexdigest()
    assert runs[2][2] == final
    # The last diff compares the two pages with each other (2 differences), not one with the base.
    diff = json.loads((out / "diff.json").read_bytes())
    assert (diff["from"], diff["to"]) == (runs[2][1], final)
    assert len(diff["added"]) + len(diff["removed"]) + len(diff["changed"]) == 2
    log = (out / "CHANGELOG.md").read_text("utf-8")
    assert log.count("\n## 2025-03-01: ") == 3
    manifest = json.loads((out / "manifest.json").read_bytes())
    for name, digest in manifest["exports"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest["sha256"], name


def test_two_builds_of_the_same_page_publish_once(
    folder: tuple[Path, Path], tmp_path: Path
) -> None:
    pages, out = folder
    config = _sources(pages, "same", "code_added")
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    builds = [_start(config, out, log, "--exit-code") for log in logs]
    codes = sorted(build.wait(timeout=60) for build in builds)
    texts = [log.read_text("utf-8") for log in logs]
    # One build published the change (exit 1); the other then found nothing to do (exit 0).
    assert codes == [0, 1], texts
    assert sum("no change: nothing written" in text for text in texts) == 1
    assert (out / "CHANGELOG.md").read_text("utf-8").count("1 code added") == 1


def test_a_build_that_cannot_get_the_lock_in_time_exits_3(
    folder: tuple[Path, Path], tmp_path: Path
) -> None:
    pages, out = folder
    config = _sources(pages, "late", "code_added")
    before = snapshot(out)
    log = tmp_path / "late.log"
    held = FileLock(out / ".lock")
    held.acquire()
    try:
        started = time.monotonic()
        code = _start(config, out, log, "--lock-timeout", "0.5").wait(timeout=60)
        elapsed = time.monotonic() - started
    finally:
        held.release()
    text = log.read_text("utf-8")
    assert code == 3
    assert (
        f"{out}: another build holds the output lock; waiting up to 0.5 s (--lock-timeout)\n"
        in text
    )
    assert text.endswith(
        f"error: {out}: another build has held the output lock for over 0.5 s; "
        "try again later or raise --lock-timeout\n"
    )
    assert "Traceback" not in text
    assert elapsed < 30
    assert snapshot(out) == before
