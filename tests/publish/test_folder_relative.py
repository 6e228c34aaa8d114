"""A build into a relative output folder keeps its own temporary files (regression test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.build import BuildOptions, run_build
from scraper.model import JSON_NAME
from scraper.sources.catalog import SEED_SOURCES


def test_a_second_build_into_a_relative_folder_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = Path("output")
    run_build(BuildOptions(sources=SEED_SOURCES, out_dir=out), lambda _line: None)
    (out / JSON_NAME).write_bytes((out / JSON_NAME).read_bytes().replace(b"Success", b"Done"))
    result = run_build(BuildOptions(sources=SEED_SOURCES, out_dir=out), lambda _line: None)
    assert result.changed
    assert b'"Success"' in (out / JSON_NAME).read_bytes()
