"""What a page copies into many records (a rowspan, a colspan, a heading) is bounded by the
page's size while the records are made: a small page never multiplies into gigabytes."""

from __future__ import annotations

import pytest

from scraper.errors import ParseError
from scraper.model import Source
from scraper.parse.page import parse_page
from scraper.parse.rows import MAX_TEXT_GROWTH

SOURCE = Source("big", "https://docs.example/big/", None, "ios")


def rows(count: int, first: int = 800_001) -> str:
    return "".join(f"<tr><td>{first + n}</td></tr>" for n in range(count))


def test_one_big_cell_spanning_a_thousand_rows_is_refused() -> None:
    cell = "说" * 300_000
    html = (
        "<h2>错误码</h2><table><tr><th>Code</th><th>说明</th></tr>"
        f'<tr><td>800000</td><td rowspan="1000">{cell}</td></tr>{rows(999)}</table>'
    )
    with pytest.raises(ParseError) as caught:
        parse_page(html, SOURCE)
    assert f"{MAX_TEXT_GROWTH} times the page's size" in str(caught.value)
    assert "a rowspan, colspan or heading copies text into too many rows" in str(caught.value)


def test_a_huge_heading_over_many_rows_is_refused() -> None:
    heading = "H" * 1_000_000
    html = f"<h2>{heading}</h2><table><tr><th>Code</th></tr>{rows(2000)}</table>"
    with pytest.raises(ParseError, match="copies text into too many rows"):
        parse_page(html, SOURCE)


def test_a_page_within_the_bound_gives_every_record() -> None:
    cell = "说明" * 100
    html = (
        "<h2>错误码</h2><table><tr><th>Code</th><th>说明</th></tr>"
        f'<tr><td>800000</td><td rowspan="50">{cell}</td></tr>{rows(49)}</table>'
    )
    parsed = parse_page(html, SOURCE)
    assert len(parsed.records) == 50
    assert {record.description for record, _ in parsed.records} == {cell}
