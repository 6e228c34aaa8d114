"""What publishing is given: the merged records and one typed manifest entry per source.

A `SourceEntry` is a source's entry in `manifest.json`: where its page was read (provenance)
and what parsing it gave (counts). A build makes it from a parsed page; a partial build
(`--only`) reads the kept sources' entries back from the previous manifest with `from_json`,
which checks every field, so both kinds are the same value by the time they are published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from scraper.model import Provenance, Record, Source, Transfer

_COUNTS = ("tables", "tables_without_section", "records", "blank_rows", "anomalies", "duplicates")


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One source's manifest entry: its page's provenance and the counts of its parse."""

    id: str
    url: str
    provenance: Provenance | None
    tables: int = 0
    tables_without_section: int = 0
    records: int = 0
    blank_rows: int = 0
    anomalies: int = 0
    duplicates: int = 0

    def as_json(self) -> dict[str, object]:
        """The entry as the manifest writes it: id, url, provenance, then the counts."""
        entry: dict[str, object] = {"id": self.id, "url": self.url}
        if self.provenance is not None:
            entry.update(self.provenance.as_entry())
        entry.update({name: getattr(self, name) for name in _COUNTS})
        return entry

    @classmethod
    def from_json(cls, entry: Mapping[str, object]) -> SourceEntry:
        """An entry read back from a manifest; ValueError names the first field that is wrong."""
        values = {name: _text(entry, name) for name in ("id", "url")}
        counts = {name: _count(entry, name) for name in _COUNTS}
        provenance = None
        if "location" in entry:
            transfer = None
            if "final_url" in entry:
                values_of = {item.name: entry.get(item.name) for item in fields(Transfer)}
                transfer = Transfer(**values_of)  # type: ignore[arg-type]  # checked next
                _check_transfer(transfer)
            provenance = Provenance(
                _text(entry, "location"), _text(entry, "sha256"), _count(entry, "size"), transfer
            )
        return cls(values["id"], values["url"], provenance, **counts)


def _text(entry: Mapping[str, object], name: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str):
        raise ValueError(f"its {name} is not a text")
    return value


def _count(entry: Mapping[str, object], name: str) -> int:
    value = entry.get(name, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"its {name} is not a count")
    return value


def _check_transfer(transfer: Transfer) -> None:
    for name, value in asdict(transfer).items():
        kind = {"status": int, "not_modified": bool}.get(name, str)
        optional = name in ("etag", "last_modified")
        if not (isinstance(value, kind) or (optional and value is None)):
            raise ValueError(f"its {name} is not a {kind.__name__}")


@dataclass(frozen=True, slots=True)
class ReleaseInput:
    """Everything publishing is given: the merged records sorted by `Record.order`, and the
    sources in build order with their manifest entries."""

    records: list[Record]
    sources: list[Source]
    entries: list[SourceEntry]
