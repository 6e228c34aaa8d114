"""Local copies of pages: bytes plus provenance, and Markdown rendered to HTML."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Literal

from scraper.errors import ReadError
from scraper.model import Source, Transfer
from scraper.sources.decode import MAX_PAGE_BYTES, check_size, decode_page
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
        data = _read_regular(path, source.id)
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


def _read_regular(path: Path, source_id: str) -> bytes:
    """The bytes of a regular file that reads to the end its size says, without blocking:
    a device, a FIFO or a file of /proc (which says 0 bytes, then streams) is refused."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(descriptor, "rb") as stream:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise ReadError(
                f"{source_id}: {path} is not a regular file (a folder, a device or a pipe); "
                "give the path of a saved page"
            )
        check_size(status.st_size, f"{source_id} ({display_path(path)})")
        data = stream.read(status.st_size + 1)
    if len(data) != status.st_size:
        raise ReadError(
            f"{source_id}: {path} does not read as the {status.st_size:,}-byte file it says it is "
            "(a file of /proc or /sys, or one being written); give the path of a saved page"
        )
    return data


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

    text = without_front_matter(text)
    check_table_cells(text, where)
    budget = seconds if seconds is not None else MARKDOWN_SECONDS * (1 + len(text) / 2**20)
    try:
        with _time_limit(budget):
            renderer = markdown.Markdown(
                extensions=[TableExtension(), TocExtension()], output_format="html"
            )
            # After the inline patterns and the table of contents (which copy text: a link
            # reference into every use, the headings into every [TOC]), before anything is
            # serialised or unescaped (which would make the copies for real).
            renderer.treeprocessors.register(_size_check(renderer), "size_check", 1)
            return renderer.convert(separate_pipe_tables(text))
    except _TooBig as exc:
        raise ReadError(
            f"{where}: the Markdown renders to more than {MAX_RENDERED_CHARS // 2**20} MiB of "
            "HTML (text repeated many times over, such as a long link reference used thousands "
            "of times); check that this is the right file"
        ) from exc
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


# As much HTML as a page may hold (the parser refuses more): rendering stops past it.
MAX_RENDERED_CHARS = MAX_PAGE_BYTES
# The parser's limit on table rows and cells (`parse.page.MAX_TABLE_CELLS`), applied here to a
# Markdown table's pipes before it is rendered, as fast as the parser refuses the same HTML.
MAX_TABLE_CELLS = 600_000


def check_table_cells(text: str, where: str) -> None:
    """Refuse Markdown with more table rows and cells (about one per "|") than are parsed."""
    cells = text.count("|")
    if cells > MAX_TABLE_CELLS:
        raise ReadError(
            f"{where}: the page has about {cells:,} table rows and cells, more than the "
            f"{MAX_TABLE_CELLS:,} the parser reads (an error-code page has a few hundred); "
            "check that this is the right page"
        )


_FRONT_MATTER_KEY = re.compile(r"[A-Za-z_][\w-]*:(?:[ \t].*)?")
_FRONT_MATTER_MORE = re.compile(r"(?:[ \t]+\S.*|- .*|#.*)?")  # a continuation, a list item
_FRONT_MATTER_END = re.compile(r"(?:---|\.\.\.)[ \t]*")


def without_front_matter(text: str) -> str:
    """`text` without YAML front matter at its top: between `---` lines, or `key: value`
    lines closed by `---` with the opening one missing (else a setext heading)."""
    lines = text.removeprefix("\ufeff").split("\n", 200)
    start = 1 if lines[0].rstrip() == "---" else 0
    if start == len(lines) or not _FRONT_MATTER_KEY.fullmatch(lines[start].rstrip("\r")):
        return text
    for index in range(start + 1, min(len(lines), 200)):
        line = lines[index].rstrip("\r")
        if _FRONT_MATTER_END.fullmatch(line):
            return "\n".join(lines[index + 1 :])
        if not (_FRONT_MATTER_KEY.fullmatch(line) or _FRONT_MATTER_MORE.fullmatch(line)):
            return text
    return text


class _TooBig(Exception):
    """Raised inside the renderer when its tree would serialise to more than allowed."""


def _size_check(renderer: Any) -> Any:
    """A tree processor that refuses a tree past `MAX_RENDERED_CHARS` (markdown imported here)."""
    from markdown.treeprocessors import Treeprocessor

    class SizeCheck(Treeprocessor):
        """Counts what the tree will serialise to (escapes included), stopping past the limit."""

        def run(self, root: Any) -> None:
            total = 0
            for element in root.iter():
                total += 2 * len(element.tag) + 5
                for part in (element.text, element.tail):
                    if part:
                        total += len(part) + 4 * part.count("&") + 3 * part.count("<")
                for key, value in element.attrib.items():
                    total += len(key) + len(value) + 4 + 5 * value.count("&") + 5 * value.count('"')
                if total > MAX_RENDERED_CHARS:
                    raise _TooBig

    return SizeCheck(renderer)


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
