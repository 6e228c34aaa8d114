"""Sources files: every mistake is a configuration error that names the file and the entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.errors import ConfigError
from scraper.model import PRODUCTS, Source
from scraper.sources import catalog
from scraper.sources.catalog import (
    BUILTIN_SOURCES,
    OPTIONAL_SOURCES,
    SEED_SOURCES,
    load_sources,
    select_sources,
)
from tests.conftest import SEEDS, CliResult


def write_sources(folder: Path, text: str) -> Path:
    (folder / "copies").mkdir(exist_ok=True)
    (folder / "copies" / "ios.md").write_text("# page\n", encoding="utf-8")
    path = folder / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_sources_point_at_the_seed_copies_and_live_pages() -> None:
    seeds = {source.id: source for source in SEED_SOURCES}
    ios, android = seeds["jmessage-ios"], seeds["jmessage-android"]
    assert ios.path == SEEDS / "im_errorcode_ios.md"
    assert ios.url == "https://docs.jiguang.cn/jmessage/client/im_errorcode_ios/"
    assert android.path == SEEDS / "im_errorcode_android.md"
    assert android.url == "https://docs.jiguang.cn/jmessage/client/im_errorcode_android/"
    assert (ios.platform, android.platform) == ("ios", "android")
    assert (ios.product, android.product) == ("JMessage", "JMessage")
    assert set(seeds) == {"jmessage-ios", "jmessage-android"}
    assert all(source.enabled for source in SEED_SOURCES)
    assert set(SEED_SOURCES) <= set(BUILTIN_SOURCES)


def test_the_catalog_enables_the_chinese_pages_and_holds_the_english_ones_off() -> None:
    assert all(source.enabled for source in BUILTIN_SOURCES)
    assert not any(source.enabled for source in OPTIONAL_SOURCES)
    ids = [source.id for source in BUILTIN_SOURCES + OPTIONAL_SOURCES]
    assert len(ids) == len(set(ids))
    assert all(source.id.endswith("-en") for source in OPTIONAL_SOURCES)
    assert not any(source.id.endswith("-en") for source in BUILTIN_SOURCES)
    assert all(source.product in PRODUCTS for source in BUILTIN_SOURCES + OPTIONAL_SOURCES)
    assert all(
        source.path is not None and source.path.is_file()
        for source in BUILTIN_SOURCES + OPTIONAL_SOURCES
    )


def test_relative_paths_resolve_against_the_sources_file(tmp_path: Path) -> None:
    path = write_sources(
        tmp_path,
        '[[source]]\nid = "ios"\nproduct = "JPush"\nurl = "https://x.example/ios/"\n'
        'path = "copies/ios.md"\nplatform = "ios"\n',
    )
    assert load_sources(path) == (
        Source(
            "ios", "https://x.example/ios/", tmp_path / "copies" / "ios.md", "ios", product="JPush"
        ),
    )


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    target = SEEDS / "im_errorcode_android.md"
    path = write_sources(
        tmp_path,
        f'[[source]]\nid = "a"\nproduct = "JMessage"\npath = "{target}"\nplatform = "android"\n',
    )
    assert load_sources(path)[0].path == target


# The start of an entry that most cases below complete.
IOS_ENTRY = '[[source]]\nid = "ios"\nproduct = "JMessage"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            IOS_ENTRY + 'path = "copies/ios.md"\nplatform = "ios"\ncolour = "red"\n',
            "source #1: unknown key(s) colour; allowed keys are columns, enabled, id, note, path, "
            "platform, product, url",
        ),
        (
            '[[source]]\nproduct = "JMessage"\npath = "copies/ios.md"\nplatform = "ios"\n',
            "source #1: missing id",
        ),
        (
            (IOS_ENTRY + 'path = "copies/ios.md"\nplatform = "ios"\n') * 2,
            "source #2: duplicate id 'ios'",
        ),
        (
            IOS_ENTRY + 'path = "copies/missing.md"\nplatform = "ios"\n',
            "source 'ios': file not found: ",
        ),
        (
            IOS_ENTRY + 'path = "copies/ios.md"\n',
            "source 'ios': missing platform",
        ),
        (
            IOS_ENTRY + 'path = "copies/ios.md"\nplatform = "harmony"\n',
            "source 'ios': unknown platform 'harmony'; expected one of ios, android, web, windows,"
            " server, quickapp, device, client",
        ),
        (
            IOS_ENTRY + 'platform = "ios"\n',
            "source 'ios': needs a url, a path, or both",
        ),
        (
            IOS_ENTRY + 'path = 3\nplatform = "ios"\n',
            "source 'ios': path must be a string",
        ),
        ("[[source]\n", "not valid TOML"),
        ('title = "x"\n', "unknown top-level key(s) title; expected only [[source]] tables"),
        ("", "no [[source]] tables found"),
        (
            '[[source]]\nid = "ios"\npath = "copies/ios.md"\nplatform = "ios"\n',
            "source 'ios': missing product: the product the page documents, one of JMessage, "
            "JPush, JSMS, JShare, JVerification, JAnalytics, JIoT, or another vendor's product "
            'name (product = "JPush")',
        ),
        (
            IOS_ENTRY + 'path = "copies/ios.md"\nplatform = "ios"\ncolumns = { colour = "Code" }\n',
            "source 'ios': columns: unknown role(s) colour; the roles are code, name, message, "
            "description, detail, advice, http_status",
        ),
        (
            IOS_ENTRY + 'path = "copies/ios.md"\n'
            'platform = "ios"\ncolumns = { code = "Code", name = "code" }\n',
            "source 'ios': columns: two roles name the same header",
        ),
    ],
    ids=[
        "unknown-key",
        "missing-id",
        "duplicate-id",
        "missing-file",
        "missing-platform",
        "unknown-platform",
        "no-url-or-path",
        "wrong-type",
        "bad-toml",
        "unknown-top-level",
        "empty",
        "missing-product",
        "unknown-column-role",
        "one-header-two-roles",
    ],
)
def test_configuration_errors_name_the_file_and_entry(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write_sources(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert caught.value.exit_code == 2


def test_missing_sources_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sources file not found"):
        load_sources(tmp_path / "nope.toml")


def test_select_sources_by_id_and_rejects_unknown_ids() -> None:
    selected = select_sources(BUILTIN_SOURCES, ["jmessage-android"])
    assert [source.id for source in selected] == ["jmessage-android"]
    with pytest.raises(ConfigError, match="--only: unknown source id"):
        select_sources(BUILTIN_SOURCES, ["nope"])


def test_without_seed_pages_an_offline_build_of_them_says_what_to_use(
    run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "not-installed"
    monkeypatch.setattr(catalog, "FIXTURES", missing)
    monkeypatch.setattr(
        catalog,
        "BUILTIN_SOURCES",
        tuple(
            replace(source, path=missing / "seeds" / source.path.name)
            for source in SEED_SOURCES
            if source.path is not None
        ),
    )
    monkeypatch.setattr(catalog, "OPTIONAL_SOURCES", ())
    result = run_cli("build", "--out", tmp_path / "out")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: build: this installation has no local copies of the built-in pages (those of "
        "jmessage-android, jmessage-ios come with a checkout of the project): build from the "
        "live pages with `build --remote`, or from local copies listed in a file with "
        "`build --sources FILE`\n"
    )
    assert not (tmp_path / "out").exists()


def test_with_seed_pages_or_other_sources_the_check_passes(tmp_path: Path) -> None:
    catalog.check_seed_pages(BUILTIN_SOURCES)  # a checkout has them
    elsewhere = (Source("ios", "", tmp_path / "ios.md", "ios"),)
    catalog.check_seed_pages(elsewhere)
