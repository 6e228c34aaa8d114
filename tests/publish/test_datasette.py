"""`metadata.json` for Datasette: its columns and queries fit the SQLite file, and a real
Datasette on 127.0.0.1 serves the canned queries (871302; 登录 and 登陆 -> 863004 and 871005)
and refuses empty and malformed input with no rows, and the facets of the page's filters."""

from __future__ import annotations

import importlib.util
import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scraper.model import FIELDS, SQLITE_NAME
from scraper.publish.datasette import DATABASE, LOOKUP_SQL, METADATA_NAME, SEARCH_SQL
from scraper.publish.page import FILTERS


@pytest.fixture(scope="module")
def built(seed_build: Path) -> Path:
    """The session's build of the seed pages (read only)."""
    return seed_build


@pytest.fixture(scope="module")
def metadata(built: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((built / METADATA_NAME).read_bytes())
    return document


def _query(built: Path, sql: str, **params: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(f"{(built / SQLITE_NAME).as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def _codes(built: Path, sql: str, **params: str) -> list[object]:
    """The `code` column of a query's rows, in the order the query gives them."""
    connection = sqlite3.connect(f"{(built / SQLITE_NAME).as_uri()}?mode=ro", uri=True)
    try:
        cursor = connection.execute(sql, params)
        column = [item[0] for item in cursor.description].index("code")
        return [row[column] for row in cursor.fetchall()]
    finally:
        connection.close()


def test_every_column_is_described_from_the_model(built: Path, metadata: dict[str, Any]) -> None:
    table = metadata["databases"][DATABASE]["tables"]["error_codes"]
    columns = [row[1] for row in _query(built, "PRAGMA table_info(error_codes)")]
    assert list(table["columns"]) == columns
    assert table["columns"] == {field.name: field.description for field in FIELDS}


def test_the_metadata_names_the_source_and_claims_no_license(metadata: dict[str, Any]) -> None:
    assert metadata["title"] == "JiGuang error codes"
    # The first source's page; the seed sources are in catalog order, Android first.
    assert metadata["source_url"] == (
        "https://docs.jiguang.cn/jmessage/client/im_errorcode_android/"
    )
    assert str(metadata["license"]).startswith("Not licensed by this project")
    assert "MIT" not in str(metadata["license"])


def test_the_canned_queries_find_codes_and_short_words(built: Path) -> None:
    assert _codes(built, LOOKUP_SQL, code="871302") == [871302]
    assert _codes(built, LOOKUP_SQL, code=" 871302 ") == [871302]
    assert set(_codes(built, LOOKUP_SQL, code="0")) == {0}
    found = set(_codes(built, SEARCH_SQL, text="登录"))
    assert {863004, 871005} <= found
    assert set(_codes(built, SEARCH_SQL, text="LOGIN")) >= {863004, 871005}


# Values that SQLite's cast would read as a code: '' and 'abc' as 0, '871302abc' as 871302.
NOT_CODES = ["", " ", "abc", "871302abc", "8713.02", "0x10"]


@pytest.mark.parametrize(
    "code", NOT_CODES, ids=["empty", "space", "letters", "trailing", "dot", "hex"]
)
def test_lookup_finds_nothing_for_what_is_not_a_code(built: Path, code: str) -> None:
    assert _query(built, LOOKUP_SQL, code=code) == []


@pytest.mark.parametrize("text", ["", "  "], ids=["empty", "spaces"])
def test_search_finds_nothing_for_an_empty_text(built: Path, text: str) -> None:
    assert _query(built, SEARCH_SQL, text=text) == []


def test_search_finds_the_declared_variant_spellings(built: Path) -> None:
    standard = _query(built, SEARCH_SQL, text="登录")
    assert standard
    assert _query(built, SEARCH_SQL, text="登陆") == standard  # the pages write 登录 only
    assert _query(built, SEARCH_SQL, text="登陆状态") == _query(built, SEARCH_SQL, text="登录状态")


def test_the_facets_are_the_pages_filters(metadata: dict[str, Any]) -> None:
    assert metadata["databases"][DATABASE]["tables"]["error_codes"]["facets"] == list(FILTERS)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def datasette(built: Path) -> Iterator[str]:
    """A Datasette serving the seed build with its metadata; its base url."""
    if importlib.util.find_spec("datasette") is None:
        pytest.skip("datasette is not installed (it is in the test extra)")
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            "-i",
            str(built / SQLITE_NAME),
            "-m",
            str(built / METADATA_NAME),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read().decode() if server.stdout else ""
                    pytest.fail(f"datasette did not start: {output}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout:
            server.stdout.close()


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.mark.slow
def test_a_real_datasette_serves_the_canned_queries(datasette: str) -> None:
    lookup = _get(f"{datasette}/{DATABASE}/lookup.json?code=871302&_shape=array")
    assert [(row["platform"], row["code"]) for row in lookup] == [("android", 871302)]
    text = urllib.parse.quote("登录")
    search = _get(f"{datasette}/{DATABASE}/search.json?text={text}&_shape=array")
    assert {863004, 871005} <= {row["code"] for row in search}
    served = _get(f"{datasette}/-/metadata.json")
    assert served["title"] == "JiGuang error codes"


@pytest.mark.slow
def test_a_real_datasette_answers_bad_input_with_no_rows(datasette: str) -> None:
    for code in NOT_CODES:
        quoted = urllib.parse.quote(code)
        assert _get(f"{datasette}/{DATABASE}/lookup.json?code={quoted}&_shape=array") == [], code
    assert _get(f"{datasette}/{DATABASE}/lookup.json?_shape=array") == []  # no box filled in
    assert _get(f"{datasette}/{DATABASE}/search.json?text=&_shape=array") == []
    assert _get(f"{datasette}/{DATABASE}/search.json?_shape=array") == []


@pytest.mark.slow
def test_a_real_datasette_searches_variants_and_shows_the_facets(datasette: str) -> None:
    text = urllib.parse.quote("登陆")
    search = _get(f"{datasette}/{DATABASE}/search.json?text={text}&_shape=array")
    assert {863004, 871005} <= {row["code"] for row in search}
    table = _get(f"{datasette}/{DATABASE}/error_codes.json?_extra=facet_results")
    facets = table["facet_results"]
    facets = facets.get("results", facets)  # Datasette 1.0 nests them under "results"
    assert set(facets) == set(FILTERS)
    assert {item["value"] for item in facets["sdk"]["results"]} == {"JMessage", "JMRTC"}
