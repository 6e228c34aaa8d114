"""Local copies: only regular files that read to the end; Markdown bounded while it renders,
its front matter removed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scraper.errors import ReadError
from scraper.model import Source
from scraper.parse import page as parse_page_module
from scraper.sources import local
from scraper.sources.local import read_local, render_markdown

TABLE = "| Code | Message |\n|---|---|\n| 871101 | 参数不合法 |\n"


def _source(path: Path) -> Source:
    return Source("ios", "", path, "ios")


def test_a_device_is_refused_naming_it() -> None:
    with pytest.raises(ReadError) as caught:
        read_local(_source(Path("/dev/zero")))
    assert str(caught.value) == (
        "ios: /dev/zero is not a regular file (a folder, a device or a pipe); "
        "give the path of a saved page"
    )


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "page.md"
    os.mkfifo(fifo)
    with pytest.raises(ReadError) as caught:
        read_local(_source(fifo))
    assert str(caught.value).startswith(f"ios: {fifo} is not a regular file")


def test_a_proc_file_that_says_it_is_empty_is_refused() -> None:
    with pytest.raises(ReadError) as caught:
        read_local(_source(Path("/proc/self/status")))
    assert str(caught.value) == (
        "ios: /proc/self/status does not read as the 0-byte file it says it is (a file of /proc "
        "or /sys, or one being written); give the path of a saved page"
    )


def test_a_regular_file_still_reads(tmp_path: Path) -> None:
    page = tmp_path / "ios.md"
    page.write_text(TABLE, encoding="utf-8")
    assert read_local(_source(page)).data == TABLE.encode("utf-8")


@pytest.mark.parametrize(
    "front_matter",
    ["---\ntitle: x\nsidebar: ios\n---\n", "title: x\nsidebar: ios\n---\n"],
    ids=["complete", "opening-missing"],
)
def test_front_matter_is_removed_before_rendering(front_matter: str) -> None:
    html = render_markdown(front_matter + "## iOS\n\n" + TABLE)
    assert "title" not in html
    assert "<hr" not in html
    assert html.startswith('<h2 id="ios">iOS</h2>')


def test_a_setext_heading_that_is_no_front_matter_stays() -> None:
    assert render_markdown("Error codes\n---\n").startswith("<h2")


def test_the_table_limit_is_the_parsers() -> None:
    assert local.MAX_TABLE_CELLS == parse_page_module.MAX_TABLE_CELLS


def test_a_huge_markdown_table_is_refused_before_it_renders() -> None:
    rows = "| 1 | a | b |\n" * 200_000
    with pytest.raises(ReadError) as caught:
        render_markdown("| Code | Message | Note |\n|---|---|---|\n" + rows, where="ios", seconds=5)
    assert str(caught.value) == (
        "ios: the page has about 800,008 table rows and cells, more than the 600,000 the parser "
        "reads (an error-code page has a few hundred); check that this is the right page"
    )


@pytest.mark.slow
def test_a_link_reference_used_thousands_of_times_is_refused_within_bounds() -> None:
    import resource
    import time

    page = "[r]: http://x.test/" + "a" * 2_000_000 + "\n\n" + "[x][r] " * 3000 + "\n"
    started = time.monotonic()
    with pytest.raises(ReadError) as caught:
        render_markdown(page, where="ios")
    assert time.monotonic() - started < 10
    assert str(caught.value) == (
        "ios: the Markdown renders to more than 32 MiB of HTML (text repeated many times over, "
        "such as a long link reference used thousands of times); check that this is the right "
        "file"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    assert peak < 40 * len(page) + 100 * 2**20 + peak_before_rendering()


def peak_before_rendering() -> int:
    """What the test process held already (pytest, the imports), which the bound does not count."""
    return 200 * 2**20
