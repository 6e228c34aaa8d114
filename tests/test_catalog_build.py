"""Building the whole catalog: every product, repeated codes keyed stably, nothing silently
wrong (a page that yields nothing fails), and a rebuild of unchanged pages writes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scraper.build import BuildOptions, run_build
from scraper.model import JSON_NAME, PRODUCTS
from scraper.publish.release import Outcome
from scraper.sources.catalog import BUILTIN_SOURCES, SEED_SOURCES
from tests.conftest import CliResult, snapshot

Run = Callable[..., CliResult]


def quiet(_line: str) -> None:
    return None


@pytest.fixture(scope="module")
def catalog_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("catalog") / "output"
    result = run_build(BuildOptions(sources=BUILTIN_SOURCES, out_dir=out), quiet)
    assert result.outcome is Outcome.PUBLISHED
    return out


def records_of(out: Path) -> list[dict[str, object]]:
    document = json.loads((out / JSON_NAME).read_text("utf-8"))
    records: list[dict[str, object]] = document["records"]
    return records


def test_the_catalog_build_holds_every_product_and_every_source(catalog_output: Path) -> None:
    records = records_of(catalog_output)
    assert {record["product"] for record in records} == set(PRODUCTS)
    assert {record["source"] for record in records} == {source.id for source in BUILTIN_SOURCES}
    keys = [
        (r["source"], r["platform"], r["sdk"], r["code_text"], r["occurrence"]) for r in records
    ]
    assert len(keys) == len(set(keys))


def test_the_jmessage_seed_records_are_those_of_the_seed_build(
    catalog_output: Path, tmp_path: Path
) -> None:
    seeds_only = tmp_path / "seeds"
    run_build(BuildOptions(sources=SEED_SOURCES, out_dir=seeds_only), quiet)
    seed_ids = {source.id for source in SEED_SOURCES}
    in_catalog = [r for r in records_of(catalog_output) if r["source"] in seed_ids]
    assert in_catalog == records_of(seeds_only)


def test_a_rebuild_of_the_unchanged_catalog_writes_nothing(catalog_output: Path) -> None:
    before = snapshot(catalog_output)
    result = run_build(BuildOptions(sources=BUILTIN_SOURCES, out_dir=catalog_output), quiet)
    assert result.outcome is Outcome.UNCHANGED
    assert snapshot(catalog_output) == before


REPEATED = """# JAnalytics

## 错误码

| code | message | 备注 |
| --- | --- | --- |
| 1101 | the value of $sex should be in [0,2] | |
| 1101 | the value of $paid should be in [0,2] | |
| 1101 | the value of $phone is NOT a phone number | |
"""


def write_page(folder: Path, text: str, more: str = "") -> Path:
    """The page and a sources file naming it (`more`: further keys of its entry)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "page.md").write_text(text, encoding="utf-8")
    config = folder / "sources.toml"
    config.write_text(
        '[[source]]\nid = "analytics"\nproduct = "JAnalytics"\nplatform = "android"\n'
        f'path = "page.md"\nurl = "https://docs.example/analytics/"\n{more}',
        encoding="utf-8",
    )
    return config


def test_a_repeated_code_keeps_its_keys_from_build_to_build(
    run_cli: Run, tmp_path: Path, tmp_output: Path
) -> None:
    config = write_page(tmp_path / "pages", REPEATED)
    assert run_cli("build", "--sources", config, "--out", tmp_output).exit_code == 0
    first = records_of(tmp_output)
    assert [(r["code"], r["occurrence"], r["message"]) for r in first] == [
        (1101, 1, "the value of $sex should be in [0,2]"),
        (1101, 2, "the value of $paid should be in [0,2]"),
        (1101, 3, "the value of $phone is NOT a phone number"),
    ]
    before = snapshot(tmp_output)
    assert run_cli("build", "--sources", config, "--out", tmp_output).exit_code == 0
    assert snapshot(tmp_output) == before
    # One of the three texts is reworded: the diff names exactly that row, by its occurrence.
    write_page(tmp_path / "pages", REPEATED.replace("$paid should", "$paid must"))
    result = run_cli("build", "--sources", config, "--out", tmp_output, "--exit-code")
    assert result.exit_code == 1, result.stderr
    diff = json.loads((tmp_output / "diff.json").read_text("utf-8"))
    assert (diff["added"], diff["removed"]) == ([], [])
    assert diff["changed"] == [
        {
            "key": {
                "source": "analytics",
                "platform": "android",
                "sdk": "JAnalytics",
                "code_text": "1101",
                "occurrence": 2,
            },
            "changes": {
                "message": {
                    "old": "the value of $paid should be in [0,2]",
                    "new": "the value of $paid must be in [0,2]",
                }
            },
        }
    ]


NO_CODES = "1 table(s) look like error-code tables but yield no codes, so the page may be read "


@pytest.mark.parametrize(
    ("page", "more", "message"),
    [
        (
            "## 错误码\n\n| Code | 描述 |\n| --- | --- |\n| | 无 |\n",
            "",
            f"{NO_CODES}wrong: analytics: table 1 (错误码): the column 'Code' is empty in all 1 "
            "row(s) with text; if another column holds the codes, name it in the source "
            '(columns = { code = "..." })',
        ),
        (
            "## 错误码\n\n| Code | 描述 |\n| --- | --- |\n| 黑名单 | 被叫号码为运营商黑名单 |\n",
            "",
            f"{NO_CODES}wrong: analytics: table 1 (错误码): the column 'Code' holds no codes (1 "
            "cell(s), none a number); if this table lists codes, name its columns in the source "
            '(columns = { code = "..." })',
        ),
        (
            "## 错误码\n\n| 状态 | 说明 |\n| --- | --- |\n| | 无 |\n",
            'columns = { code = "状态" }\n',
            "1 error-code table(s) but no record: every row lacks a usable code (analytics: "
            "table 1 (错误码), row 2: no code:  | 无)",
        ),
    ],
    ids=["code column empty", "code column of words", "named code column, no record"],
)
def test_a_page_that_yields_no_record_fails_the_build(
    run_cli: Run, tmp_path: Path, tmp_output: Path, page: str, more: str, message: str
) -> None:
    config = write_page(tmp_path / "pages", page, more)
    result = run_cli("build", "--sources", config, "--out", tmp_output)
    assert result.exit_code == 3
    assert message in result.stderr
    assert not tmp_output.exists()
