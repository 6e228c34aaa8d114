"""`index.html` without a browser: every record is a row, page text is escaped, the embedded
JSON cannot end its block, the page asks no host for anything, and its bytes are deterministic.

The same page in a real browser is tested in test_page_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from scraper.model import Record
from scraper.publish.page import PAGE_NAME, PageSource, render_page, row_id
from tests.datasets import build_seeds, record, jmessage_record

HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
CLOSER = "</script><script>document.title='pwned'</script>"
SOURCES = [PageSource("ios", "https://docs.example/ios/")]
WHEN = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("page") / "output"
    build_seeds(out)
    return out


def _page(records: list[Record]) -> bytes:
    return render_page(records, SOURCES, version="1.0.0+abc", updated=WHEN)


def _tree(data: bytes) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(data)


def _embedded(tree: lxml.html.HtmlElement) -> list[list[str]]:
    (block,) = tree.xpath('//script[@type="application/json"]')
    rows: list[list[str]] = json.loads(block.text)
    return rows


def test_every_record_is_a_row_with_its_anchor_and_links(built: Path) -> None:
    tree = _tree((built / PAGE_NAME).read_bytes())
    rows = tree.xpath('//table[@id="codes"]/tbody/tr')
    assert len(rows) == 73
    row = tree.get_element_by_id("jmessage-android-871302")
    cells = [cell.text_content() for cell in row.xpath("td")]
    assert cells[:4] == ["871302", "android", "JMessage", "Message content exceeds its max length."]
    assert row.xpath("td[1]/a/@href") == ["#jmessage-android-871302"]
    assert row.xpath("td[6]/a/@href") == [
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
    assert cells[3:5] == [HOSTILE, CLOSER]
    (block,) = tree.xpath('//script[@type="application/json"]')
    assert "<" not in block.text
    assert _embedded(tree)[0][4:] == [HOSTILE, CLOSER]


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,hi", ""], ids=["javascript", "data", "empty"]
)
def test_only_web_urls_become_links(url: str) -> None:
    hostile = jmessage_record("ios", "JMessage", 1, "m", "d", "Section", "ios", url)
    tree = _tree(_page([hostile]))
    assert tree.xpath("//tbody//td[6]/a") == []
    assert tree.xpath("//tbody//td[6]")[0].text_content() == "Section"


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


def test_without_a_recorded_date_the_page_says_so() -> None:
    data = render_page([record()], SOURCES, version="1.0.0+abc", updated=None)
    assert b"the date of the data is not recorded" in data


def test_a_tampered_platform_cannot_break_an_attribute() -> None:
    tampered = jmessage_record('ios" onclick="x', "JMessage", 5, "five", "五", "", "ios", "")
    tree = _tree(_page([tampered]))
    (row,) = tree.xpath("//tbody/tr")
    assert row.get("id") == row_id(tampered)
    assert row.get("onclick") is None
