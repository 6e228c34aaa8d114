"""The Python API: `scraper.load()` and `scraper.lookup()`, and a cheap `import scraper`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import scraper
from scraper.consume import api as api
from scraper.model import JSON_NAME, Record
from tests.conftest import PROJECT_ROOT
from tests.datasets import build_seeds, record, write_dataset

SHARED = [
    record("ios", "JMessage", 1001, "Not logged in", "用户未登录"),
    record("android", "JMessage", 1001, "not logged in.", "尚未登录"),
    record("ios", "JMRTC", 1001, "login required", "需要登录"),
    record("android", "JMessage", 1002, "Timeout", "网络超时"),
]


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "data", SHARED)


def test_load_returns_typed_records_of_a_real_build(tmp_path: Path) -> None:
    result = build_seeds(tmp_path / "output")
    loaded = scraper.load(tmp_path / "output")
    assert loaded == result.records
    assert all(isinstance(item, Record) for item in loaded)
    assert isinstance(loaded[0].code, int)


@pytest.mark.parametrize(
    "as_given",
    [lambda folder: folder, lambda folder: folder / JSON_NAME, lambda folder: str(folder)],
    ids=["folder", "file", "str"],
)
def test_load_takes_a_folder_a_file_or_a_string(
    shared: Path, as_given: Callable[[Path], str | Path]
) -> None:
    assert scraper.load(as_given(shared)) == sorted(SHARED, key=lambda item: item.order)


def test_load_defaults_to_the_project_dataset(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "DEFAULT_DATA_DIR", shared)
    monkeypatch.chdir(tmp_path)
    assert scraper.load() == sorted(SHARED, key=lambda item: item.order)


def test_load_without_a_dataset_says_to_pass_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api, "DEFAULT_DATA_DIR", tmp_path)
    with pytest.raises(scraper.DatasetError) as caught:
        scraper.load()
    assert str(caught.value) == (
        f"{tmp_path / JSON_NAME}: dataset file not found; build it with `python -m scraper "
        "build`, or pass load() the path of an errorcodes.json"
    )
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "dataset file not found"),
        (b"{", "not a dataset (invalid JSON: "),
        (b'{"schema_version": 3, "records": []}', "unknown schema_version 3; this tool reads"),
        (
            b'{"schema_version": 2, "records": [{"code": "1"}]}',
            "record 0 breaks the schema: missing field 'product'; missing field 'platform'",
        ),
        (
            b'{"schema_version": 1, "records": [{"code": "1"}]}',
            "record 0 breaks the schema: ",
        ),
    ],
    ids=["missing", "not-json", "other-schema-version", "bad-record", "bad-schema-1-record"],
)
def test_load_of_a_bad_file_raises_dataset_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / JSON_NAME
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(scraper.DatasetError) as caught:
        scraper.load(path)
    assert str(caught.value).startswith(f"{path}: {message}")


def test_load_reads_a_rebuilt_file_again(shared: Path) -> None:
    assert len(scraper.load(shared)) == 4
    write_dataset(shared, [*SHARED, record("web", "JMessage", 7, "x", "y")])
    assert len(scraper.load(shared)) == 5


def test_load_returns_a_fresh_list_each_time(shared: Path) -> None:
    first = scraper.load(shared)
    first.clear()
    assert len(scraper.load(shared)) == 4


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((1001,), [("android", "JMessage"), ("ios", "JMRTC"), ("ios", "JMessage")]),
        ((1001, "ios"), [("ios", "JMRTC"), ("ios", "JMessage")]),
        ((1001, "IOS", "jmessage"), [("ios", "JMessage")]),
        ((1001, None, "JMRTC"), [("ios", "JMRTC")]),
        ((1001, "web"), []),
        ((9999,), []),
    ],
    ids=["every-platform", "platform", "any-case", "sdk-only", "other-platform", "unknown"],
)
def test_lookup(
    shared: Path, args: tuple[int, str | None, str | None], expected: list[tuple[str, str]]
) -> None:
    found = scraper.lookup(*args, path=shared)
    assert [(item.platform, item.sdk) for item in found] == expected
    assert all(item.code == args[0] for item in found)


@pytest.mark.parametrize(
    "code", [1001, "1001", " 1001 ", "１００１"], ids=["int", "str", "spaced", "full-width"]
)
def test_lookup_takes_a_code_as_int_or_text(shared: Path, code: int | str) -> None:
    found = scraper.lookup(code, path=shared)
    assert [item.code for item in found] == [1001] * 3


@pytest.mark.parametrize("code", [1001.0, True], ids=["float", "bool"])
def test_lookup_takes_no_other_type(shared: Path, code: object) -> None:
    with pytest.raises(TypeError, match=r"^lookup\(\) takes an int or str code, not "):
        scraper.lookup(code, path=shared)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["abc", "", "1001abc"], ids=["word", "empty", "trailing"])
def test_lookup_of_a_text_that_is_no_code_is_a_value_error(shared: Path, code: str) -> None:
    with pytest.raises(
        ValueError, match=rf"^lookup\(\) takes an error code such as 871302, not {code!r}$"
    ):
        scraper.lookup(code, path=shared)


def test_dir_lists_only_the_public_api() -> None:
    assert dir(scraper) == sorted(scraper.__all__)


def _run_python(code: str) -> str:
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
        env=environment,
    ).stdout


def test_import_scraper_is_cheap() -> None:
    loaded = _run_python(
        "import sys, scraper; "
        "print(sorted(m for m in ('bs4', 'lxml', 'httpx', 'markdown', 'sqlite3') "
        "if m in sys.modules))"
    )
    assert loaded.strip() == "[]"


def test_lookup_stays_a_function_after_the_command_line_is_imported() -> None:
    # A submodule named `lookup` would replace the function as soon as it was imported.
    output = _run_python(
        "import scraper.cli, scraper.consume.lookup, scraper; print(callable(scraper.lookup))"
    )
    assert output.strip() == "True"


def test_public_names() -> None:
    assert sorted(scraper.__all__) == [
        "DatasetError",
        "Record",
        "ScraperError",
        "__version__",
        "load",
        "lookup",
    ]
    for name in scraper.__all__:
        assert getattr(scraper, name) is not None
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        _ = scraper.nothing  # type: ignore[attr-defined]


def test_the_package_is_marked_typed() -> None:
    assert (PROJECT_ROOT / "scraper" / "py.typed").is_file()
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'scraper = ["py.typed"]' in pyproject


def test_records_convert_back_to_the_json_fields(shared: Path) -> None:
    document = json.loads((shared / JSON_NAME).read_bytes())
    assert [item.as_dict() for item in scraper.load(shared)] == document["records"]
