"""One error-code page as each documentation generator renders it gives the same records.

Every `fixtures/generators/NAME.html` has the same content (the sections "JMessage iOS" and
"JMRTC iOS", six and four codes, two blank rows) in the markup of one generator or theme: MkDocs
Material, VitePress, VuePress 1 and 2, Docusaurus 1 and 3, Sphinx (Furo and Read the Docs), Hugo
Docsy, HonKit and a vendor's own theme. Each has a `NAME.expected.json` in the format of
`fixtures/pages/`, checked the same way as in `tests/parse/test_variants.py`.

The other pages there have no expected records: they are pages the build must refuse or warn
about (rendered by JavaScript, tables without a section heading, unrendered Markdown), checked
through the command line with the exact messages.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scraper.model import Source
from scraper.parse.page import parse_page
from scraper.sources.local import page_html, read_local
from tests.conftest import FIXTURES, PROJECT_ROOT, CliResult
from tests.datasets import with_schema2_defaults

GENERATORS = FIXTURES / "generators"
EXPECTED = sorted(GENERATORS.glob("*.expected.json"))
PAGES = [path.with_name(path.name.removesuffix(".expected.json") + ".html") for path in EXPECTED]
# Pages built through the CLI only: they must fail or warn, so they have no expected records.
CLI_ONLY = {"js_shell", "js_json", "no_heading", "markdown_as_html", "unrendered_markdown"}

# Pages the parser gets wrong, by name -> why (an xfail each); none today.
KNOWN_WRONG: dict[str, str] = {}

# Text that heading permalinks hold or are labelled with, and that a section must never take.
PERMALINK_GLYPHS = ("¶", "#", "§", "🔗", "\u200b")
ICON_TEXTS = ("link", "链接", "anchor", "permalink", "self-link")


def source_for(page: Path, platform: str) -> Source:
    return Source(page.stem, f"https://docs.example/{page.stem}/", page, platform)


def expected_for(page: Path) -> dict[str, Any]:
    """The page's expected report and records; the records, written with schema 1's fields,
    as schema 2 states them."""
    data: dict[str, Any] = json.loads(
        page.with_name(f"{page.stem}.expected.json").read_text("utf-8")
    )
    data["records"] = [with_schema2_defaults(record) for record in data["records"]]
    return data


def records_of(page: Path) -> list[dict[str, object]]:
    source = source_for(page, "ios")
    parsed = parse_page(page_html(read_local(source)), source)
    return [record.as_dict() for record, _ in parsed.records]


def without_source_and_url(records: list[dict[str, object]]) -> list[dict[str, object]]:
    return [
        {name: value for name, value in record.items() if name not in ("source", "url")}
        for record in records
    ]


def generator_cases() -> list[object]:
    return [
        pytest.param(
            page,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[page.stem])]
            if page.stem in KNOWN_WRONG
            else [],
        )
        for page in PAGES
    ]


@pytest.mark.parametrize("page", generator_cases(), ids=[page.name for page in PAGES])
def test_generator_page_parses_to_its_expected_records(page: Path) -> None:
    expected = expected_for(page)
    source = source_for(page, expected["platform"])
    parsed = parse_page(page_html(read_local(source)), source)
    report = parsed.report
    assert [record.as_dict() for record, _ in parsed.records] == expected["records"]
    assert (report.tables, report.blank_rows) == (expected["tables"], expected["blank_rows"])
    assert [anomaly.describe() for anomaly in report.anomalies] == expected["anomalies"]
    assert [anomaly.describe() for anomaly in report.duplicates] == expected["duplicates"]
    assert report.warnings == expected["warnings"]


def test_every_generator_page_has_its_expected_records() -> None:
    pages = {path.stem for path in GENERATORS.glob("*.html")}
    assert {page.stem for page in PAGES} == pages - CLI_ONLY
    assert pages >= CLI_ONLY
    assert all(page.is_file() for page in PAGES)


def test_the_expected_records_are_the_same_for_every_generator() -> None:
    reference = expected_for(PAGES[0])
    assert len(reference["records"]) == 10
    for page in PAGES[1:]:
        expected = expected_for(page)
        assert without_source_and_url(expected["records"]) == without_source_and_url(
            reference["records"]
        ), page.name
        for name in ("platform", "tables", "blank_rows", "anomalies", "duplicates", "warnings"):
            assert expected[name] == reference[name], (page.name, name)


def test_every_generator_page_gives_the_same_records_without_source_and_url() -> None:
    reference = without_source_and_url(expected_for(PAGES[0])["records"])
    differing = {
        page.name: records
        for page in PAGES
        if (records := without_source_and_url(records_of(page))) != reference
    }
    assert differing == {}


def test_the_sections_are_the_headings_and_the_jmrtc_rows_are_labelled_jmrtc() -> None:
    for page in PAGES:
        records = records_of(page)
        labels = {(record["section"], record["sdk"], record["platform"]) for record in records}
        assert labels == {("JMessage iOS", "JMessage", "ios"), ("JMRTC iOS", "JMRTC", "ios")}
        jmrtc = [record["code"] for record in records if record["sdk"] == "JMRTC"]
        assert jmrtc == [871001, 871002, 871005, 871007], page.name


def test_no_section_holds_a_permalink_glyph_an_icon_or_a_zero_width_character() -> None:
    for page in PAGES:
        for record in records_of(page):
            section = str(record["section"])
            assert section, page.name
            assert not any(glyph in section for glyph in PERMALINK_GLYPHS), (page.name, section)
            assert not any(text in section.casefold() for text in ICON_TEXTS), (page.name, section)
            assert all(unicodedata.category(char) != "Cf" for char in section), (
                page.name,
                ascii(section),
            )
            assert section == section.strip(), (page.name, section)


# Building the pages that must fail or warn, through the command line.


# no_heading.html titles its tables with bold paragraphs only, which read as headings: these
# pages are built with the bold removed, so that their tables have no heading at all.
WITHOUT_BOLD_TITLES = {"no_heading"}


def without_bold_titles(page: Path, folder: Path) -> Path:
    """A copy of `page` in `folder` whose bold titles are plain paragraphs."""
    copy = folder / page.name
    text = page.read_text("utf-8")
    assert "<strong>" in text
    copy.write_text(text.replace("<strong>", "").replace("</strong>", ""), encoding="utf-8")
    return copy


def build(
    run_cli: Callable[..., CliResult], folder: Path, name: str, *flags: str
) -> tuple[CliResult, Path]:
    """Build the one fixture `name` with its own sources file; the output folder is returned."""
    page = GENERATORS / f"{name}.html"
    if name in WITHOUT_BOLD_TITLES:
        page = without_bold_titles(page, folder)
    sources = folder / "sources.toml"
    sources.write_text(
        f'[[source]]\nid = "{name}"\nproduct = "JMessage"\nurl = "https://docs.example/{name}/"\n'
        f'path = "{page.as_posix()}"\nplatform = "ios"\n',
        encoding="utf-8",
    )
    output = folder / "output"
    return run_cli("build", "--sources", sources, "--out", output, *flags), output


@pytest.fixture
def in_project(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work from the project folder, so messages show fixture paths as `fixtures/...`."""
    monkeypatch.chdir(PROJECT_ROOT)
    return PROJECT_ROOT


def shown(name: str) -> str:
    return f"fixtures/generators/{name}.html"


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("js_shell", "no tables; 4 script blocks"),
        ("js_json", "no tables; 9 script blocks, 1 of them JSON data"),
    ],
    ids=["js_shell", "js_json"],
)
def test_a_page_rendered_by_javascript_is_named_as_such(
    run_cli: Callable[..., CliResult], tmp_path: Path, in_project: Path, name: str, found: str
) -> None:
    result, output = build(run_cli, tmp_path, name)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-2:] == [
        f"error: no error-code table found in {name} ({shown(name)}); the page appears to be "
        f"rendered by JavaScript ({found}): point the source at the page's Markdown or a "
        "pre-rendered copy",
        "error: nothing was written: 1 source failed",
    ]
    assert not output.exists()


NO_HEADING_WARNINGS = [
    "no_heading: table 1, first row "
    "'860015 | Network downloading media failed. | 媒体文件下载失败': no section heading above "
    "this error-code table, so its 3 record(s) have an empty section and the default SDK JMessage",
    "no_heading: table 2, first row "
    "'871001 | network error or tcp can not connected. | 网络错误': no section heading above "
    "this error-code table, so its 2 record(s) have an empty section and the default SDK JMessage",
]
UNRENDERED_WARNINGS = [
    "unrendered_markdown: table 2, first row '871001 | network error or tcp can not connected. | "
    "网络错误': the text above this table looks like unrendered Markdown ('## JMRTC iOS'), so its "
    "2 record(s) may be mislabelled: they took the section 'JMessage iOS' from the heading "
    "before it",
]
MARKDOWN_WARNINGS = [
    f"markdown_as_html: {shown('markdown_as_html')} holds Markdown, not HTML "
    "(line 1: '# IM SDK ErrorCode 定义'); read it as Markdown",
]

# The pages whose records may be mislabelled, each with the warnings it must give.
MISLABELLED = pytest.mark.parametrize(
    ("name", "warnings"),
    [
        ("no_heading", NO_HEADING_WARNINGS),
        ("unrendered_markdown", UNRENDERED_WARNINGS),
        ("markdown_as_html", MARKDOWN_WARNINGS),
    ],
    ids=["no_heading", "unrendered_markdown", "markdown_as_html"],
)


@MISLABELLED
def test_a_table_that_may_be_mislabelled_is_warned_about(
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
    in_project: Path,
    name: str,
    warnings: list[str],
) -> None:
    result, output = build(run_cli, tmp_path, name)
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert [line for line in lines if line.startswith("warning: ")] == [
        f"warning: {warning}" for warning in warnings
    ]
    assert (output / "errorcodes.json").is_file()


@MISLABELLED
def test_strict_fails_on_a_table_that_may_be_mislabelled(
    run_cli: Callable[..., CliResult],
    tmp_path: Path,
    in_project: Path,
    name: str,
    warnings: list[str],
) -> None:
    result, output = build(run_cli, tmp_path, name, "--strict")
    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert (
        f"error: --strict: {len(warnings)} problem(s) in the sources, so nothing was written "
        "(run without --strict to publish anyway, skipping those rows):"
    ) in lines
    for warning in warnings:
        assert f"  {warning}" in lines
    assert not output.exists()


def test_a_markdown_file_saved_as_html_is_read_as_markdown(
    run_cli: Callable[..., CliResult], tmp_path: Path, in_project: Path
) -> None:
    result, output = build(run_cli, tmp_path, "markdown_as_html")
    assert result.exit_code == 0, result.stderr
    assert f"warning: {MARKDOWN_WARNINGS[0]}" in result.stderr.splitlines()
    records = json.loads((output / "errorcodes.json").read_text("utf-8"))["records"]
    reference = without_source_and_url(expected_for(PAGES[0])["records"])
    by_key = sorted(reference, key=lambda record: (record["sdk"], record["code"]))
    assert without_source_and_url(records) == by_key  # the dataset is sorted by key
    assert {(record["sdk"], record["url"]) for record in records} == {
        ("JMessage", "https://docs.example/markdown_as_html/#jmessage-ios"),
        ("JMRTC", "https://docs.example/markdown_as_html/#jmrtc-ios"),
    }


def test_bold_titles_standing_alone_are_the_sections_of_the_tables_below(
    run_cli: Callable[..., CliResult], tmp_path: Path, in_project: Path
) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[[source]]\nid = "no_heading"\nproduct = "JMessage"\n'
        'url = "https://docs.example/no_heading/"\n'
        f'path = "{(GENERATORS / "no_heading.html").as_posix()}"\nplatform = "ios"\n',
        encoding="utf-8",
    )
    output = tmp_path / "output"
    result = run_cli("build", "--sources", sources, "--out", output, "--strict")
    assert result.exit_code == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("warning: ")] == []
    records = json.loads((output / "errorcodes.json").read_text("utf-8"))["records"]
    assert [(record["section"], record["sdk"], record["code"]) for record in records] == [
        ("JMRTC iOS", "JMRTC", 871001),
        ("JMRTC iOS", "JMRTC", 871002),
        ("JMessage iOS", "JMessage", 860015),
        ("JMessage iOS", "JMessage", 863005),
        ("JMessage iOS", "JMessage", 868002),
    ]
    manifest = json.loads((output / "manifest.json").read_text("utf-8"))
    [entry] = manifest["sources"]
    assert (entry["tables"], entry["tables_without_section"]) == (2, 0)


def test_the_manifest_counts_the_tables_without_a_section(
    run_cli: Callable[..., CliResult], tmp_path: Path, in_project: Path
) -> None:
    result, output = build(run_cli, tmp_path, "no_heading")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((output / "manifest.json").read_text("utf-8"))
    [entry] = manifest["sources"]
    assert (entry["tables"], entry["tables_without_section"]) == (2, 2)
    assert manifest["run"]["warnings.parse"] == 2


def test_a_sphinx_heading_takes_its_anchor_from_its_permalink() -> None:
    page = parse_page(
        '<section id="jmrtc-ios"><h2>JMRTC iOS<a class="headerlink" href="#jmrtc-ios" '
        'title="Link to this heading">¶</a></h2><table><tr><th>Code</th></tr>'
        "<tr><td>871001</td></tr></table></section>",
        Source("rtc", "https://docs.example/rtc/", None, "ios"),
    )
    [(record, _)] = page.records
    assert (record.section, record.sdk, record.url) == (
        "JMRTC iOS",
        "JMRTC",
        "https://docs.example/rtc/#jmrtc-ios",
    )
