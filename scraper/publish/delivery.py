"""The files that put the dataset where its users are, published with the exports.

`index.html` (the lookup page), `metadata.json` (for Datasette) and the app resources under
`app/`. Like the exports they are pure functions of the records, the sources and the time the
data last changed, so a build with the same input writes the same bytes, and an unchanged
build writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from scraper.model import JSON_NAME, Record
from scraper.publish.app import app_files
from scraper.publish.contract import dataset_version
from scraper.publish.datasette import METADATA_NAME, render_metadata
from scraper.publish.page import PAGE_NAME, page_sources, render_page


def delivery_files(
    records: Sequence[Record],
    sources: Iterable[Mapping[str, object]],
    files: Mapping[str, bytes],
    *,
    updated: datetime | None,
) -> dict[str, bytes]:
    """The page, the Datasette metadata and the app resources, by path in the output folder.

    `sources` are the manifest's source entries; `files` holds the JSON export, whose digest
    gives the dataset's version.
    """
    version = dataset_version(files[JSON_NAME])
    pages = page_sources(sources)
    return {
        PAGE_NAME: render_page(records, pages, version=version, updated=updated),
        METADATA_NAME: render_metadata(pages, version),
        **app_files(records, version),
    }
