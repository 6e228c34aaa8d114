"""`metadata.json` for Datasette: `datasette errorcodes.sqlite -m metadata.json`.

Title, description, the data's terms and sources, a description of every column (from the
model's fields), a facet for each of the lookup page's filters, and two canned queries: look a
code up, and search any substring of the fields the page's search reads. The table's own
search box uses the trigram full-text index, which cannot match fewer than three characters;
the `search` query compares substrings with `instr()`, so two-character Chinese words such as
登录 are found too, and reads each declared variant spelling as its group's first one, so 登陆
finds 登录. Both queries answer an empty or malformed value with no rows, never with all of
them or with code 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from scraper.about import PROJECT_URL, TOOL_NAME
from scraper.model import FIELDS, KEY_FIELDS, RECORD_FIELDS, SQLITE_NAME, TABLE_NAME
from scraper.publish.contract import DATA_TERMS
from scraper.publish.formats import dump_json
from scraper.publish.page import FILTERS, ROW_ORDER, SEARCHED_FIELDS, PageSource
from scraper.variants import VARIANT_GROUPS

METADATA_NAME = "metadata.json"
DATABASE = SQLITE_NAME.removesuffix(".sqlite")  # Datasette names a database after its file
TABLE = TABLE_NAME
# What the queries show: every field but the source id (the url says where the entry is).
_SHOWN = ", ".join(name for name in RECORD_FIELDS if name != "source")


def _standard(expression: str) -> str:
    """SQL reading every declared variant spelling in `expression` as its group's first."""
    for group in VARIANT_GROUPS:
        for spelling in group[1:]:
            first, other = (text.replace("'", "''") for text in (group[0], spelling))
            expression = f"replace({expression}, '{other}', '{first}')"
    return expression


# Datasette passes every parameter as text (an empty box as ''). `cast('abc' as integer)` is 0
# and `cast('871302abc' as integer)` is 871302, so the cast must also read back as the text.
# The SQL is built from the model's field names and the declared variants, never from input.
LOOKUP_SQL = (
    f"select {_SHOWN} from {TABLE}\n"  # noqa: S608 - declared names only
    "where code = cast(:code as integer)\n"
    "  and cast(cast(:code as integer) as text) = trim(:code)\n"
    f"order by {', '.join(KEY_FIELDS)}"
)
_TEXT = _standard("lower(trim(:text))")
SEARCH_SQL = (
    f"select {_SHOWN} from {TABLE}\n"  # noqa: S608 - declared names only
    "where trim(:text) <> ''\n  and ("
    + "\n    or ".join(
        f"instr({_standard(f'lower({name})')}, {_TEXT}) > 0" for name in SEARCHED_FIELDS
    )
    + f")\norder by {', '.join(ROW_ORDER)}"
)


def render_metadata(sources: Iterable[PageSource], version: str) -> bytes:
    return dump_json(metadata(sources, version))


def metadata(sources: Iterable[PageSource], version: str) -> dict[str, object]:
    pages = list(sources)
    listed = "; ".join(f"{source.id}: {source.url}" for source in pages)
    first_url = next((source.url for source in pages if source.url), PROJECT_URL)
    return {
        "title": "JiGuang error codes",
        "description": (
            "Error codes of JiGuang's SDKs and REST APIs (JMessage, JPush, JSMS, JShare, "
            f"JVerification, JAnalytics, JIoT), dataset version {version}, one row per code row "
            f"of a page, from these documentation pages: {listed}. The "
            "search box of error_codes needs three characters or more; for shorter words "
            "(登录) use the search query."
        ),
        "license": str(DATA_TERMS["title"]),
        "license_url": str(DATA_TERMS["path"]),
        "source": "JiGuang's documentation",
        "source_url": first_url,
        "about": TOOL_NAME,
        "about_url": PROJECT_URL,
        "databases": {
            DATABASE: {
                "tables": {
                    TABLE: {
                        "description": "One error code as one documentation page states it.",
                        "columns": {field.name: field.description for field in FIELDS},
                        "sort": "code",
                        "facets": list(FILTERS),
                        "fts_table": f"{TABLE}_fts",
                    },
                    "runs": {"description": "Every build that changed the data."},
                    "changes": {"description": "Every field each of those builds changed."},
                    "meta": {"hidden": True},
                },
                "queries": _queries(),
            }
        },
    }


def _queries() -> Mapping[str, object]:
    return {
        "lookup": {
            "title": "Look up an error code",
            "description": (
                "Every entry with this code (a whole number, such as 871302 or -1), on every "
                "platform and sdk; anything else finds nothing."
            ),
            "sql": LOOKUP_SQL,
        },
        "search": {
            "title": "Search messages and descriptions",
            "description": (
                "Entries whose message or description contains this text, of any length "
                "(登录, login); letter case does not matter, a variant spelling finds the "
                "others (登陆 finds 登录), and an empty text finds nothing."
            ),
            "sql": SEARCH_SQL,
        },
    }
