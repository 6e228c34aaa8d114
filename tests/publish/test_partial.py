"""A partial build (`--only`) never publishes records kept from a dataset replaced meanwhile."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import scraper.build
from tests.conftest import CliResult, snapshot

Run = Callable[..., CliResult]


def test_a_dataset_published_meanwhile_stops_the_partial_build(
    run_cli: Run, tmp_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("build", "--out", tmp_output).exit_code == 0
    dataset = tmp_output / "errorcodes.json"
    parse_sources = scraper.build.parse_sources

    def parse_then_another_build_publishes(*args: object, **kwargs: object) -> object:
        pages = parse_sources(*args, **kwargs)  # type: ignore[arg-type]
        # Another build replaces the dataset after the kept records were read.
        document = json.loads(dataset.read_bytes())
        document["records"][0]["message"] = "Success (reworded by another build)"
        dataset.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
        return pages

    monkeypatch.setattr(scraper.build, "parse_sources", parse_then_another_build_publishes)
    before = snapshot(tmp_output)
    result = run_cli("build", "--only", "jmessage-ios", "--out", tmp_output)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        f"error: {tmp_output}: another build published a new dataset while this one ran, so the "
        "records kept for the sources not in --only may be out of date; nothing was written: "
        "run the build again"
    )
    after = snapshot(tmp_output)
    # Only the other build's dataset changed; this build wrote nothing.
    assert after.pop("errorcodes.json")[0] != before.pop("errorcodes.json")[0]
    assert "reworded by another build" in dataset.read_text("utf-8")
    assert after == before


def test_a_partial_build_of_an_unchanged_folder_publishes(run_cli: Run, tmp_output: Path) -> None:
    assert run_cli("build", "--out", tmp_output).exit_code == 0
    result = run_cli("build", "--only", "jmessage-ios", "--out", tmp_output)
    assert result.exit_code == 0, result.stderr
    assert "android: kept 32 records from the previous build (not in --only)" in result.stderr
    assert f"no change: nothing written to {tmp_output}" in result.stderr
