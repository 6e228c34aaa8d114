"""Local copies of pages: bytes plus provenance, and Markdown rendered to HTML."""

from __future__ import annotations

import hashlib
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Literal

from scraper.errors import ReadError
from scraper.model import Source, Transfer
from scraper.sources.decode import check_size, decode_page
from scraper.text import normalise_text, shortened

PageKind = Literal["markdown", "html"]
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
_HTML_STARTS = (b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")
# Python-Markdown is quadratic on some inputs (thousands of nested "[" or "<![CDATA["), so a
# hostile local copy could run for hours: rendering gets this many seconds, plus as many per MiB.
MARKDOWN_SECONDS = 10.0
# A pipe-table separator row: cells of dashes with optional alignment colons, at least one "|".
_TABLE_RULE = re.compile(r"^ {0,3}\|?(?:\s*:?-+:?\s*\|)+(?:\s*:?-+:?\s*)?$")


@dataclass(frozen=True, slots=True)
class Page:
    """A page's raw bytes, how to read them, and where they came from."""

    source: Source
    location: str
    data: bytes
    kind: PageKind
    charset: str | None = None
    transfer: Transfer | None = None  # how it arrived over HTTP; None for a local copy
    notes: tuple[str, ...] = ()  # warnings about how the page was read

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def read_local(source: Source) -> Page:
    """Read a source's local copy; its kind comes from the suffix, or is sniffed."""
    if source.path is None:
        raise ReadError(
            f"{source.id}: no local path; use --remote to fetch {source.url}, "
            "or give a local copy's path in a --sources file"
        )
    path = source.path
    try:
        check_size(path.stat().st_size, f"{source.id} ({display_path(path)})")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ReadError(f"{source.id}: file not found: {path}") from exc
    except OSError as exc:
        raise ReadError(f"{source.id}: cannot read {path}: {exc.strerror or exc}") from exc
    shown = display_path(path)
    kind = kind_for_path(path, data)
    if kind == "html" and (found := markdown_saved_as_html(data)) is not None:
        number, line = found
        note = (
            f"{source.id}: {shown} holds Markdown, not HTML (line {number}: '{line}'); "
            "read it as Markdown"
        )
        return Page(source, shown, data, "markdown", notes=(note,))
    return Page(source, shown, data, kind)


def kind_for_path(path: Path, data: bytes) -> PageKind:
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    head = data[:512].removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n").lower()
    return "html" if head.startswith(_HTML_STARTS) else "markdown"


_SNIFFED_BYTES = 64 * 1024
_MARKDOWN_LINE = re.compile(r"^ {0,3}(#{1,6}[ \t]\S|\|?\s*:?-{3,}:?\s*\|)")


def markdown_saved_as_html(data: bytes) -> tuple[int, str] | None:
    """The first Markdown heading or table rule of an `.html` file that is Markdown, or None.

    A file whose first line of text starts with "<" is HTML (a whole document or a fragment);
    otherwise a line such as "## JMessage iOS" means the file was saved from the Markdown
    source, and reading it as HTML would leave every table without its section.
    """
    text = data[:_SNIFFED_BYTES].decode("utf-8", "replace").removeprefix("\ufeff")
    lines = text.splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    if not first or first.startswith("<"):
        return None
    for number, line in enumerate(lines, start=1):
        if _MARKDOWN_LINE.match(line):
            return number, shortened(normalise_text(line), 60)
    return None


def display_path(path: Path) -> str:
    """A path relative to the working folder when it lies inside it, so outputs stay portable.

    A name that is not UTF-8 keeps its bytes as escapes (`\\udcff`), so the files that quote it
    (the manifest, the history) can be written.
    """
    resolved = path.resolve()
    try:
        shown = resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        shown = resolved.as_posix()
    return shown.encode("utf-8", "backslashreplace").decode("utf-8")


def page_html(page: Page) -> str:
    """The page as HTML text: Markdown is rendered as the documentation site renders it."""
    where = f"{page.source.id} ({page.location})"
    text = decode_page(page.data, where, page.charset)
    if page.kind == "html":
        return text
    return render_markdown(text, where=where)


def render_markdown(text: str, *, where: str = "page", seconds: float | None = None) -> str:
    """Markdown to HTML as the documentation site renders it (tables and toc extensions).

    One leniency: a pipe table that directly follows a line of text gets the blank line
    Python-Markdown needs, so a table the author meant is not shown as a paragraph of pipes.
    """
    # Imported here: HTML pages never pay for it. Extensions are passed as instances, not
    # names: a name makes Python-Markdown scan every installed package's entry points, which
    # took longer than rendering both seed pages (see BENCHMARKS.md).
    import markdown
    from markdown.extensions.tables import TableExtension
    from markdown.extensions.toc import TocExtension

    budget = seconds if seconds is not None else MARKDOWN_SECONDS * (1 + len(text) / 2**20)
    try:
        with _time_limit(budget):
            return markdown.markdown(
                separate_pipe_tables(text),
                extensions=[TableExtension(), TocExtension()],
                output_format="html",
            )
    except RecursionError as exc:
        raise ReadError(
            f"{where}: the Markdown is nested too deeply to render (lists or quotes thousands of "
            "levels deep); check that this is the right file"
        ) from exc
    except _TimeUp as exc:
        raise ReadError(
            f"{where}: rendering the Markdown took more than {budget:.0f} seconds and was "
            "stopped; the page holds constructs the renderer handles slowly (thousands of "
            "nested brackets or unclosed tags): check that this is the right file"
        ) from exc


def separate_pipe_tables(text: str) -> str:
    """Insert a blank line between a line of text and a pipe table that follows it directly."""
    if "|" not in text:
        return text
    lines = text.splitlines()
    out: list[str] = []
    for index, line in enumerate(lines):
        previous = lines[index - 1] if index else ""
        if (
            previous.strip()
            and "|" not in previous
            and "|" in line
            and index + 1 < len(lines)
            and _TABLE_RULE.match(lines[index + 1])
        ):
            out.append("")
        out.append(line)
    return "\n".join(out)


class _TimeUp(Exception):
    """Raised inside the renderer by the alarm of `_time_limit`."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` with _TimeUp (POSIX main thread with no timer set)."""
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
