"""`index.html` without a browser: every record is a row, page text is escaped, the embedded
JSON cannot end its block, the page asks no host for anything, and its bytes are deterministic.

The same page in a real browser is tested in test_page_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from scraper.consume.lookup import OPT_IN_SOURCES
from scraper.model import FIELDS, KEY_FIELDS, RECORD_FIELDS, Record
from scraper.publish.page import (
    COLUMNS,
    FILTERS,
    PAGE_NAME,
    ROW_ORDER,
    SEARCHED_FIELDS,
    PageSource,
    render_page,
    row_id,
)
from scraper.variants import VARIANT_GROUPS
from tests.datasets import jmessage_record, record

HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
CLOSER = "</script><script>document.title='pwned'</script>"
SOURCES = [PageSource("ios", "https://docs.example/ios/")]
WHEN = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(seed_build: Path) -> Path:
    """The session's build of the seed pages (read only)."""
    return seed_build


def _page(records: list[Record]) -> bytes:
    return render_page(records, SOURCES, version="1.0.0+abc", updated=WHEN)


def _tree(data: bytes) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(data)


def _embedded(tree: lxml.html.HtmlElement) -> dict[str, Any]:
    (block,) = tree.xpath('//script[@type="application/json"]')
    data: dict[str, Any] = json.loads(block.text)
    return data


def _embedded_records(tree: lxml.html.HtmlElement) -> list[dict[str, str]]:
    data = _embedded(tree)
    return [dict(zip(data["fields"], row, strict=True)) for row in data["records"]]


def test_every_record_is_a_row_with_its_anchor_and_links(built: Path) -> None:
    tree = _tree((built / PAGE_NAME).read_bytes())
    rows = tree.xpath('//table[@id="codes"]/tbody/tr')
    assert len(rows) == 73
    row = tree.get_element_by_id("jmessage-android-871302")
    cells = [cell.text_content() for cell in row.xpath("td")]
    assert cells[:5] == [
        "871302", "JMessage", "android", "JMessage", "Message content exceeds its max length."
    ]  # fmt: skip
    assert row.xpath("td[1]/a/@href") == ["#jmessage-android-871302"]
    assert row.xpath("td[8]/a/@href") == [
        "https://docs.jiguang.cn/jmessage/client/im_errorcode_android/#jmessage-android"
    ]
    # `#871302` reaches every entry of the code, even without JavaScript (CSS :target).
    assert tree.get_element_by_id("871302").tag == "tbody"


def test_the_page_names_its_sources_date_and_files(built: Path) -> None:
    tree = _tree((built / PAGE_NAME).read_bytes())
    links = tree.xpath("//footer//a/@href")
    assert "https://docs.jiguang.cn/jmessage/client/im_errorcode_ios/" in links
    assert {"errorcodes.json", "errorcodes.csv", "errorcodes.sqlite", "manifest.json"} <= set(links)
    assert tree.xpath("//header//time/@datetime")


def test_hostile_text_is_escaped_in_cells_and_in_the_embedded_json() -> None:
    data = _page([record(message=HOSTILE, description=CLOSER)])
    text = data.decode("utf-8")
    assert HOSTILE not in text
    assert CLOSER not in text
    tree = _tree(data)
    assert not tree.xpath("//img")
    assert len(tree.xpath("//script")) == 2  # the JSON block and the page's own script
    cells = [cell.text_content() for cell in tree.xpath("//tbody/tr/td")]
    assert cells[4:6] == [HOSTILE, CLOSER]
    (block,) = tree.xpath('//script[@type="application/json"]')
    assert "<" not in block.text
    (embedded,) = _embedded_records(tree)
    assert (embedded["message"], embedded["description"]) == (HOSTILE, CLOSER)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,hi", ""], ids=["javascript", "data", "empty"]
)
def test_only_web_urls_become_links(url: str) -> None:
    hostile = jmessage_record("ios", "JMessage", 1, "m", "d", "Section", "jmessage-ios", url)
    tree = _tree(_page([hostile]))
    assert tree.xpath("//tbody//td[8]/a") == []
    assert tree.xpath("//tbody//td[8]")[0].text_content() == "Section"


def test_the_page_loads_nothing_and_allows_only_its_own_script_and_style(built: Path) -> None:
    tree = _tree((built / PAGE_NAME).read_bytes())
    assert not tree.xpath("//*[@src] | //link | //iframe | //object | //embed | //img")
    (policy,) = tree.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')
    (script,) = tree.xpath("//script[not(@type)]")
    (style,) = tree.xpath("//style")
    assert policy.startswith("default-src 'none'; ")
    assert f"script-src '{_hash(script.text)}'" in policy
    assert f"style-src '{_hash(style.text)}'" in policy


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def test_the_same_input_gives_the_same_bytes() -> None:
    records = [record(code=2), record(code=1, platform="android")]
    assert _page(records) == _page(list(reversed(records)))


def test_rows_are_grouped_by_code_and_ids_are_unique() -> None:
    records = [
        record("ios", "JMessage", 7),
        record("android", "JMessage", 7),
        record("ios", "JMRTC", 7),
        record("ios", "JMessage", -1),
    ]
    tree = _tree(_page(records))
    ids = tree.xpath("//@id")
    assert len(ids) == len(set(ids))
    assert [body.get("id") for body in tree.xpath("//tbody")] == ["-1", "7"]
    assert [row.get("id") for row in tree.get_element_by_id("7")] == [
        row_id(records[1]),
        row_id(records[2]),
        row_id(records[0]),
    ]


def test_a_code_written_two_ways_gives_one_tbody_per_spelling() -> None:
    # Code 0 is `0` on most pages and `0x00000000` on others; sorted by source alone, the two
    # spellings would interleave and two tbodies would share an id.
    plain = [replace(record(code=0), source=source) for source in ("a", "c")]
    hexadecimal = replace(record(code=0), source="b", code_text="0x00000000")
    again = replace(plain[0], occurrence=2)
    tree = _tree(_page([*plain, hexadecimal, again]))
    ids = tree.xpath("//@id")
    assert len(ids) == len(set(ids))
    assert [body.get("id") for body in tree.xpath("//tbody")] == ["0", "0x00000000"]
    assert [row.get("id") for row in tree.get_element_by_id("0")] == [
        "a-ios-0", "a-ios-0-2", "c-ios-0"
    ]  # fmt: skip


def test_without_a_recorded_date_the_page_says_so() -> None:
    data = render_page([record()], SOURCES, version="1.0.0+abc", updated=None)
    assert b"the date of the data is not recorded" in data


def test_a_tampered_platform_cannot_break_an_attribute() -> None:
    tampered = jmessage_record('ios" onclick="x', "JMessage", 5, "five", "五", "", "ios", "")
    tree = _tree(_page([tampered]))
    (row,) = tree.xpath("//tbody/tr")
    assert row.get("id") == row_id(tampered)
    assert row.get("onclick") is None


def test_columns_filters_and_searched_fields_are_the_models_fields() -> None:
    shown = [column.field for column in COLUMNS]
    assert set(shown) <= set(RECORD_FIELDS)
    # Every entry's key is on its row: the platform and the sdk as columns, the code as the
    # page writes it (code_text) in the code column, and the whole key, source and occurrence
    # too, in the row's anchor (`row_id`, unique: test_rows_are_grouped_by_code...).
    assert {"platform", "sdk", "code"} <= set(shown)
    assert set(FILTERS) <= set(shown)
    # A filter's field has a value on every record: declared values, or a name never empty.
    filtered = [next(item for item in FIELDS if item.name == name) for name in FILTERS]
    assert all(item.enum or item.non_empty for item in filtered)
    assert set(SEARCHED_FIELDS) <= set(RECORD_FIELDS)
    assert set(SEARCHED_FIELDS) - set(shown) <= {"name", "advice"}  # shown under Details
    assert ROW_ORDER[0] == "code"  # a code's entries sit together
    assert ROW_ORDER[1] == "code_text"  # and each spelling of it under one tbody
    assert sorted(ROW_ORDER[1:]) == sorted(KEY_FIELDS)


def test_the_table_follows_the_declared_columns() -> None:
    tree = _tree(_page([record(message="m", description="说明")]))
    assert tree.xpath("//thead//th/text()") == [column.header for column in COLUMNS]
    assert tree.xpath("//tbody/tr/td/@data-label") == [column.cell_label for column in COLUMNS]
    assert [cell.text_content() for cell in tree.xpath("//tbody/tr/td")] == [
        "1", "JMessage", "ios", "JMessage", "m", "说明", "", "JMessage ios"
    ]  # fmt: skip


def test_each_filter_offers_the_values_the_records_have_in_the_models_order() -> None:
    records = [record("server", "JMRTC", 1), record("android"), record("ios")]
    tree = _tree(_page(records))
    assert tree.xpath('//select[@id="platform"]/option/@value') == ["", "ios", "android", "server"]
    # The model declares no sdks or products (each product names its own): sorted.
    assert tree.xpath('//select[@id="sdk"]/option/text()') == ["All SDKs", "JMRTC", "JMessage"]
    assert tree.xpath('//select[@id="product"]/option/text()') == ["All products", "JMessage"]
    assert tree.xpath('//label[@for="platform"]/text()') == ["Platform"]


def test_the_script_gets_its_rules_as_data() -> None:
    data = _embedded(_tree(_page([record(code=-1, message="m", description="d")])))
    assert data["filters"] == list(FILTERS)
    assert data["searched"] == list(SEARCHED_FIELDS)
    assert data["variants"] == [list(group) for group in VARIANT_GROUPS]
    assert [item["id"] for item in data["optIn"]] == [source.id for source in OPT_IN_SOURCES]
    assert data["optIn"][0] == {
        "id": "jmessage-server", "platform": "server", "first": 890000, "last": 899999,
        "pattern": "89xxxx",
    }  # fmt: skip
    # Every value as text; the id is the row's anchor: source `ios`, code -1.
    assert dict(zip(data["fields"], data["records"][0], strict=True)) == {
        "id": "ios--1", "code": "-1", "source": "ios", "platform": "ios", "sdk": "JMessage",
        "code_text": "-1", "occurrence": "1", "product": "JMessage", "name": "",
        "message": "m", "description": "d", "detail": "", "advice": "",
    }  # fmt: skip


@pytest.mark.parametrize("name", ["lookup.css", "lookup.js"])
def test_the_style_and_script_are_the_packaged_files_inline(name: str) -> None:
    asset = (files("scraper.publish") / "assets" / name).read_text(encoding="utf-8")
    assert asset.encode("utf-8") in _page([record()])
    assert "</" not in asset  # could end the <style> or <script> element early
