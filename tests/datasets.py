"""Datasets for the consumer-side tests: a real build of the seed pages, or a few records."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from scraper.build import BuildOptions, BuildResult, run_build
from scraper.model import JSON_NAME, RECORD_FIELDS, SQLITE_NAME, Record
from scraper.publish.formats import render_json, write_sqlite
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
    ordered = sorted(records)
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
