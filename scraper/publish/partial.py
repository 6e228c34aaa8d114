"""A partial build (`--only`): the sources not rebuilt keep their previous records and entries.

The previous `errorcodes.json` gives their records and `manifest.json` their source entries
(where and when they were read), so a refresh of one page never drops or re-dates another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scraper.consume.dataset import load_dataset
from scraper.errors import ConfigError, DatasetError
from scraper.files import parse_json, read_regular
from scraper.model import JSON_NAME, MANIFEST_NAME, Source
from scraper.parse.page import ParsedPage
from scraper.parse.rows import Origin, SourceReport
from scraper.publish.folder import MAX_MANIFEST_BYTES


@dataclass(frozen=True, slots=True)
class Carried:
    """The kept sources as parsed pages (records only) and their previous manifest entries."""

    pages: dict[str, ParsedPage]
    entries: dict[str, dict[str, object]]
    dataset_sha256: str | None = None  # of the errorcodes.json they were read from


def carry_over(out_dir: Path, kept: tuple[Source, ...]) -> Carried:
    """The previous dataset's records and manifest entries of the `kept` sources."""
    if not kept:
        return Carried({}, {})
    where = ", ".join(source.id for source in kept)
    try:
        # One read gives both the records and the digest that the publish step checks.
        records, dataset_sha256 = load_dataset(out_dir / JSON_NAME)
    except DatasetError as exc:
        raise ConfigError(
            f"--only: cannot keep the records of {where} from the previous dataset ({exc}); "
            "run a full build first"
        ) from exc
    entries = _manifest_entries(out_dir / MANIFEST_NAME)
    missing = [source.id for source in kept if source.id not in entries]
    if missing:
        raise ConfigError(
            f"--only: the previous build in {out_dir} did not read {', '.join(missing)}; "
            "name those sources in --only too, or run a full build"
        )
    pages: dict[str, ParsedPage] = {}
    for source in kept:
        own = [(record, Origin(0, 0)) for record in records if record.source == source.id]
        pages[source.id] = ParsedPage(source, own, SourceReport(source.id))
    return Carried(pages, {source.id: entries[source.id] for source in kept}, dataset_sha256)


def _manifest_entries(path: Path) -> dict[str, dict[str, object]]:
    try:
        manifest = parse_json(read_regular(path, MAX_MANIFEST_BYTES))
        sources = manifest["sources"]
        return {
            entry["id"]: entry
            for entry in sources
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"--only: cannot read the previous manifest {path} ({exc}); run a full build first"
        ) from exc
