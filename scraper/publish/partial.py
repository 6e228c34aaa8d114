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
from scraper.model import JSON_NAME, MANIFEST_NAME, Record, Source
from scraper.publish.entries import SourceEntry
from scraper.publish.folder import MAX_MANIFEST_BYTES


@dataclass(frozen=True, slots=True)
class Carried:
    """The kept sources' previous records and manifest entries, by source id."""

    records: dict[str, list[Record]]
    entries: dict[str, SourceEntry]


def carry_over(out_dir: Path, kept: tuple[Source, ...]) -> Carried:
    """The previous dataset's records and manifest entries of the `kept` sources; read under
    the output folder's lock, so they are those of the dataset this build replaces."""
    if not kept:
        return Carried({}, {})
    where = ", ".join(source.id for source in kept)
    try:
        records, _digest = load_dataset(out_dir / JSON_NAME)
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
    own = {source.id: [r for r in records if r.source == source.id] for source in kept}
    return Carried(own, {source.id: entries[source.id] for source in kept})


def _manifest_entries(path: Path) -> dict[str, SourceEntry]:
    try:
        manifest = parse_json(read_regular(path, MAX_MANIFEST_BYTES))
        sources = manifest["sources"]
        return {
            entry["id"]: SourceEntry.from_json(entry)
            for entry in sources
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
        }
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"--only: cannot read the previous manifest {path} ({exc}); run a full build first"
        ) from exc
