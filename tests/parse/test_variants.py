"""Every page variant in fixtures/pages/ parses to the records written beside it.

Each `NAME.html` or `NAME.md` has a `NAME.expected.json` with the source's default platform,
the records in page order, and the report (tables, blank rows, anomalies, duplicates,
warnings). The page is read as a build reads it: bytes, suffix, charset, Markdown rendering.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from scraper.model import Source
from scraper.parse.page import merge_pages, parse_page
from scraper.sources.local import page_html, read_local
from tests.conftest import FIXTURES, CliResult

PAGES = FIXTURES / "pages"
VARIANTS = sorted(
    path for path in PAGES.iterdir() if path.suffix in {".html", ".md"} and path.is_file()
)


def source_for(page: Path, platform: str) -> Source:
    return Source(page.stem, f"https://docs.example/{page.stem}/", page, platform)


@pytest.mark.parametrize("page", VARIANTS, ids=[path.name for path in VARIANTS])
def test_variant_parses_to_its_expected_records(page: Path) -> None:
    expected = json.loads(page.with_name(f"{page.stem}.expected.json").read_text("utf-8"))
    source = source_for(page, expected["platform"])
    parsed = parse_page(page_html(read_local(source)), source)
    report = merge_pages([parsed]).pages[0].report
    assert [record.as_dict() for record, _ in parsed.records] == expected["records"]
    assert (report.tables, report.blank_rows) == (expected["tables"], expected["blank_rows"])
    assert [anomaly.describe() for anomaly in report.anomalies] == expected["anomalies"]
    assert [anomaly.describe() for anomaly in report.duplicates] == expected["duplicates"]
    assert report.warnings == expected["warnings"]


def test_every_variant_has_its_expected_records() -> None:
    expected = {path.name.removesuffix(".expected.json") for path in PAGES.glob("*.expected.json")}
    assert expected == {path.stem for path in VARIANTS}


def records_of(name: str, platform: str = "ios") -> list[tuple[str, str, int]]:
    source = source_for(PAGES / name, platform)
    return [record.key for record, _ in parse_page(page_html(read_local(source)), source).records]


def test_two_tables_with_code_0_on_one_page_have_different_keys() -> None:
    keys = records_of("live_page.html")
    assert ("android", "JMessage", 0) in keys
    assert ("android", "JMRTC", 0) in keys


def test_the_combined_page_takes_each_platform_from_its_heading() -> None:
    platforms = {key[0] for key in records_of("combined.md", "android")}
    assert platforms == {"ios", "android", "server"}


def write_sources(folder: Path, entries: str) -> Path:
    path = folder / "sources.toml"
    path.write_text(entries, encoding="utf-8")
    return path


def entry(source_id: str, page: str, platform: str, *, enabled: bool = True) -> str:
    return (
        f'[[source]]\nid = "{source_id}"\nurl = "https://docs.example/{source_id}/"\n'
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
        "ignored the extra text: see the state diagram"
    ) in result.stderr.splitlines()
    # 5 + 5 records, and android/JMessage/871101 is on both pages: the first is kept.
    assert "duplicate key android/JMessage/871101, first seen in live" in result.stderr
    data = json.loads((tmp_output / "errorcodes.json").read_text("utf-8"))
    assert len(data["records"]) == 9


def test_strict_turns_anomalies_duplicates_and_warnings_into_exit_3(
    run_cli: Callable[..., CliResult], tmp_path: Path, tmp_output: Path
) -> None:
    sources = write_sources(tmp_path, entry("messy", "messy_cells.html", "ios"))
    result = run_cli("build", "--sources", sources, "--out", tmp_output, "--strict")
    assert result.exit_code == 3
    assert (
        "error: --strict: 2 problem(s) in the sources, so nothing was written "
        "(run without --strict to publish anyway, skipping those rows):"
    ) in result.stderr
    assert "  messy: table 1 (JMessage iOS), row 12: no integer code: - | - | " in result.stderr
    assert "row 8: duplicate key ios/JMessage/862106" in result.stderr
    assert not tmp_output.exists()


def test_strict_build_of_clean_pages_succeeds(
    run_cli: Callable[..., CliResult], tmp_output: Path
) -> None:
    result = run_cli("build", "--out", tmp_output, "--strict")
    assert result.exit_code == 0, result.stderr
    assert (tmp_output / "errorcodes.json").is_file()


def test_strict_fails_on_a_headerless_table_warning(
    run_cli: Callable[..., CliResult], tmp_path: Path, tmp_output: Path
) -> None:
    sources = write_sources(tmp_path, entry("variants", "header_variants.html", "ios"))
    result = run_cli("build", "--sources", sources, "--out", tmp_output, "--strict")
    assert result.exit_code == 3
    assert (
        "variants: table 5 (JMessage Windows): no header row; skipped 2 row(s) (expected a "
        "header row naming a code column, such as 'Code | Error Message | 说明')"
    ) in result.stderr


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
    ("flags", "source_id"),
    [(("--include", "server"), "server"), (("--all-sources",), "js")],
    ids=["include-server", "all-sources"],
)
def test_builtin_server_and_js_sources_need_remote_or_a_path_offline(
    run_cli: Callable[..., CliResult], tmp_output: Path, flags: tuple[str, ...], source_id: str
) -> None:
    result = run_cli("build", "--out", tmp_output, *flags)
    assert result.exit_code == 3
    url = f"https://docs.jiguang.cn/jmessage/client/im_errorcode_{source_id}/"
    assert (
        f"{source_id}: no local path; use --remote to fetch {url}, "
        "or give a local copy's path in a --sources file"
    ) in result.stderr
    assert not tmp_output.exists()


def test_including_an_unknown_source_is_a_usage_error(
    run_cli: Callable[..., CliResult], tmp_output: Path
) -> None:
    result = run_cli("build", "--out", tmp_output, "--include", "server,nope")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --include: unknown source id(s) nope; known ids are android, ios, js, server"
    )


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
        f'[[source]]\nid = "api"\npath = "{page.as_posix()}"\nplatform = "ios"\n',
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
