"""Local copies of pages: bytes plus provenance, and Markdown rendered to HTML."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from scraper.decode import decode_page
from scraper.errors import ReadError
from scraper.sources import Source

PageKind = Literal["markdown", "html"]
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}


@dataclass(frozen=True, slots=True)
class Page:
    """A page's raw bytes, how to read them, and where they came from."""

    source: Source
    location: str
    data: bytes
    kind: PageKind
    charset: str | None = None
    provenance: dict[str, object] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def read_local(source: Source) -> Page:
    """Read a source's local copy; its kind comes from the suffix, or is sniffed."""
    if source.path is None:
        raise ReadError(f"{source.id}: no local path; use --remote to fetch {source.url}")
    path = source.path
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ReadError(f"{source.id}: file not found: {path}") from exc
    except OSError as exc:
        raise ReadError(f"{source.id}: cannot read {path}: {exc.strerror or exc}") from exc
    return Page(source, display_path(path), data, kind_for_path(path, data))


def kind_for_path(path: Path, data: bytes) -> PageKind:
    suffix = path.suffix.lower()
    if suffix in MARKDOWN_SUFFIXES:
        return "markdown"
    if suffix in HTML_SUFFIXES:
        return "html"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return "html" if head.startswith((b"<!doctype", b"<html")) else "markdown"


def display_path(path: Path) -> str:
    """A path relative to the working folder when it lies inside it, so outputs stay portable."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def page_html(page: Page) -> str:
    """The page as HTML text: Markdown is rendered as the documentation site renders it."""
    text = decode_page(page.data, page.source.id, page.charset)
    if page.kind == "html":
        return text
    return render_markdown(text)


def render_markdown(text: str) -> str:
    # Imported here: HTML pages never pay for it. Extensions are passed as instances, not
    # names: a name makes Python-Markdown scan every installed package's entry points, which
    # took longer than rendering both seed pages (see BENCHMARKS.md).
    import markdown
    from markdown.extensions.tables import TableExtension
    from markdown.extensions.toc import TocExtension

    return markdown.markdown(
        text, extensions=[TableExtension(), TocExtension()], output_format="html"
    )
