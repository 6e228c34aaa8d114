"""How stages tell the user what is happening: progress lines, typed warnings and counters.

One `Reporter` is made per run and passed to every stage the same way. Progress is one line at
a time as it happens. A warning has a kind, so `--strict` can judge every kind that concerns
the data and a test can assert on kinds instead of matching text. Counters (pages fetched,
304s, retries, cache errors, warnings by kind) end up in the manifest.

The reporter is callable with one line, so a stage that only reports progress can take it as
a plain `Progress` callback.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from scraper.errors import StrictFailed

Progress = Callable[[str], None]


class Kind(enum.Enum):
    """What a warning is about."""

    ANOMALY = "anomaly"  # a row with text but no usable code
    DUPLICATE = "duplicate"  # a key seen before; the first row was kept
    PARSE = "parse"  # a table skipped or cells ignored
    HISTORY = "history"  # the previous change history was unreadable and starts again
    GUARD = "guard"  # a source shrank past the limit, published anyway (--allow-shrink)
    CACHE = "cache"  # an HTTP cache entry was unusable or could not be stored
    OUTPUT = "output"  # a file of the previous build was damaged and is written again
    RETRY = "retry"  # a request failed and is tried again

    @property
    def concerns_data(self) -> bool:
        """True for the kinds `--strict` fails on. The guard's warning is not among them: it
        only appears when `--allow-shrink` accepted the shrink; the cache only saves work; a
        damaged manifest is written again whatever the data; a retry that succeeds loses
        nothing, and one that fails fails the build."""
        return self not in (Kind.GUARD, Kind.CACHE, Kind.OUTPUT, Kind.RETRY)


@dataclass(frozen=True, slots=True)
class Finding:
    """One warning: its kind and the line the user reads."""

    kind: Kind
    text: str


_PREFIX = "warning: "
_PROBLEMS_SHOWN = 10


class Reporter:
    """Progress lines, warnings and counters of one run; `write` shows each line as it comes."""

    def __init__(self, write: Progress | None = None) -> None:
        self._write = write
        self.findings: list[Finding] = []
        self.counters: Counter[str] = Counter()

    def __call__(self, line: str) -> None:
        """A progress line."""
        if self._write is not None:
            self._write(line)

    def warn(self, kind: Kind, text: str) -> None:
        """A warning of `kind`; `text` names the source or file it is about (this adds the
        "warning: " every warning line starts with)."""
        self.findings.append(Finding(kind, text))
        self.counters[f"warnings.{kind.value}"] += 1
        self(f"{_PREFIX}{text}")

    def warner(self, kind: Kind) -> Progress:
        """A one-line callback that reports each line as a warning of `kind`."""
        return lambda text: self.warn(kind, text)

    def count(self, name: str, amount: int = 1) -> None:
        self.counters[name] += amount

    def data_findings(self) -> list[Finding]:
        """The warnings `--strict` fails on."""
        return [finding for finding in self.findings if finding.kind.concerns_data]

    def check_strict(self) -> None:
        """For `--strict`: StrictFailed when any warning so far concerns the data."""
        problems = [finding.text for finding in self.data_findings()]
        if not problems:
            return
        shown = "\n  ".join(problems[:_PROBLEMS_SHOWN])
        more = len(problems) - _PROBLEMS_SHOWN
        raise StrictFailed(
            f"--strict: {len(problems)} problem(s) in the sources, so nothing was written "
            "(run without --strict to publish anyway, skipping those rows):\n  "
            f"{shown}{f'{chr(10)}  ... and {more} more' if more > 0 else ''}"
        )


def inert_log_line(line: str) -> str:
    """`line` with nothing GitHub's runner acts on in a log: `##[` anywhere (`##[error]`,
    `##[add-mask]`) and `::` at its start (`::error::`) get full-width signs (`＃＃[`, `：：`)."""
    line = line.replace("##[", "\uff03\uff03[")
    body = line.lstrip()
    if body.startswith("::"):
        line = line[: len(line) - len(body)] + "\uff1a\uff1a" + body[2:]
    return line
