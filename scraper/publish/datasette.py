"""`metadata.json` for Datasette: `datasette errorcodes.sqlite -m metadata.json`.

Title, description, the data's terms and sources, a description of every column (from the
model's fields) and two canned queries: look a code up, and search any substring of the
messages and descriptions. The table's own search box uses the trigram full-text index, which
cannot match fewer than three characters; the `search` query compares substrings with
`instr()`, so two-character Chinese words such as 登录 are found too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from scraper.about import PROJECT_URL
from scraper.model import FIELDS, SQLITE_NAME
from scraper.publish.contract import DATA_TERMS
from scraper.publish.formats import dump_json
from scraper.publish.page import PageSource

METADATA_NAME = "metadata.json"
DATABASE = SQLITE_NAME.removesuffix(".sqlite")  # Datasette names a database after its file
LOOKUP_SQL = (
    "select platform, sdk, code, message, description, section, url from error_codes\n"
    "where code = cast(:code as integer)\n"
    "order by platform, sdk"
)
SEARCH_SQL = (
    "select platform, sdk, code, message, description, section, url from error_codes\n"
    "where instr(lower(message), lower(:text)) > 0\n"
    "   or instr(lower(description), lower(:text)) > 0\n"
    "order by code, platform, sdk"
)


def render_metadata(sources: Iterable[PageSource], version: str) -> bytes:
    return dump_json(metadata(sources, version))


def metadata(sources: Iterable[PageSource], version: str) -> dict[str, object]:
    pages = list(sources)
    listed = "; ".join(f"{source.id}: {source.url}" for source in pages)
    first_url = next((source.url for source in pages if source.url), PROJECT_URL)
    return {
        "title": "JMessage SDK error codes",
        "description": (
            f"Error codes of the JMessage (JiGuang IM) SDKs, dataset version {version}, one "
            f"row per platform, sdk and code, from these documentation pages: {listed}. The "
            "search box of error_codes needs three characters or more; for shorter words "
            "(登录) use the search query."
        ),
        "license": str(DATA_TERMS["title"]),
        "license_url": str(DATA_TERMS["path"]),
        "source": "JiGuang JMessage documentation",
        "source_url": first_url,
        "about": "jmessage-errorcodes",
        "about_url": PROJECT_URL,
        "databases": {
            DATABASE: {
                "tables": {
                    "error_codes": {
                        "description": "One error code as one documentation page states it.",
                        "columns": {field.name: field.description for field in FIELDS},
                        "sort": "code",
                        "fts_table": "error_codes_fts",
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
            "description": "Every entry with this code, on every platform and sdk.",
            "sql": LOOKUP_SQL,
        },
        "search": {
            "title": "Search messages and descriptions",
            "description": (
                "Entries whose message or description contains this text, of any length "
                "(登录, login); letter case does not matter."
            ),
            "sql": SEARCH_SQL,
        },
    }
