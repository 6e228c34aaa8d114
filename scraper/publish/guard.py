"""The publishing guard: refuse a dataset in which a source lost too many records.

A page whose layout changed can still parse, just into fewer rows; publishing that would replace
a good dataset with a degraded one. The guard compares each source's record count with the
previous dataset's and reports every source that now gives nothing or shrank by more than the
allowed fraction. It is pure: the build decides whether to refuse or, with `--allow-shrink`,
to publish anyway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scraper.model import Record

DEFAULT_MAX_SHRINK = 0.2
# Absorbs float error, so that losing exactly the allowed fraction (3 of 15 at 0.2) passes.
_EPSILON = 1e-9


@dataclass(frozen=True, slots=True)
class Shrink:
    """A source whose record count fell from `before` to `after`."""

    source: str
    before: int
    after: int

    @property
    def fraction(self) -> float:
        return (self.before - self.after) / self.before

    def describe(self, max_shrink: float) -> str:
        if self.after == 0:
            return f"source {self.source!r} now gives 0 records (previously {self.before})"
        return (
            f"source {self.source!r} went from {self.before} to {self.after} records "
            f"(-{self.fraction:.1%}, more than the allowed {percent(max_shrink)})"
        )


def percent(fraction: float) -> str:
    return f"{fraction * 100:g}%"


def count_by_source(records: Iterable[Record]) -> dict[str, int]:
    return dict(Counter(record.source for record in records))


def check(before: Mapping[str, int], after: Mapping[str, int], max_shrink: float) -> list[Shrink]:
    """Every source that had records and now has none, or lost more than `max_shrink` of them.

    A source missing from `after` counts as 0; a new source, or one that had no records
    before, cannot shrink. An empty list means the dataset may be published.
    """
    shrinks: list[Shrink] = []
    for source in sorted(before):
        old = before[source]
        new = after.get(source, 0)
        if old <= 0 or new >= old:
            continue
        if new == 0 or (old - new) / old > max_shrink + _EPSILON:
            shrinks.append(Shrink(source, old, new))
    return shrinks


def refusal(shrinks: list[Shrink], max_shrink: float) -> str:
    """The message of a refused build: every shrunken source with both counts, and what to try."""
    reasons = "; ".join(shrink.describe(max_shrink) for shrink in shrinks)
    return (
        f"refusing to publish: {reasons}. Nothing was written. The page layout may have changed: "
        "check the source, or pass --allow-shrink to publish this on purpose "
        "(or raise --max-shrink)"
    )
