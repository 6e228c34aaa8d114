"""Shared fixtures: the project's folders, a temporary output folder, and an in-process CLI."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scraper.cli import main

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = PROJECT_ROOT / "fixtures"
SEEDS = FIXTURES / "seeds"


@dataclass(frozen=True)
class CliResult:
    """Exit code and captured streams of one in-process CLI run."""

    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `python -m scraper ARGS...` in this process and capture what it printed."""

    def run(*args: str | Path) -> CliResult:
        capsys.readouterr()
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def publish_then_change(
    folder: Path, out: Path, run: Callable[..., CliResult]
) -> tuple[Path, Path]:
    """Publish `fixtures/versions/base.md` from `folder` into `out`, then change the page to
    `section_renamed.md`, so the next build has new data to publish: (sources file, out)."""
    page = folder / "page.md"
    config = folder / "sources.toml"
    config.write_text(
        '[[source]]\nid = "ios"\nurl = "https://docs.example/ios/"\npath = "page.md"\n'
        'platform = "ios"\nproduct = "JMessage"\n',
        encoding="utf-8",
    )
    shutil.copyfile(FIXTURES / "versions" / "base.md", page)
    result = run("build", "--sources", config, "--out", out)
    assert result.exit_code == 0, result.stderr
    shutil.copyfile(FIXTURES / "versions" / "section_renamed.md", page)
    return config, out


@pytest.fixture
def changed_page(tmp_path: Path, run_cli: Callable[..., CliResult]) -> tuple[Path, Path]:
    """A published old version and a sources file whose page has changed since: (config, out)."""
    return publish_then_change(tmp_path, tmp_path / "output", run_cli)


@pytest.fixture
def tmp_output(tmp_path: Path) -> Path:
    """An output folder that does not exist yet."""
    return tmp_path / "output"


@pytest.fixture
def seed_copies(tmp_path: Path) -> Path:
    """A folder holding copies of both seed pages, free to edit."""
    folder = tmp_path / "pages"
    shutil.copytree(SEEDS, folder)
    return folder


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time (ns) in `folder`, for 'nothing changed' checks."""
    return {
        path.relative_to(folder).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != ".lock"
    }


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One real build of the two seed pages for the whole test session: read it, never write
    into it (a test that changes a dataset copies it first; the end of the session checks)."""
    from tests.datasets import build_seeds

    out = tmp_path_factory.mktemp("seed-build") / "output"
    build_seeds(out)
    before = snapshot(out)
    yield out
    assert snapshot(out) == before, "a test wrote into the shared seed build"
