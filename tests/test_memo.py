"""A refresh whose pages are those of the last build parses nothing and writes nothing."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import NoReturn

import pytest
from pytest_httpx import HTTPXMock

from scraper import memo
from scraper.sources.catalog import SEED_SOURCES
from scraper.sources.local import Page
from tests.conftest import FIXTURES, SEEDS, CliResult, snapshot
from tests.datasets import seed_sources_file

# The refreshes read the two seed sources (a sources file of their catalog entries).
IOS, ANDROID = (
    next(s for s in SEED_SOURCES if s.id == f"jmessage-{p}") for p in ("ios", "android")
)
IOS_HTML = (FIXTURES / "http" / "im_errorcode_ios.html").read_bytes()
ANDROID_MD = (SEEDS / "im_errorcode_android.md").read_bytes()
ETAGS = {IOS.url: '"ios-1"', ANDROID.url: '"android-1"'}
TYPES = {IOS.url: "text/html; charset=utf-8", ANDROID.url: "text/markdown; charset=utf-8"}
BODIES = {IOS.url: IOS_HTML, ANDROID.url: ANDROID_MD}
UNCHANGED = "inputs unchanged since the last build: nothing parsed"

Run = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scraper.sources.http.fetcher.pause", lambda seconds: None)


def serve(httpx_mock: HTTPXMock, *, not_modified: bool) -> None:
    for url in (IOS.url, ANDROID.url):
        if not_modified:
            httpx_mock.add_response(url=url, status_code=304, headers={"ETag": ETAGS[url]})
        else:
            headers = {"ETag": ETAGS[url], "Content-Type": TYPES[url]}
            httpx_mock.add_response(url=url, content=BODIES[url], headers=headers)


def refresh(run_cli: Run, out: Path, cache: Path) -> CliResult:
    config = seed_sources_file(out.parent)
    return run_cli("build", "--remote", "--sources", config, "--out", out, "--cache", cache)


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse_page(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("parsed although the inputs were unchanged")

    monkeypatch.setattr("scraper.build.parse_page", parse_page)


def test_all_304_refresh_parses_nothing_and_writes_nothing(
    run_cli: Run,
    tmp_output: Path,
    tmp_path: Path,
    httpx_mock: HTTPXMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "cache"
    serve(httpx_mock, not_modified=False)
    assert refresh(run_cli, tmp_output, cache).exit_code == 0
    before = snapshot(tmp_output)
    forbid_parsing(monkeypatch)
    serve(httpx_mock, not_modified=True)
    result = refresh(run_cli, tmp_output, cache)
    assert result.exit_code == 0, result.stderr
    assert UNCHANGED in result.stderr
    assert "refresh: 2 source(s): 0 fetched, 2 not modified, 0 retried, 0 failed" in result.stderr
    assert (
        "73 records (android/JMessage: 32, ios/JMRTC: 8, ios/JMessage: 33), as the last build"
        in (result.stderr)
    )
    assert f"no change: nothing written to {tmp_output}" in result.stderr
    assert snapshot(tmp_output) == before


def test_an_edited_export_makes_the_next_refresh_rebuild(
    run_cli: Run, tmp_output: Path, tmp_path: Path, httpx_mock: HTTPXMock
) -> None:
    cache = tmp_path / "cache"
    serve(httpx_mock, not_modified=False)
    assert refresh(run_cli, tmp_output, cache).exit_code == 0
    good = (tmp_output / "errorcodes.csv").read_bytes()
    (tmp_output / "errorcodes.csv").write_bytes(b"tampered\r\n")
    serve(httpx_mock, not_modified=True)
    result = refresh(run_cli, tmp_output, cache)
    assert result.exit_code == 0, result.stderr
    assert UNCHANGED not in result.stderr
    assert (tmp_output / "errorcodes.csv").read_bytes() == good


def test_the_memo_of_one_output_folder_does_not_apply_to_another(
    run_cli: Run, tmp_path: Path, httpx_mock: HTTPXMock
) -> None:
    cache = tmp_path / "cache"
    serve(httpx_mock, not_modified=False)
    assert refresh(run_cli, tmp_path / "one", cache).exit_code == 0
    serve(httpx_mock, not_modified=True)
    result = refresh(run_cli, tmp_path / "two", cache)
    assert result.exit_code == 0, result.stderr
    assert UNCHANGED not in result.stderr
    assert (tmp_path / "two" / "errorcodes.json").read_bytes() == (
        tmp_path / "one" / "errorcodes.json"
    ).read_bytes()


@pytest.mark.parametrize(
    "damage", [b"", b"{not json", b'{"inputs": 1}'], ids=["empty", "bad-json", "bad-shape"]
)
def test_a_damaged_memo_means_a_full_build(
    run_cli: Run, tmp_output: Path, tmp_path: Path, httpx_mock: HTTPXMock, damage: bytes
) -> None:
    cache = tmp_path / "cache"
    serve(httpx_mock, not_modified=False)
    assert refresh(run_cli, tmp_output, cache).exit_code == 0
    [memo_file] = (cache / memo.MEMO_FOLDER).iterdir()
    memo_file.write_bytes(damage)
    before = snapshot(tmp_output)
    serve(httpx_mock, not_modified=True)
    result = refresh(run_cli, tmp_output, cache)
    assert result.exit_code == 0, result.stderr
    assert UNCHANGED not in result.stderr
    assert snapshot(tmp_output) == before  # parsed again, found no change, wrote nothing
    assert b'"inputs"' in memo_file.read_bytes()  # and remembered the inputs again


def page(data: bytes) -> Page:
    return Page(IOS, IOS.url, data, "html")


@pytest.fixture
def remembered(tmp_path: Path) -> tuple[memo.BuildMemo, Path]:
    out = tmp_path / "out"
    out.mkdir()
    (out / "errorcodes.json").write_bytes(b"{}")
    (out / "manifest.json").write_bytes(b'{"exports": {"errorcodes.json": {}}}')
    (out / ".lock").write_bytes(b"")
    built = memo.memo_for(tmp_path / "cache", out, [page(b"<table>")], strict=False)
    memo.remember(built, out)
    return built, out


def test_same_inputs_and_untouched_outputs_are_current(
    remembered: tuple[memo.BuildMemo, Path],
) -> None:
    built, out = remembered
    assert memo.is_current(built, out)
    (out / ".lock").write_bytes(b"the lock file does not count")
    assert memo.is_current(built, out)


@pytest.mark.parametrize(
    "change",
    ["page", "strict", "code", "new-output-file", "removed-output-file"],
)
def test_any_change_of_inputs_or_outputs_is_not_current(
    remembered: tuple[memo.BuildMemo, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    built, out = remembered
    cache = tmp_path / "cache"
    candidate = built
    if change == "page":
        candidate = memo.memo_for(cache, out, [page(b"<table> ")], strict=False)
    elif change == "strict":
        candidate = memo.memo_for(cache, out, [page(b"<table>")], strict=True)
    elif change == "code":
        monkeypatch.setattr(memo, "_code_digest", lambda: "another version of the parser")
        candidate = memo.memo_for(cache, out, [page(b"<table>")], strict=False)
    elif change == "new-output-file":
        (out / "diff.json").write_bytes(b"{}")
    else:
        (out / "errorcodes.json").unlink()
    assert candidate.path == built.path
    assert not memo.is_current(candidate, out)


def test_files_the_build_did_not_write_do_not_count(
    remembered: tuple[memo.BuildMemo, Path],
) -> None:
    built, out = remembered
    (out / "notes.txt").write_bytes(b"someone's notes")
    (out / "docs").mkdir()
    (out / "docs" / "draft.md").write_bytes(b"a draft")
    (out / ".tmp-errorcodes.json.abcdefgh").write_bytes(b"a killed build's temporary")
    assert memo.is_current(built, out)
    document = json.loads(built.path.read_bytes())
    assert sorted(document["outputs"]) == [
        "CHANGELOG.md",
        "diff.json",
        "errorcodes.json",
        "manifest.json",
    ]


def test_a_name_the_manifest_lists_outside_the_folder_is_not_hashed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "secret").write_bytes(b"outside")
    (out / "manifest.json").write_bytes(b'{"exports": {"../secret": {}, "/etc/hostname": {}}}')
    built = memo.memo_for(tmp_path / "cache", out, [page(b"<table>")], strict=False)
    memo.remember(built, out)
    outputs = json.loads(built.path.read_bytes())["outputs"]
    assert outputs["../secret"] == outputs["/etc/hostname"] == "absent or unreadable"


def test_an_output_folder_whose_name_is_not_utf8_has_a_memo(tmp_path: Path) -> None:
    out = Path(os.fsdecode(os.fsencode(tmp_path) + b"/out\xff"))
    out.mkdir()
    built = memo.memo_for(tmp_path / "cache", out, [page(b"<table>")], strict=False)
    assert built.path.parent == tmp_path / "cache" / "builds"


def _package(folder: Path) -> Path:
    (folder / "parse").mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "parse" / "tables.py").write_text("CELLS = 1\n")
    return folder


VERSIONS = {"beautifulsoup4": "4.13.4", "lxml": "6.0.0", "markdown": "3.8"}


def test_the_fingerprint_changes_with_a_module_in_a_sub_package(tmp_path: Path) -> None:
    package = _package(tmp_path / "scraper")
    before = memo.fingerprint(package, VERSIONS, "3.11.7")
    assert memo.fingerprint(package, VERSIONS, "3.11.7") == before
    (package / "parse" / "tables.py").write_text("CELLS = 2\n")
    assert memo.fingerprint(package, VERSIONS, "3.11.7") != before


@pytest.mark.parametrize(
    ("versions", "python"),
    [
        ({**VERSIONS, "lxml": "6.0.1"}, "3.11.7"),
        ({**VERSIONS, "beautifulsoup4": "4.14.0"}, "3.11.7"),
        ({**VERSIONS, "markdown": "absent"}, "3.11.7"),
        (VERSIONS, "3.12.1"),
    ],
    ids=["lxml", "beautifulsoup4", "markdown", "python"],
)
def test_the_fingerprint_changes_with_a_library_or_python_upgrade(
    tmp_path: Path, versions: dict[str, str], python: str
) -> None:
    package = _package(tmp_path / "scraper")
    assert memo.fingerprint(package, versions, python) != memo.fingerprint(
        package, VERSIONS, "3.11.7"
    )


def test_the_running_code_is_fingerprinted_with_the_installed_output_libraries() -> None:
    assert {"lxml", "beautifulsoup4", "markdown"} <= set(memo._OUTPUT_LIBRARIES)
    versions = {name: metadata.version(name) for name in memo._OUTPUT_LIBRARIES}
    package = Path(memo.__file__).resolve().parent
    assert memo._code_digest() == memo.fingerprint(package, versions, sys.version)
