"""Every error the scraper raises on purpose, in one tree.

    ScraperError                 base class; the CLI catches only this
    ├── ConfigError              exit 2: bad options or sources file
    ├── DatasetError             exit 2: a dataset file to read is missing or malformed
    ├── SourceError              exit 3: a source could not be read, fetched or parsed
    │   ├── ReadError            a local copy could not be read or decoded
    │   ├── FetchError           a page could not be fetched over HTTP
    │   └── ParseError           a page held no usable error-code table
    ├── BuildFailed              exit 3: one or more sources failed; carries their errors
    ├── StrictFailed             exit 3: --strict found anomalies, duplicates or warnings
    ├── LockTimeout              exit 3: another build held the output folder too long
    ├── OutputError              exit 3: the output folder could not be written
    ├── OutputChanged            exit 3: another build published while a partial one ran
    └── GuardError               exit 4: the new dataset lost too many records to publish

    Terminated (BaseException)   exit 143: SIGTERM arrived; raised by the CLI's signal handler

Any other exception is a bug: the CLI exits `INTERNAL_ERROR` (70) with one line naming it.

Third-party exceptions are translated into this tree where they occur (`raise ... from exc`),
so nothing outside the module that calls a library knows that library's exceptions.
This module imports nothing from the command line.
"""

from __future__ import annotations

INTERRUPTED = 130  # SIGINT (Ctrl-C): 128 + 2, as shells report it
TERMINATED = 143  # SIGTERM: 128 + 15
INTERNAL_ERROR = 70  # EX_SOFTWARE of sysexits.h: a bug in the tool


class ScraperError(Exception):
    """Base class of every expected failure; `exit_code` is what the CLI exits with."""

    exit_code = 1


class ConfigError(ScraperError):
    """Options or a sources file are invalid."""

    exit_code = 2


class DatasetError(ScraperError):
    """A dataset file given to read (diff, lookup) is missing, unreadable or not a dataset."""

    exit_code = 2


class SourceError(ScraperError):
    """A source could not be turned into records; the message names the source and cause."""

    exit_code = 3


class ReadError(SourceError):
    """A local copy of a page is missing, unreadable, binary or in an unknown encoding."""


class FetchError(SourceError):
    """A page could not be fetched over HTTP, even after retries."""


class ParseError(SourceError):
    """A page was read but held no error-code table the parser could use."""


class BuildFailed(ScraperError):
    """At least one source failed; `errors` holds one SourceError per failed source."""

    exit_code = 3

    def __init__(self, errors: list[SourceError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


class StrictFailed(ScraperError):
    """A `--strict` build found anomalies, duplicate keys or warnings in the parsed pages."""

    exit_code = 3


class LockTimeout(ScraperError):
    """Another build kept the output folder locked for longer than the lock timeout."""

    exit_code = 3


class OutputError(ScraperError):
    """Writing into the output folder failed (disk full, permissions)."""

    exit_code = 3


class OutputChanged(ScraperError):
    """A `--only` build's kept records came from a dataset another build has since replaced."""

    exit_code = 3


class GuardError(ScraperError):
    """A source shrank beyond the allowed fraction; publishing was refused."""

    exit_code = 4


class Terminated(BaseException):
    """SIGTERM arrived; a BaseException, like KeyboardInterrupt, so only `finally` blocks and
    the publish step's rollback see it on its way out."""

    exit_code = TERMINATED
