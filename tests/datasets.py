"""Datasets for the consumer-side tests: a real build of the seed pages, or a few records."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from scraper.build import BuildOptions, BuildResult, run_build
from scraper.model import JSON_NAME, RECORD_FIELDS, SQLITE_NAME, Record, Source
from scraper.publish.formats import render_json, write_sqlite
from scraper.sources.catalog import BUILTIN_SOURCES as CATALOG_SOURCES
from scraper.sources.catalog import SEED_SOURCES as BUILTIN_SOURCES


def build_seeds(out_dir: Path, now: datetime | None = None) -> BuildResult:
    """Build the dataset of the two seed pages into `out_dir`, quietly (at time `now`)."""
    return run_build(
        BuildOptions(sources=BUILTIN_SOURCES, out_dir=out_dir, now=now), lambda _line: None
    )


def record(
    platform: str = "ios",
    sdk: str = "JMessage",
    code: int = 1,
    message: str = "",
    description: str = "",
) -> Record:
    return Record(
        product="JMessage",
        code_text=str(code),
        occurrence=1,
        platform=platform,
        sdk=sdk,
        code=code,
        message=message,
        description=description,
        section=f"{sdk} {platform}",
        source=platform,
        url=f"https://example.com/{platform}/",
    )


def write_dataset(folder: Path, records: list[Record]) -> Path:
    """A dataset folder (errorcodes.json and errorcodes.sqlite) holding exactly `records`."""
    folder.mkdir(parents=True, exist_ok=True)
    ordered = sorted(records, key=lambda item: item.order)
    (folder / JSON_NAME).write_bytes(render_json(ordered))
    (folder / SQLITE_NAME).unlink(missing_ok=True)
    write_sqlite(ordered, folder / SQLITE_NAME)
    return folder


def jmessage_record(
    platform: str,
    sdk: str,
    code: int,
    message: str,
    description: str,
    section: str,
    source: str,
    url: str,
) -> Record:
    """A record with the fields a JMessage page gives (schema 1's fields), the rest empty."""
    return Record(
        product="JMessage",
        platform=platform,
        sdk=sdk,
        code=code,
        code_text=str(code),
        occurrence=1,
        message=message,
        description=description,
        section=section,
        source=source,
        url=url,
    )


def with_schema2_defaults(expected: dict[str, object]) -> dict[str, object]:
    """An expected record written with schema 1's fields, as schema 2 states it: product
    JMessage, the code as text, occurrence 1, the other new fields empty. Fields it names
    itself win, so an expectation can state any of them."""
    code = expected.get("code")
    filled: dict[str, object] = {
        "product": "JMessage",
        "code_text": str(code),
        "occurrence": 1,
        "name": "",
        "detail": "",
        "advice": "",
        "http_status": None,
        "extra": {},
    }
    filled.update(expected)
    return {name: filled[name] for name in RECORD_FIELDS}


# What the seed pages give (tests/sources/test_seeds.py): records by (platform, sdk).
SEED_GROUPS = {
    "jmessage-android": {("android", "JMessage"): 32},
    "jmessage-ios": {("ios", "JMessage"): 33, ("ios", "JMRTC"): 8},
}


@dataclass(frozen=True)
class PageExpectation:
    """What one built-in source's page gives, as its expectation states it."""

    source: Source
    groups: Counter[tuple[str, str]]  # (platform, sdk) -> records
    rows_without_code: int

    @property
    def records(self) -> int:
        return sum(self.groups.values())


def default_build_expectations() -> list[PageExpectation]:
    """Each source of a build without --sources, in catalog order, as its expectation states
    it: the seed pages' counts above, the other pages' `NAME.expected.json` (written by
    reading the page; see tests/test_catalog_pages.py)."""
    expectations = []
    for source in CATALOG_SOURCES:
        if source.id in SEED_GROUPS:
            groups, without_code = Counter(SEED_GROUPS[source.id]), 0
        else:
            assert source.path is not None
            path = source.path.with_name(f"{source.path.stem}.expected.json")
            expected = json.loads(path.read_text("utf-8"))
            groups = Counter((row["platform"], row["sdk"]) for row in expected["records"])
            without_code = expected["rows_without_code"]
        expectations.append(PageExpectation(source, groups, without_code))
    return expectations


def seed_sources_file(folder: Path) -> Path:
    """A sources file (in `folder`) of the two seed sources as the catalog states them: their
    ids, urls, platforms and product, with the seed pages as local copies. The build that
    `build` without --sources was before the catalog held every page."""
    path = folder / "seed-sources.toml"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "".join(
                f'[[source]]\nid = "{source.id}"\nurl = "{source.url}"\n'
                f'path = {json.dumps(str(source.path))}\nplatform = "{source.platform}"\n'
                f'product = "{source.product}"\n\n'
                for source in BUILTIN_SOURCES
            ),
            encoding="utf-8",
        )
    return path
