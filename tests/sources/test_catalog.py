"""Sources files: every mistake is a configuration error that names the file and the entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.errors import ConfigError
from scraper.model import Source
from scraper.sources import catalog
from scraper.sources.catalog import BUILTIN_SOURCES, load_sources, select_sources
from tests.conftest import SEEDS, CliResult


def write_sources(folder: Path, text: str) -> Path:
    (folder / "copies").mkdir(exist_ok=True)
    (folder / "copies" / "ios.md").write_text("# page\n", encoding="utf-8")
    path = folder / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_sources_point_at_the_seed_copies_and_live_pages() -> None:
    enabled = {source.id: source for source in BUILTIN_SOURCES if source.enabled}
    assert enabled["ios"].path == SEEDS / "im_errorcode_ios.md"
    assert enabled["ios"].url == "https://docs.jiguang.cn/jmessage/client/im_errorcode_ios/"
    assert enabled["android"].path == SEEDS / "im_errorcode_android.md"
    assert enabled["android"].url == "https://docs.jiguang.cn/jmessage/client/im_errorcode_android/"
    assert (enabled["ios"].platform, enabled["android"].platform) == ("ios", "android")
    assert set(enabled) == {"ios", "android"}


def test_relative_paths_resolve_against_the_sources_file(tmp_path: Path) -> None:
    path = write_sources(
        tmp_path,
        '[[source]]\nid = "ios"\nurl = "https://x.example/ios/"\n'
        'path = "copies/ios.md"\nplatform = "ios"\n',
    )
    assert load_sources(path) == (
        Source("ios", "https://x.example/ios/", tmp_path / "copies" / "ios.md", "ios"),
    )


def test_absolute_paths_are_kept(tmp_path: Path) -> None:
    target = SEEDS / "im_errorcode_android.md"
    path = write_sources(
        tmp_path, f'[[source]]\nid = "a"\npath = "{target}"\nplatform = "android"\n'
    )
    assert load_sources(path)[0].path == target


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[source]]\nid = "ios"\npath = "copies/ios.md"\nplatform = "ios"\ncolour = "red"\n',
            "source #1: unknown key(s) colour; allowed keys are enabled, id, path, platform, url",
        ),
        ('[[source]]\npath = "copies/ios.md"\nplatform = "ios"\n', "source #1: missing id"),
        (
            '[[source]]\nid = "ios"\npath = "copies/ios.md"\nplatform = "ios"\n'
            '[[source]]\nid = "ios"\npath = "copies/ios.md"\nplatform = "ios"\n',
            "source #2: duplicate id 'ios'",
        ),
        (
            '[[source]]\nid = "ios"\npath = "copies/missing.md"\nplatform = "ios"\n',
            "source 'ios': file not found: ",
        ),
        ('[[source]]\nid = "ios"\npath = "copies/ios.md"\n', "source 'ios': missing platform"),
        (
            '[[source]]\nid = "ios"\npath = "copies/ios.md"\nplatform = "harmony"\n',
            "source 'ios': unknown platform 'harmony'; expected one of ios, android, web, windows,"
            " server",
        ),
        (
            '[[source]]\nid = "ios"\nplatform = "ios"\n',
            "source 'ios': needs a url, a path, or both",
        ),
        (
            '[[source]]\nid = "ios"\npath = 3\nplatform = "ios"\n',
            "source 'ios': path must be a string",
        ),
        ("[[source]\n", "not valid TOML"),
        ('title = "x"\n', "unknown top-level key(s) title; expected only [[source]] tables"),
        ("", "no [[source]] tables found"),
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
    assert [source.id for source in select_sources(BUILTIN_SOURCES, ["android"])] == ["android"]
    with pytest.raises(ConfigError, match="--only: unknown source id"):
        select_sources(BUILTIN_SOURCES, ["nope"])


def test_without_seed_pages_an_offline_build_of_them_says_what_to_use(
    run_cli: Callable[..., CliResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalog, "SEEDS", tmp_path / "not-installed")
    monkeypatch.setattr(
        catalog,
        "BUILTIN_SOURCES",
        tuple(
            replace(source, path=tmp_path / "not-installed" / source.path.name)
            for source in BUILTIN_SOURCES
            if source.path is not None
        ),
    )
    result = run_cli("build", "--out", tmp_path / "out")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: build: this installation has no seed pages (the local copies of ios, android "
        "come with a checkout of the project): build from the live pages with `build --remote`, "
        "or from local copies listed in a file with `build --sources FILE`\n"
    )
    assert not (tmp_path / "out").exists()


def test_with_seed_pages_or_other_sources_the_check_passes(tmp_path: Path) -> None:
    catalog.check_seed_pages(BUILTIN_SOURCES)  # a checkout has them
    elsewhere = (Source("ios", "", tmp_path / "ios.md", "ios"),)
    catalog.check_seed_pages(elsewhere)
