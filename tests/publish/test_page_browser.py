"""`index.html` in a real browser: the system's Chromium driven by Playwright's Python client.

Typing filters the rows (variant spellings and code prefixes included) and keeps the search in
the address, `#871302` shows and highlights that entry, an unknown code or an empty result
says why and what would find it, no request leaves the page, a hostile cell shows as text and
runs nothing, the controls have labels and a polite results count, no word is broken inside
at any width from 320 to 1920 px, and a phone-sized screen needs no sideways scrolling.
Skipped, with the reason, where Playwright or Chromium is missing (`.ci/run` installs Chromium
from the OS packages).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scraper.consume.dataset import load_records
from scraper.model import JSON_NAME, Record
from scraper.publish.page import PAGE_NAME, ROW_ORDER, PageSource, render_page, row_id
from scraper.variants import spellings
from tests.conftest import PROJECT_ROOT
from tests.datasets import record

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = "<img src=x onerror=\"window.pwned = 'img'\">"
CLOSER = "</script><script>window.pwned = 'script'</script>"

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright's Python client is not installed (pip: playwright)"
)
if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(
        f"no Chromium at {CHROMIUM} (install Debian's chromium package, or set CHROMIUM)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture(scope="module")
def built(seed_build: Path) -> Path:
    """The session's build of the seed pages (read only)."""
    return seed_build


@pytest.fixture(scope="module")
def records(built: Path) -> list[Record]:
    return load_records(built / JSON_NAME)


def _visible(page: Any) -> list[str]:
    ids: list[str] = page.eval_on_selector_all(
        "#codes tbody tr", "rows => rows.filter(row => row.offsetParent !== null).map(r => r.id)"
    )
    return ids


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _expected(records: list[Record], query: str, platform: str = "") -> list[str]:
    """The rows the page should show, as the page's rule states it, in the page's order: each
    word is the start of the code, or part of the message or description in one of its
    declared spellings."""
    terms = _fold(query).split()
    shown = [
        item
        for item in records
        if (not platform or item.platform == platform)
        and all(
            item.code_text.startswith(term)
            or any(
                spelling in _fold(item.message + "\n" + item.description)
                for spelling in spellings(term)
            )
            for term in terms
        )
    ]
    return [row_id(item) for item in sorted(shown, key=_page_order)]


def _page_order(item: Record) -> tuple[object, ...]:
    """`ROW_ORDER` (the seed pages' codes are all numbers)."""
    return tuple(getattr(item, name) for name in ROW_ORDER)


def test_without_javascript_every_row_shows(browser: Any, built: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto((built / PAGE_NAME).as_uri())
        assert len(_visible(page)) == 73
        assert not page.locator("#filters").is_visible()  # controls that would do nothing
    finally:
        context.close()


@pytest.mark.parametrize(
    ("query", "platform"),
    [
        ("8713", ""),
        ("87130", ""),
        ("登录", ""),
        ("登陆", ""),
        ("login", ""),
        ("LOGIN 异常", ""),
        ("登录", "android"),
        ("", "ios"),
    ],
    ids=[
        "code-prefix",
        "longer-code-prefix",
        "two-chinese-chars",
        "variant-spelling",
        "english",
        "two-words",
        "with-platform",
        "platform",
    ],
)
def test_typing_filters_the_rows(
    page: Any, built: Path, records: list[Record], query: str, platform: str
) -> None:
    page.goto((built / PAGE_NAME).as_uri())
    if platform:
        page.get_by_label("Platform").select_option(platform)
    page.get_by_label("Code or text").press_sequentially(query)
    expected = _expected(records, query, platform)
    assert expected
    assert _visible(page) == expected
    assert page.locator("#count").text_content() == f"Showing {len(expected)} of 73 entries"


def test_two_character_chinese_words_find_their_entries(page: Any, built: Path) -> None:
    page.goto((built / PAGE_NAME).as_uri())
    page.get_by_label("Code or text").fill("登录")
    shown = {row.split("-")[-1] for row in _visible(page)}
    assert {"863004", "871005"} <= shown


def test_no_match_says_so(page: Any, built: Path) -> None:
    page.goto((built / PAGE_NAME).as_uri())
    page.get_by_label("Code or text").fill("no such text")
    assert _visible(page) == []
    assert page.locator("#count").text_content() == "No entry matches (73 entries in all)"


def test_a_code_in_the_address_shows_and_highlights_its_entry(page: Any, built: Path) -> None:
    page.goto((built / PAGE_NAME).as_uri() + "#871302")
    assert page.get_by_label("Code or text").input_value() == "871302"
    assert _visible(page) == ["jmessage-android-871302"]
    row = page.locator("#jmessage-android-871302")
    assert "hit" in (row.get_attribute("class") or "")
    assert row.is_visible()
    assert page.evaluate(
        "() => { const box = document.getElementById('jmessage-android-871302')"
        ".getBoundingClientRect(); return box.top >= 0 && box.bottom <= innerHeight; }"
    )


def test_a_row_links_to_its_own_anchor(page: Any, built: Path) -> None:
    page.goto((built / PAGE_NAME).as_uri())
    page.locator("#jmessage-ios-863004 td a").first.click()
    assert page.url.endswith("#jmessage-ios-863004")
    assert _visible(page) == ["jmessage-ios-863004"]


def test_no_request_leaves_the_page(page: Any, built: Path) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    address = (built / PAGE_NAME).as_uri()
    page.goto(address + "#871302")
    page.get_by_label("Code or text").fill("登录")
    page.get_by_label("SDK").select_option("JMRTC")
    page.evaluate("() => { location.hash = 'jmessage-ios-863004'; }")
    page.wait_for_function("() => document.getElementById('query').value === '863004'")
    assert [url.split("#")[0] for url in requested] == [address]


def test_a_hostile_cell_shows_as_text_and_runs_nothing(page: Any, tmp_path: Path) -> None:
    hostile = [
        record(code=1, message=HOSTILE, description=CLOSER),
        record(code=2, message="plain", description="普通"),
    ]
    path = tmp_path / PAGE_NAME
    path.write_bytes(
        render_page(
            hostile,
            [PageSource("ios", "https://docs.example/ios/")],
            version="1.0.0+abc",
            updated=datetime(2025, 3, 1, tzinfo=UTC),
        )
    )
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    # record() is of source `ios`: its row is `ios-1`; message and description are the fifth
    # and sixth cells (after code, product, platform and sdk).
    assert page.locator("#ios-1 td").nth(4).text_content() == HOSTILE
    assert page.locator("#ios-1 td").nth(5).text_content() == CLOSER
    assert page.locator("img").count() == 0
    page.get_by_label("Code or text").fill("onerror")  # the embedded JSON kept the text too
    assert _visible(page) == ["ios-1"]
    assert page.evaluate("() => window.pwned") is None
    assert (dialogs, errors) == ([], [])


def test_labels_keyboard_and_a_polite_count(page: Any, built: Path) -> None:
    page.goto((built / PAGE_NAME).as_uri())
    count = page.locator("#count")
    assert (count.get_attribute("role"), count.get_attribute("aria-live")) == ("status", "polite")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "query"
    page.keyboard.type("863004")
    assert count.text_content() == "Showing 1 of 73 entries"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "product"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "platform"
    assert page.get_by_label("SDK").is_visible()


def test_a_phone_sized_screen_needs_no_sideways_scrolling(browser: Any, built: Path) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    try:
        page = context.new_page()
        page.goto((built / PAGE_NAME).as_uri() + "#871302")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
        assert page.locator("#jmessage-android-871302").is_visible()
    finally:
        context.close()


def test_the_screenshot_script_makes_a_png(built: Path, tmp_path: Path) -> None:
    """docs/screenshot.py makes docs/lookup-page.png; here it runs on a copy of the build."""
    folder = tmp_path / "checkout"
    (folder / "docs").mkdir(parents=True)
    shutil.copytree(built, folder / "output")
    shutil.copyfile(PROJECT_ROOT / "docs" / "screenshot.py", folder / "docs" / "screenshot.py")
    done = subprocess.run(
        [sys.executable, folder / "docs" / "screenshot.py"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**os.environ, "CHROMIUM": CHROMIUM},
    )
    assert done.returncode == 0, done.stderr
    assert (folder / "docs" / "lookup-page.png").read_bytes().startswith(b"\x89PNG")


def test_a_variant_spelling_finds_the_standard_one(page: Any, built: Path) -> None:
    page.goto((built / PAGE_NAME).as_uri())
    page.get_by_label("Code or text").fill("登录")
    standard = _visible(page)
    page.get_by_label("Code or text").fill("登陆")  # the pages write 登录 only
    assert _visible(page) == standard
    assert {"jmessage-ios-863004", "jmessage-ios-jmrtc-871005"} <= set(standard)


# Widths from a small phone to a wide desktop, the two of the report (1280, 1440) included.
WIDTHS = [320, 360, 414, 600, 768, 1024, 1100, 1280, 1440, 1680, 1920]
# Every run of Latin letters, digits and underscores in the table's visible text, and the
# lines each run's boxes sit on: a run on two lines is a word broken inside.
BROKEN_WORDS = """() => {
  const broken = [];
  const cells = document.querySelectorAll("#codes th, #codes td");
  for (const cell of cells) {
    if (cell.offsetParent === null) continue;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/[\\p{Script=Latin}\\p{Nd}_]+/gu)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const boxes = [...range.getClientRects()].filter((box) => box.width > 0);
        const lines = new Set(boxes.map((box) => Math.round(box.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return [...new Set(broken)];
}"""


@pytest.mark.parametrize("width", WIDTHS, ids=[f"{width}px" for width in WIDTHS])
def test_no_word_is_broken_inside_at_any_width(browser: Any, built: Path, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto((built / PAGE_NAME).as_uri())
        assert page.locator("#codes td").first.is_visible()
        assert page.evaluate(BROKEN_WORDS) == []
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    finally:
        context.close()


def _address(page: Any) -> str:
    """The address as the page sees it (history.replaceState changes it without a load)."""
    address: str = page.evaluate("() => location.href")
    return address


def test_the_search_lives_in_the_address_and_survives_a_reload(page: Any, built: Path) -> None:
    address = (built / PAGE_NAME).as_uri()
    page.goto(address)
    page.get_by_label("Platform").select_option("android")
    page.get_by_label("Code or text").fill("登录")
    assert _address(page) == address + "#q=%E7%99%BB%E5%BD%95&platform=android"
    shown = _visible(page)
    assert shown
    page.reload()
    assert page.get_by_label("Code or text").input_value() == "登录"
    assert page.get_by_label("Platform").input_value() == "android"
    assert _visible(page) == shown
    page.get_by_label("Code or text").fill("")
    page.get_by_label("Platform").select_option("")
    assert _address(page) == address
    assert len(_visible(page)) == 73


def test_a_shared_search_address_opens_that_search(
    page: Any, built: Path, records: list[Record]
) -> None:
    page.goto((built / PAGE_NAME).as_uri() + "#q=login%20%E5%BC%82%E5%B8%B8&platform=ios")
    assert page.get_by_label("Code or text").input_value() == "login 异常"
    assert page.get_by_label("Platform").input_value() == "ios"
    assert _visible(page) == _expected(records, "login 异常", "ios") != []


def test_a_filter_that_hides_the_code_says_where_it_is(page: Any, built: Path) -> None:
    page.goto((built / PAGE_NAME).as_uri())
    page.get_by_label("Platform").select_option("ios")
    page.get_by_label("Code or text").fill("871302")
    assert _visible(page) == []
    assert page.locator("#count").text_content() == "No entry matches (73 entries in all)"
    hint = page.locator("#hint")
    # Each place is named by the filters' values: product/platform/sdk.
    assert hint.text_content() == "android/JMessage has it: try Platform android"
    hint.get_by_role("button", name="Platform android").click()
    assert page.get_by_label("Platform").input_value() == "android"
    assert _visible(page) == ["jmessage-android-871302"]
    assert not hint.is_visible()


def test_a_code_of_a_source_the_dataset_leaves_out_says_where_it_is(page: Any, built: Path) -> None:
    page.goto((built / PAGE_NAME).as_uri())
    page.get_by_label("Code or text").fill("899070")
    assert _visible(page) == []
    assert page.locator("#hint").text_content() == (
        "899070 looks like a code of the jmessage-server page (89xxxx), which this dataset "
        "leaves out: build with `build --remote --include jmessage-server` to add it."
    )


def test_an_unknown_code_in_the_address_says_it_is_unknown(page: Any, built: Path) -> None:
    page.goto((built / PAGE_NAME).as_uri() + "#999999")
    assert page.get_by_label("Code or text").input_value() == "999999"
    assert _visible(page) == []
    assert page.locator("#count").text_content() == "No entry matches (73 entries in all)"
    assert page.locator("#hint").text_content() == (
        "The code 999999 is not in this dataset, and no code starts with it."
    )


@pytest.mark.parametrize("anchor", ["jmessage-android-871302", "871302"], ids=["row", "code"])
def test_without_javascript_the_target_row_is_below_the_sticky_header(
    browser: Any, built: Path, anchor: str
) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1100, "height": 600}
    )
    try:
        page = context.new_page()
        page.goto((built / PAGE_NAME).as_uri() + "#" + anchor)
        row = page.locator("#jmessage-android-871302").bounding_box()
        header = page.locator("#codes thead th").first.bounding_box()
        assert page.evaluate("() => scrollY") > 0  # the browser did jump to it
        assert header["y"] == 0  # the header is stuck to the top
        assert row["y"] >= header["y"] + header["height"]
    finally:
        context.close()
