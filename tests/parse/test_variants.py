"""Every page variant in fixtures/pages/ parses to the records written beside it.

Each `NAME.html` or `NAME.md` has a `NAME.expected.json` with the source's default platform,
the records in page order, and the report (tables, blank rows, anomalies, duplicates,
warnings). The page is read as a build reads it: bytes, suffix, charset, Markdown rendering.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scraper.model import Key, Source
from scraper.parse.page import parse_page
from scraper.sources.catalog import BUILTIN_SOURCES, OPTIONAL_SOURCES, SEED_SOURCES
from scraper.sources.local import page_html, read_local
from tests.conftest import FIXTURES, CliResult
from tests.datasets import with_schema2_defaults

PAGES = FIXTURES / "pages"
VARIANTS = sorted(
    path for path in PAGES.iterdir() if path.suffix in {".html", ".md"} and path.is_file()
)


def source_for(page: Path, platform: str) -> Source:
    return Source(page.stem, f"https://docs.example/{page.stem}/", page, platform)


# What schema 2 deliberately changed in an expectation written for schema 1, by page: the
# fields of a record (by its index), or a whole entry of the report.
SCHEMA_2_CHANGES: dict[str, dict[str, Any]] = {
    # The rowspan carries 862106 down to a second row with its own message: a code listed
    # twice is kept twice, numbered by occurrence, so no duplicate key is left to report.
    "messy_cells": {"records": {6: {"occurrence": 2}}, "duplicates": []},
    # No cell of a code row is dropped: the text beyond the header's columns is kept in extra.
    "english": {
        "records": {2: {"extra": {"column 4": "see the state diagram"}}},
        "warnings": [
            "english: table 1 (JMessage iOS), row 4: 4 cells but the header has 3; kept the "
            "extra text under 'column N' in extra: see the state diagram"
        ],
    },
    # The footer's link row '上一页 API 文档 | 下一页 服务端错误码' names 错误码 but holds no
    # codes: it is no longer counted as an error-code table.
    "live_page": {"tables": 2},
    # A headerless table is warned about only under a heading (or over a first row) that names
    # errors or codes; "JMessage Windows" names neither (see test_strict_fails_on_a_headerless_...).
    "header_variants": {"warnings": []},
}


def expected_of(page: Path) -> dict[str, Any]:
    """The page's expectation, its records (written with schema 1's fields) as schema 2 states
    them, with the changes of `SCHEMA_2_CHANGES`."""
    expected: dict[str, Any] = json.loads(
        page.with_name(f"{page.stem}.expected.json").read_text("utf-8")
    )
    expected["records"] = [with_schema2_defaults(record) for record in expected["records"]]
    changes = dict(SCHEMA_2_CHANGES.get(page.stem, {}))
    for index, fields in changes.pop("records", {}).items():
        assert all(expected["records"][index][name] != value for name, value in fields.items())
        expected["records"][index].update(fields)
    for name, value in changes.items():
        assert expected[name] != value, (page.name, name)
        expected[name] = value
    return expected


@pytest.mark.parametrize("page", VARIANTS, ids=[path.name for path in VARIANTS])
def test_variant_parses_to_its_expected_records(page: Path) -> None:
    expected = expected_of(page)
    source = source_for(page, expected["platform"])
    parsed = parse_page(page_html(read_local(source)), source)
    report = parsed.report
    assert [record.as_dict() for record, _ in parsed.records] == expected["records"]
    assert (report.tables, report.blank_rows) == (expected["tables"], expected["blank_rows"])
    assert [anomaly.describe() for anomaly in report.anomalies] == expected["anomalies"]
    assert [anomaly.describe() for anomaly in report.duplicates] == expected["duplicates"]
    assert report.warnings == expected["warnings"]


def test_every_variant_has_its_expected_records() -> None:
    expected = {path.name.removesuffix(".expected.json") for path in PAGES.glob("*.expected.json")}
    assert expected == {path.stem for path in VARIANTS}


def records_of(name: str, platform: str = "ios") -> list[Key]:
    source = source_for(PAGES / name, platform)
    return [record.key for record, _ in parse_page(page_html(read_local(source)), source).records]


def test_two_tables_with_code_0_on_one_page_have_different_keys() -> None:
    keys = records_of("live_page.html")
    assert ("live_page", "android", "JMessage", "0", 1) in keys
    assert ("live_page", "android", "JMRTC", "0", 1) in keys


def test_the_combined_page_takes_each_platform_from_its_heading() -> None:
    platforms = {platform for _, platform, *_ in records_of("combined.md", "android")}
    assert platforms == {"ios", "android", "server"}


def write_sources(folder: Path, entries: str) -> Path:
    path = folder / "sources.toml"
    path.write_text(entries, encoding="utf-8")
    return path


def entry(source_id: str, page: str, platform: str, *, enabled: bool = True) -> str:
    return (
        f'[[source]]\nid = "{source_id}"\nproduct = "JMessage"\n'
        f'url = "https://docs.example/{source_id}/"\n'
        f'path = "{(PAGES / page).as_posix()}"\nplatform = "{platform}"\n'
        f"enabled = {str(enabled).lower()}\n"
    )


def test_build_reads_the_variants_and_prints_warnings(
    run_cli: Callable[..., CliResult], tmp_path: Path, tmp_output: Path
) -> None:
    sources = write_sources(
        tmp_path, entry("live", "live_page.html", "android") + entry("eng", "english.html", "ios")
    )
    result = run_cli("build", "--sources", sources, "--out", tmp_output)
    assert result.exit_code == 0, result.stderr
    assert (
        "warning: eng: table 1 (JMessage iOS), row 4: 4 cells but the header has 3; "
        "kept the extra text under 'column N' in extra: see the state diagram"
    ) in result.stderr.splitlines()
    # 5 + 5 records: 871101 is on both pages, but a key names its source, so both are kept.
    assert "duplicate key" not in result.stderr
    data = json.loads((tmp_output / "errorcodes.json").read_text("utf-8"))
    assert len(data["records"]) == 10
    assert sorted(
        record["source"] for record in data["records"] if record["code_text"] == "871101"
    ) == ["eng", "live"]


def test_strict_turns_anomalies_duplicates_and_warnings_into_exit_3(
    run_cli: Callable[..., CliResult], tmp_path: Path, tmp_output: Path
) -> None:
    sources = write_sources(tmp_path, entry("messy", "messy_cells.html", "ios"))
    result = run_cli("build", "--sources", sources, "--out", tmp_output, "--strict")
    assert result.exit_code == 3
    # 862106 on two rows is no duplicate any more (it is numbered by occurrence): a row that
    # repeats another cell for cell is, and strict fails on it as on the anomaly.
    page = tmp_path / "messy_cells.html"
    text = (PAGES / "messy_cells.html").read_text("utf-8")
    repeated = (
        '<tr><td>862107</td><td colspan="2">message and description from one colspan</td></tr>'
    )
    assert repeated in text
    page.write_text(text.replace(repeated, repeated * 2), encoding="utf-8")
    sources = write_sources(
        tmp_path,
        entry("messy", "messy_cells.html", "ios").replace(
            (PAGES / "messy_cells.html").as_posix(), page.as_posix()
        ),
    )
    result = run_cli("build", "--sources", sources, "--out", tmp_output, "--strict")
    assert result.exit_code == 3
    assert (
        "error: --strict: 2 problem(s) in the sources, so nothing was written "
        "(run without --strict to publish anyway, skipping those rows):"
    ) in result.stderr
    lines = result.stderr.splitlines()
    assert "  messy: table 1 (JMessage iOS), row 13: no integer code: - | - | " in lines
    assert (
        "  messy: table 1 (JMessage iOS), row 10: the same row as table 1, row 9; kept the "
        "first: 862107 | message and description from one colspan | "
        "message and description from one colspan"
    ) in lines
    assert not tmp_output.exists()


def test_strict_build_of_clean_pages_succeeds(
    run_cli: Callable[..., CliResult], tmp_path: Path, tmp_output: Path
) -> None:
    # The seed pages are clean; the whole catalog is not (see the report of a default build).
    sources = write_sources(
        tmp_path,
        "".join(
            f'[[source]]\nid = "{seed.id}"\nproduct = "{seed.product}"\nurl = "{seed.url}"\n'
            f'path = "{seed.path.as_posix() if seed.path else ""}"\n'
            f'platform = "{seed.platform}"\n'
            for seed in SEED_SOURCES
        ),
    )
    result = run_cli("build", "--sources", sources, "--out", tmp_output, "--strict")
    assert result.exit_code == 0, result.stderr
    assert (tmp_output / "errorcodes.json").is_file()


def test_strict_fails_on_a_headerless_table_warning(
    run_cli: Callable[..., CliResult], tmp_path: Path, tmp_output: Path
) -> None:
    # The warning needs a heading that names errors or codes (numbered values of something
    # else are no error codes): header_variants.html's "JMessage Windows" does not, so the
    # page is built strictly as it is, and fails once the heading says 错误码.
    sources = write_sources(tmp_path, entry("variants", "header_variants.html", "ios"))
    clean = run_cli("build", "--sources", sources, "--out", tmp_output, "--strict")
    assert clean.exit_code == 0, clean.stderr
    page = tmp_path / "header_variants.html"
    text = (PAGES / "header_variants.html").read_text("utf-8")
    assert '<h2 id="no-header">JMessage Windows</h2>' in text
    page.write_text(
        text.replace("JMessage Windows</h2>", "JMessage Windows 错误码</h2>"), encoding="utf-8"
    )
    sources.write_text(
        sources.read_text("utf-8").replace(
            (PAGES / "header_variants.html").as_posix(), page.as_posix()
        ),
        encoding="utf-8",
    )
    output = tmp_path / "strict"
    result = run_cli("build", "--sources", sources, "--out", output, "--strict")
    assert result.exit_code == 3
    assert (
        "variants: table 5 (JMessage Windows 错误码): no header row; skipped 2 row(s) (expected a "
        "header row naming a code column, such as 'Code | Error Message | 说明')"
    ) in result.stderr
    assert not output.exists()


def test_a_disabled_source_is_built_only_when_included(
    run_cli: Callable[..., CliResult], tmp_path: Path, tmp_output: Path
) -> None:
    sources = write_sources(
        tmp_path,
        entry("ios", "utf8_bom.md", "ios") + entry("web", "web_sdk.md", "web", enabled=False),
    )
    default = run_cli("build", "--sources", sources, "--out", tmp_output)
    assert default.exit_code == 0, default.stderr
    assert "web:" not in default.stderr
    included = run_cli("build", "--sources", sources, "--out", tmp_output, "--include", "web")
    assert included.exit_code == 0, included.stderr
    platforms = {
        record["platform"]
        for record in json.loads((tmp_output / "errorcodes.json").read_text("utf-8"))["records"]
    }
    assert platforms == {"ios", "web"}


@pytest.mark.parametrize(
    "flags", [("--include", "remote"), ("--all-sources",)], ids=["include", "all-sources"]
)
def test_a_source_without_a_local_copy_needs_remote_offline(
    run_cli: Callable[..., CliResult], tmp_path: Path, tmp_output: Path, flags: tuple[str, ...]
) -> None:
    # Every built-in source has a local copy now; a sources file may still name only a url.
    url = "https://docs.jiguang.cn/jmessage/client/im_errorcode_server/"
    sources = write_sources(
        tmp_path,
        entry("ios", "utf8_bom.md", "ios")
        + f'[[source]]\nid = "remote"\nproduct = "JMessage"\nurl = "{url}"\n'
        'platform = "server"\nenabled = false\n',
    )
    result = run_cli("build", "--sources", sources, "--out", tmp_output, *flags)
    assert result.exit_code == 3
    assert (
        f"remote: no local path; use --remote to fetch {url}, "
        "or give a local copy's path in a --sources file"
    ) in result.stderr
    assert not tmp_output.exists()


def test_every_builtin_source_has_a_local_copy() -> None:
    assert all(source.path is not None for source in BUILTIN_SOURCES + OPTIONAL_SOURCES)


def test_including_an_unknown_source_is_a_usage_error(
    run_cli: Callable[..., CliResult], tmp_output: Path
) -> None:
    result = run_cli("build", "--out", tmp_output, "--include", "jmessage-server-en,nope")
    assert result.exit_code == 2
    known = ", ".join(sorted(source.id for source in BUILTIN_SOURCES + OPTIONAL_SOURCES))
    assert result.stderr.strip() == (
        f"error: --include: unknown source id(s) nope; known ids are {known}"
    )
    assert known.startswith("janalytics-android, janalytics-android-en, janalytics-quickapp, ")


def test_an_unsupported_layout_says_what_was_expected_and_where_it_looked(
    run_cli: Callable[..., CliResult], tmp_path: Path, tmp_output: Path
) -> None:
    page = tmp_path / "api.html"
    page.write_text(
        "<h2>参数说明</h2><table><tr><th>参数</th><th>类型</th><th>说明</th></tr>"
        "<tr><td>appkey</td><td>String</td><td>应用的 appkey</td></tr></table>",
        encoding="utf-8",
    )
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[source]]\nid = "api"\nproduct = "JMessage"\npath = "{page.as_posix()}"\n'
        'platform = "ios"\n',
        encoding="utf-8",
    )
    result = run_cli("build", "--sources", sources, "--out", tmp_output)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-2:] == [
        "error: no error-code table found in api (api.html); the page layout may have changed "
        "(expected a <table> whose header row has a 'Code' or '错误码' column); looked in 1 "
        "table(s): table 1 under '参数说明', first row '参数 | 类型 | 说明'".replace(
            "api (api.html)", f"api ({page.as_posix()})"
        ),
        "error: nothing was written: 1 source failed",
    ]
