"""`--version` and the program's name in usage lines; where a reader finds the dataset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper import __version__
from scraper.cli import build_parser, invoked_as
from scraper.consume import location
from scraper.consume import lookup as search
from scraper.consume.version import describe_dataset
from scraper.model import DATAPACKAGE_NAME
from tests.conftest import PROJECT_ROOT
from tests.datasets import build_seeds


@pytest.mark.parametrize(
    ("argv0", "name"),
    [
        ("/usr/local/bin/jmessage-errorcodes", "jmessage-errorcodes"),
        ("/home/me/.venv/bin/my-alias", "my-alias"),
        ("/site-packages/scraper/__main__.py", "python -m scraper"),
        ("", "python -m scraper"),
    ],
    ids=["console-script", "other-name", "module", "none"],
)
def test_usage_names_the_program_as_invoked(argv0: str, name: str) -> None:
    assert invoked_as(argv0) == name
    assert build_parser(invoked_as(argv0)).format_usage().startswith(f"usage: {name} ")


def test_version_prints_both_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "output"
    build_seeds(out)
    monkeypatch.setattr(search, "DEFAULT_DATA_DIR", out)
    package = json.loads((out / DATAPACKAGE_NAME).read_bytes())
    with pytest.raises(SystemExit):
        build_parser("jmessage-errorcodes").parse_args(["--version"])
    assert capsys.readouterr().out == (
        f"jmessage-errorcodes {__version__}\n"
        f"dataset {package['version']} of {package['created'][:10]} ({out})\n"
    )


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (None, "no dataset in {folder}"),
        (b"{not json", "{path}: cannot read the dataset's version"),
        (b'{"name": "x"}', "{path}: no dataset version"),
        (b'{"version": "1.0.0+abc"}', "dataset 1.0.0+abc of an unknown date ({folder})"),
        (
            b'{"version": "1.0.0+abc", "created": "2025-03-01T12:00:00Z"}',
            "dataset 1.0.0+abc of 2025-03-01 ({folder})",
        ),
    ],
    ids=["missing", "not-json", "no-version", "no-date", "dated"],
)
def test_describe_dataset(tmp_path: Path, content: bytes | None, line: str) -> None:
    if content is not None:
        (tmp_path / DATAPACKAGE_NAME).write_bytes(content)
    expected = line.format(folder=tmp_path, path=tmp_path / DATAPACKAGE_NAME)
    assert describe_dataset(tmp_path).startswith(expected)


def test_a_checkout_reads_its_own_output() -> None:
    assert location.default_data_dir() == PROJECT_ROOT / "output"


def test_an_installation_reads_the_packaged_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site-packages"
    monkeypatch.setattr(location, "_PACKAGE_ROOT", site)
    monkeypatch.setattr(location, "CHECKOUT_DATA_DIR", site / "output")
    monkeypatch.setattr(location, "PACKAGED_DATA_DIR", site / "scraper" / "consume" / "data")
    assert location.default_data_dir() == site / "output"  # nothing packaged: named when missing
    (site / "scraper" / "consume" / "data").mkdir(parents=True)
    assert location.default_data_dir() == site / "scraper" / "consume" / "data"
    (site / "pyproject.toml").write_text("")
    assert location.default_data_dir() == site / "output"  # a checkout prefers its output/
