"""Every error the scraper raises on purpose, in one tree, and every exit code the tool has.

[[[cog from scraper.errors import exit_code_tree; cog.out(exit_code_tree()) ]]]
ScraperError                exit 3: base class; the CLI catches only this
├── ConfigError             exit 2: options or a sources file are invalid
├── DatasetError            exit 2: a dataset file to read is missing, unreadable or malformed
├── SourceError             exit 3: a source could not be read, fetched or parsed
│   ├── ReadError           a local copy could not be read or decoded
│   ├── FetchError          a page could not be fetched over HTTP, even after retries
│   └── ParseError          a page held no error-code table the parser could use
├── BuildFailed             exit 3: one or more sources failed; `errors` holds their errors
├── StrictFailed            exit 3: `--strict` found a warning that concerns the data
├── LockTimeout             exit 3: another build held the output folder too long
├── OutputError             exit 3: the output folder could not be written
└── GuardError              exit 4: the new dataset lost too many records to publish
Terminated (BaseException)  exit 143: SIGTERM arrived; raised by the CLI's signal handler
[[[end]]]

Each class declares its exit code; the CLI exits with it and the tables in this docstring, the
README and docs/ARCHITECTURE.md are generated from the classes and `EXIT_CODES` (cog, checked
by `make lint`). No class exits 1: that code only ever means "the data changed" (`build
--exit-code`), "the files differ" (`diff`) or "no match" (`lookup`), since the scheduled
refresh commits on it. Any other exception is a bug: the CLI exits `INTERNAL_ERROR` (70) with
one line naming it.

Third-party exceptions are translated into this tree where they occur (`raise ... from exc`),
so nothing outside the module that calls a library knows that library's exceptions.
This module imports nothing from the command line.
"""

from __future__ import annotations

SUCCESS = 0
DIFFERENT = 1  # the data changed (build --exit-code), the files differ, nothing matched
INTERNAL_ERROR = 70  # EX_SOFTWARE of sysexits.h: a bug in the tool
INTERRUPTED = 130  # SIGINT (Ctrl-C): 128 + 2, as shells report it
BROKEN_PIPE = 141  # the reader of the output went away: 128 + SIGPIPE, as `ls | head` gives
TERMINATED = 143  # SIGTERM: 128 + 15

# What each exit code means, for the README's table; the classes below say which errors give it.
EXIT_CODES: dict[int, str] = {
    SUCCESS: "success: `build` published or had nothing to change, `lookup` printed an entry, "
    "`diff` found the files equal",
    DIFFERENT: 'only "the data changed" (`build --exit-code`), "the files differ" (`diff`), '
    '"no match" (`lookup`)',
    2: "usage or configuration error (bad option, an option value that is not finite or out "
    "of range, bad sources file, an unknown `--only` or `--include` id, `--only` without a "
    "previous build, an empty `lookup` query, a `SOURCE_DATE_EPOCH` outside 1970-9999), or a "
    "damaged dataset or previous file (`errorcodes.json`, `errorcodes.sqlite`, "
    "`manifest.json`, `CHANGELOG.md`), named in the message",
    3: "a source could not be read, fetched or parsed (after its retries), `--strict` found a "
    "problem, or the output folder could not be locked or written (full disk, read-only "
    "folder, a link or a file where a folder should be); nothing was changed",
    4: "the guard refused to publish: a source now gives no records, or lost more than "
    "`--max-shrink` of them; nothing was written",
    INTERNAL_ERROR: "an internal error, that is a bug in the tool: one line names the "
    "exception and asks for a report; `--debug` (before the command: `python -m scraper "
    "--debug build`) or `JMESSAGE_ERRORCODES_DEBUG=1` adds the traceback",
    INTERRUPTED: "interrupted (SIGINT, Ctrl-C); nothing was written",
    BROKEN_PIPE: "the output's reader closed the pipe (`lookup ... | head -1`); the tool "
    "stops quietly, as `ls | head` does",
    TERMINATED: "terminated (SIGTERM); nothing was written",
}


class ScraperError(Exception):
    """Base class; the CLI catches only this."""

    exit_code = 3  # never 1, which the scheduled refresh reads as "the data changed"


class ConfigError(ScraperError):
    """Options or a sources file are invalid."""

    exit_code = 2


class DatasetError(ScraperError):
    """A dataset file to read is missing, unreadable or malformed."""

    exit_code = 2


class SourceError(ScraperError):
    """A source could not be read, fetched or parsed."""

    exit_code = 3


class ReadError(SourceError):
    """A local copy could not be read or decoded."""


class FetchError(SourceError):
    """A page could not be fetched over HTTP, even after retries."""

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts  # requests made, so the summary counts a failed page's retries


class ParseError(SourceError):
    """A page held no error-code table the parser could use."""


class BuildFailed(ScraperError):
    """One or more sources failed; `errors` holds their errors."""

    exit_code = 3

    def __init__(self, errors: list[SourceError]) -> None:
        self.errors = errors
        failed = f"{len(errors)} source{'' if len(errors) == 1 else 's'} failed"
        # One line per failed source (each names its source), then what it means for the output.
        super().__init__("\n".join([*map(str, errors), f"nothing was written: {failed}"]))


class StrictFailed(ScraperError):
    """`--strict` found a warning that concerns the data."""

    exit_code = 3


class LockTimeout(ScraperError):
    """Another build held the output folder too long."""

    exit_code = 3


class OutputError(ScraperError):
    """The output folder could not be written."""

    exit_code = 3


class GuardError(ScraperError):
    """The new dataset lost too many records to publish."""

    exit_code = 4


class Terminated(BaseException):
    """SIGTERM arrived; raised by the CLI's signal handler.

    A BaseException, like KeyboardInterrupt, so only `finally` blocks and the publish step's
    rollback see it on its way out.
    """

    exit_code = TERMINATED


def error_classes() -> list[type[ScraperError]]:
    """ScraperError and every subclass, depth first in definition order (the tree's order)."""
    found: list[type[ScraperError]] = []
    stack: list[type[ScraperError]] = [ScraperError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(reversed(cls.__subclasses__()))
    return found


def _summary(cls: type[BaseException]) -> str:
    first = (cls.__doc__ or "").strip().split("\n\n")[0]
    text = " ".join(first.split()).removesuffix(".")
    # Lower-case the first word unless it is an acronym (SIGTERM).
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def exit_code_tree() -> str:
    """The error tree as drawn at the top of this module, each class with its exit code."""
    rows: list[tuple[str, type[BaseException]]] = []

    def walk(cls: type[ScraperError], prefix: str, branch: str) -> None:
        rows.append((prefix + branch + cls.__name__, cls))
        children = cls.__subclasses__()
        inner = prefix + ("" if not branch else "    " if branch == "└── " else "│   ")
        for index, child in enumerate(children):
            walk(child, inner, "└── " if index == len(children) - 1 else "├── ")

    walk(ScraperError, "", "")
    rows.append((f"{Terminated.__name__} (BaseException)", Terminated))
    width = max(len(label) for label, _cls in rows) + 2
    lines = []
    for label, cls in rows:
        code = f"exit {cls.__dict__['exit_code']}: " if "exit_code" in cls.__dict__ else ""
        lines.append(f"{label.ljust(width)}{code}{_summary(cls)}".rstrip())
    return "\n".join(lines) + "\n"


def exit_code_table() -> str:
    """The README's table: every exit code, what it means, and the errors that give it."""
    raised: dict[int, list[str]] = {}
    classes: list[type[BaseException]] = [*error_classes(), Terminated]
    for cls in classes:
        if "exit_code" in cls.__dict__:
            raised.setdefault(cls.__dict__["exit_code"], []).append(f"`{cls.__name__}`")
    lines = ["| exit code | meaning | raised as |", "| --- | --- | --- |"]
    for code, meaning in EXIT_CODES.items():
        cells = [str(code), meaning.replace("|", "\\|"), ", ".join(raised.get(code, []))]
        lines.append(("| " + " | ".join(cells) + " |").replace("  |", " |"))
    return "\n".join(lines) + "\n"
