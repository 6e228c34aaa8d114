"""Every page of the built-in catalog gives exactly the records its expectation lists.

Each local copy in `fixtures/catalog/` has a `NAME.expected.json` beside it, written by reading
the page (not by copying the tool's output): every record in page order with every field but
source, product and url, and the number of rows of its error-code tables that have text but no
code. The two JMessage seed pages have their own expectations (`tests/sources/test_seeds.py`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.model import RECORD_FIELDS, Source
from scraper.parse.page import parse_page
from scraper.sources.catalog import BUILTIN_SOURCES, CATALOG, SEED_SOURCES
from scraper.sources.local import page_html, read_local

# The fields an expectation states; source, product and url come from the catalog entry.
STATED = tuple(name for name in RECORD_FIELDS if name not in ("source", "product", "url"))


def expectation_path(page: Path) -> Path:
    return page.with_name(f"{page.stem}.expected.json")


EXPECTED = [
    source
    for source in CATALOG
    if source.path is not None and expectation_path(source.path).exists()
]


@pytest.mark.parametrize("source", EXPECTED, ids=[source.id for source in EXPECTED])
def test_catalog_page_gives_its_expected_records(source: Source) -> None:
    assert source.path is not None
    expected = json.loads(expectation_path(source.path).read_text("utf-8"))
    parsed = parse_page(page_html(read_local(source)), source)
    records = [record for record, _ in parsed.records]
    assert [{name: getattr(r, name) for name in STATED} for r in records] == expected["records"]
    assert {(r.source, r.product, r.url.split("#")[0]) for r in records} == {
        (source.id, source.product, source.url)
    }
    assert len(parsed.report.anomalies) == expected["rows_without_code"]


def test_every_enabled_catalog_page_has_an_expectation() -> None:
    seeds = {source.id for source in SEED_SOURCES}
    missing = [
        source.id for source in BUILTIN_SOURCES if source.id not in seeds and source not in EXPECTED
    ]
    assert missing == []


def test_the_catalog_names_every_product() -> None:
    assert {source.product for source in BUILTIN_SOURCES} == {
        "JMessage",
        "JPush",
        "JSMS",
        "JShare",
        "JVerification",
        "JAnalytics",
        "JIoT",
    }


@pytest.mark.parametrize(
    "source",
    [source for source in CATALOG if not source.enabled and source.id.endswith("-en")],
    ids=lambda source: source.id,
)
def test_english_page_builds_from_a_sources_file(source: Source, tmp_path: Path) -> None:
    """English pages are off by default; each builds on its own from a sources file: it gives
    records, all of its entry's product, and no warning."""
    from scraper.sources.catalog import load_sources

    assert source.path is not None
    config = tmp_path / "sources.toml"
    config.write_text(
        f'[[source]]\nid = "{source.id}"\nproduct = "{source.product}"\n'
        f'platform = "{source.platform}"\nurl = "{source.url}"\npath = "{source.path}"\n',
        encoding="utf-8",
    )
    (loaded,) = load_sources(config)
    parsed = parse_page(page_html(read_local(loaded)), loaded)
    assert parsed.records
    assert {record.product for record, _ in parsed.records} == {source.product}
    assert parsed.report.warnings == []
