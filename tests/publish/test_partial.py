"""A partial build (`--only`) never publishes records kept from a dataset replaced meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

import scraper.build
from tests.conftest import CliResult

Run = Callable[..., CliResult]


def test_the_kept_records_are_read_under_the_output_lock(
    run_cli: Run, tmp_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No other build can publish between reading the kept records and publishing: both
    happen while this build holds the output folder's lock."""
    assert run_cli("build", "--out", tmp_output).exit_code == 0
    carry_over = scraper.build.carry_over
    held: list[bool] = []

    def carry_over_checking_the_lock(out_dir: Path, kept: object) -> object:
        try:
            FileLock(out_dir / ".lock").acquire(timeout=0)
        except Timeout:
            held.append(True)
        else:
            held.append(False)
        return carry_over(out_dir, kept)  # type: ignore[arg-type]

    monkeypatch.setattr(scraper.build, "carry_over", carry_over_checking_the_lock)
    result = run_cli("build", "--only", "jmessage-ios", "--out", tmp_output)
    assert result.exit_code == 0, result.stderr
    assert held == [True]


def test_a_partial_build_of_an_unchanged_folder_publishes(run_cli: Run, tmp_output: Path) -> None:
    assert run_cli("build", "--out", tmp_output).exit_code == 0
    result = run_cli("build", "--only", "jmessage-ios", "--out", tmp_output)
    assert result.exit_code == 0, result.stderr
    assert "android: kept 32 records from the previous build (not in --only)" in result.stderr
    assert f"no change: nothing written to {tmp_output}" in result.stderr
