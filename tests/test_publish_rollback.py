"""A failed publish changes nothing: every step of it fails once, and the folder is as it was.

Publishing writes every new file as a flushed temporary first, then renames each over the old
one, keeping a hard link to it; a failure at any write, any rename or the SQLite commit puts
back every replaced file, removes the temporaries and exits 3 saying so. (A crash part-way is
`test_crash.py`'s business: the next build completes it.)
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, publish_then_change, snapshot

Run = Callable[..., CliResult]
# diff.json, CHANGELOG.md, errorcodes.sqlite, errorcodes.json, errorcodes.csv, the contract
# files and manifest.json: more than any build renames, so every step is covered.
STEPS = range(1, 9)


def _nth(number: int, original: Callable[..., object], exc: OSError) -> Callable[..., object]:
    calls = [0]

    def maybe(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        if calls[0] == number:
            raise exc
        return original(*args, **kwargs)

    return maybe


def _publish_steps(run_cli: Run, config: Path, out: Path) -> int:
    """How many files a publish of the changed page renames into place (in a scratch copy)."""
    scratch = out.parent / "scratch"
    shutil.copytree(out, scratch)
    result = run_cli("build", "--sources", config, "--out", scratch)
    wrote = next(line for line in result.stderr.splitlines() if line.startswith("wrote "))
    shutil.rmtree(scratch)
    return len(wrote.removeprefix("wrote ").rsplit(" to ", 1)[0].split(", "))


def _assert_as_it_was(result: CliResult, out: Path, before: object, reason: str) -> None:
    assert result.exit_code == 3, result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"error: {out}: cannot write the dataset ({reason}); nothing was changed: "
        "the folder is as it was"
    )
    assert snapshot(out) == before
    assert not list(out.glob(".tmp-*"))


@pytest.mark.parametrize("step", STEPS, ids=lambda step: f"rename-{step}")
def test_a_refused_rename_at_any_step_puts_every_file_back(
    run_cli: Run, changed_page: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, step: int
) -> None:
    config, out = changed_page
    if step > _publish_steps(run_cli, config, out):
        pytest.skip(f"a publish renames fewer than {step} files")
    before = snapshot(out)
    refused = PermissionError(errno.EPERM, "Operation not permitted", "errorcodes.json")
    monkeypatch.setattr(Path, "replace", _nth(step, Path.replace, refused))
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    _assert_as_it_was(result, out, before, "errorcodes.json: Operation not permitted")


@pytest.mark.parametrize("step", range(1, 8), ids=lambda step: f"write-{step}")
def test_a_full_disk_at_any_write_changes_nothing(
    run_cli: Run, changed_page: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, step: int
) -> None:
    import scraper.files

    config, out = changed_page
    if step > _publish_steps(run_cli, config, out) - 1:  # the SQLite file is not written so
        pytest.skip(f"a publish writes fewer than {step} files")
    before = snapshot(out)
    full = OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(scraper.files, "write_all", _nth(step, scraper.files.write_all, full))
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    _assert_as_it_was(result, out, before, "No space left on device")


class _FailingCommit:
    """A connection whose commit fails as SQLite does on a full disk."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> object:
        return getattr(self._connection, name)

    def __enter__(self) -> _FailingCommit:
        return self

    def __exit__(self, kind: object, *_rest: object) -> None:
        self._connection.rollback()
        if kind is None:
            raise sqlite3.OperationalError("database or disk is full")


def test_a_failing_sqlite_commit_changes_nothing(
    run_cli: Run, changed_page: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, out = changed_page
    before = snapshot(out)
    connect = sqlite3.connect
    monkeypatch.setattr(
        "scraper.publish.history.sqlite3.connect",
        lambda *args, **kwargs: _FailingCommit(connect(*args, **kwargs)),
    )
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        f"error: {out}: cannot write the new dataset (database or disk is full); nothing was "
        "changed: the folder is as it was"
    )
    assert snapshot(out) == before
    assert not list(out.glob(".tmp-*"))


def _fill(descriptor: int) -> None:
    while True:
        os.write(descriptor, b"\0" * 4096)


def _can_mount() -> str:
    if os.geteuid() != 0:
        return "mounting a small tmpfs needs root"
    if shutil.which("mount") is None:
        return "no mount command"
    return ""


@pytest.mark.skipif(bool(_can_mount()), reason=_can_mount() or "mount permitted")
def test_a_really_full_file_system_changes_nothing(tmp_path: Path, run_cli: Run) -> None:
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(small)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"mount is not permitted here: {mounted.stderr.strip()}")
    try:
        config, out = publish_then_change(tmp_path, small / "output", run_cli)
        before = snapshot(out)
        filler = os.open(small / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            with pytest.raises(OSError, match="No space left on device"):
                _fill(filler)
        finally:
            os.close(filler)
        result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
        assert result.exit_code == 3, result.stderr
        assert result.stderr.splitlines()[-1].endswith(
            "; nothing was changed: the folder is as it was"
        )
        assert snapshot(out) == before
        assert not list(out.glob(".tmp-*"))
        # With room again, the same build publishes.
        (small / "filler").unlink()
        assert run_cli("build", "--sources", config, "--out", out, "--exit-code").exit_code == 1
    finally:
        subprocess.run(["umount", str(small)], check=False)


def _chattr(flag: str, path: Path) -> str:
    """Set or clear a file attribute; why it could not, or "" when it did."""
    if shutil.which("chattr") is None:
        return "no chattr command"
    done = subprocess.run(["chattr", flag, str(path)], capture_output=True, text=True, check=False)
    return done.stderr.strip() or (
        "" if done.returncode == 0 else f"chattr exited {done.returncode}"
    )


def test_an_immutable_file_fails_the_publish_and_leaves_nothing_behind(
    run_cli: Run, changed_page: tuple[Path, Path]
) -> None:
    config, out = changed_page
    target = out / "errorcodes.json"
    if problem := _chattr("+i", target):
        pytest.skip(
            f"cannot make a file immutable here (needs root and ext4 or the like): {problem}"
        )
    try:
        before = snapshot(out)
        result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
        # Neither a hard link to an immutable file nor its replacement is allowed: the copy kept
        # as its backup must go, and the files renamed before it must come back.
        _assert_as_it_was(result, out, before, "errorcodes.json: Operation not permitted")
        assert not list(out.rglob(".tmp-*"))
    finally:
        _chattr("-i", target)
