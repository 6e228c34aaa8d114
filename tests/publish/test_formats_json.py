"""The exports' JSON writer gives exactly the text of the standard library's indented dump."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from scraper.publish.formats import dump_json

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
documents = st.recursive(
    scalars,
    lambda children: st.lists(children) | st.dictionaries(st.text() | st.integers(), children),
    max_leaves=30,
)


@given(documents)
def test_dump_json_is_the_standard_librarys_indented_dump(document: object) -> None:
    expected = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    assert dump_json(document) == expected.encode("utf-8")
