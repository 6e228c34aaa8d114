"""The exit-code contract: an unexpected exception is exit 70, never 1, and changes nothing.

The scheduled refresh commits `output/` when the build exits 1, so a crash must never look
like "the data changed". Each stage of a build gets an exception it does not expect; every
time the exit is 70, stderr is one line naming the exception and asking for a report, no
traceback is printed unless asked for, and the output folder is exactly as it was.
"""

from __future__ import annotations

import importlib
import pkgutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import scraper
from scraper import errors
from scraper.cli import internal_error
from scraper.errors import (
    DIFFERENT,
    EXIT_CODES,
    INTERNAL_ERROR,
    SUCCESS,
    ScraperError,
)
from tests.conftest import PROJECT_ROOT, CliResult, snapshot

Run = Callable[..., CliResult]
REPORT = (
    "; please report it at https://github.com/jmessage-errorcodes/jmessage-errorcodes/issues "
    "with the command that failed (for the traceback, run again with --debug or "
    "JMESSAGE_ERRORCODES_DEBUG=1)"
)


class Boom(Exception):
    """What no stage expects."""


def _raise(*_args: object, **_kwargs: object) -> None:
    raise Boom("injected")


def _raise_on_call(number: int, original: Callable[..., object]) -> Callable[..., object]:
    calls = [0]

    def maybe(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        if calls[0] == number:
            raise Boom("injected")
        return original(*args, **kwargs)

    return maybe


STAGES = [
    "scraper.build.read_local",
    "scraper.build.parse_page",
    "scraper.build.merge",
    "scraper.publish.release.compare",
    "scraper.publish.release.contract_files",
    "scraper.publish.release.change_notes",
    "scraper.publish.release.write_sqlite",
    "scraper.publish.release.write_history",
    "scraper.publish.release.render_manifest",
]


@pytest.mark.parametrize("target", STAGES, ids=[name.rsplit(".", 1)[1] for name in STAGES])
def test_an_unexpected_exception_in_a_stage_is_exit_70_and_changes_nothing(
    run_cli: Run, changed_page: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    config, out = changed_page
    before = snapshot(out)
    monkeypatch.setattr(target, _raise)
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 70
    assert result.stderr.splitlines()[-1] == (
        "internal error (a bug in the tool): Boom: injected" + REPORT
    )
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before


@pytest.mark.parametrize("step", range(1, 7), ids=lambda step: f"rename-{step}")
def test_an_unexpected_exception_at_any_rename_of_the_publish_puts_everything_back(
    run_cli: Run, changed_page: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, step: int
) -> None:
    config, out = changed_page
    before = snapshot(out)
    monkeypatch.setattr(Path, "replace", _raise_on_call(step, Path.replace))
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 70, result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before, "the folder must be as it was"
    assert not list(out.glob(".tmp-*"))


def test_an_unexpected_exception_in_a_fetch_is_exit_70(
    run_cli: Run, tmp_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scraper.sources.http.Fetcher.fetch", _raise)
    result = run_cli("build", "--remote", "--no-cache", "--out", tmp_output, "--exit-code")
    assert result.exit_code == 70
    assert result.stderr.splitlines()[-1] == (
        "internal error (a bug in the tool): Boom: injected" + REPORT
    )
    assert not tmp_output.exists()


def test_the_traceback_is_printed_only_when_asked_for(
    run_cli: Run,
    changed_page: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, out = changed_page
    monkeypatch.setattr("scraper.build.parse_page", _raise)
    result = run_cli("--debug", "build", "--sources", config, "--out", out)
    assert result.exit_code == 70
    assert "Traceback (most recent call last)" in result.stderr
    monkeypatch.setenv("JMESSAGE_ERRORCODES_DEBUG", "1")
    result = run_cli("build", "--sources", config, "--out", out)
    assert result.exit_code == 70
    assert "Traceback (most recent call last)" in result.stderr
    monkeypatch.setenv("JMESSAGE_ERRORCODES_DEBUG", "0")
    assert "Traceback" not in run_cli("build", "--sources", config, "--out", out).stderr


def test_the_internal_error_line_is_one_line_and_bounded() -> None:
    line = internal_error(ValueError("two\nlines\x1b[31m" + "x" * 1000))
    assert "\n" not in line
    assert line.startswith("internal error (a bug in the tool): ValueError: two lines\x1b[31mxx")
    assert len(line) < 600


def test_keyboard_interrupt_is_exit_130(
    run_cli: Run, changed_page: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    config, out = changed_page
    before = snapshot(out)

    def interrupt(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("scraper.publish.release.render_manifest", interrupt)
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == "interrupted: stopped, nothing was written"
    assert snapshot(out) == before


# Runs the command line, sending itself SIGTERM while the publish is half-way (the 3rd rename).
TERMINATE_DURING_PUBLISH = """
import os, pathlib, signal, sys
from scraper.cli import main
calls, replace = [0], pathlib.Path.replace
def terminating_replace(self, destination):
    calls[0] += 1
    if calls[0] == 3:
        os.kill(os.getpid(), signal.SIGTERM)
    return replace(self, destination)
pathlib.Path.replace = terminating_replace
sys.exit(main(sys.argv[1:]))
"""


def test_sigterm_during_the_publish_is_exit_143_and_the_folder_is_as_it_was(
    changed_page: tuple[Path, Path],
) -> None:
    config, out = changed_page
    before = {name: data for name, (data, _) in snapshot(out).items()}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            TERMINATE_DURING_PUBLISH,
            "build",
            "--sources",
            str(config),
            "--out",
            str(out),
            "--exit-code",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 143, done.stderr
    assert done.returncode != -signal.SIGTERM
    assert done.stderr.splitlines()[-1] == "terminated: stopped, nothing was written"
    assert {name: data for name, (data, _) in snapshot(out).items()} == before
    assert not list(out.glob(".tmp-*"))


def _every_error_class() -> list[type[ScraperError]]:
    """Every ScraperError subclass anywhere in the package, once every module is imported."""
    for module in pkgutil.walk_packages(scraper.__path__, "scraper."):
        if module.name not in {"scraper.__main__"}:
            importlib.import_module(module.name)
    found: list[type[ScraperError]] = []
    stack: list[type[ScraperError]] = [ScraperError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


ERROR_CLASSES = _every_error_class()


def test_the_tree_covers_every_error_class_of_the_package() -> None:
    declared = {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, ScraperError)
    }
    assert set(ERROR_CLASSES) == declared
    assert set(errors.error_classes()) == declared
    assert len(declared) == 12


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_no_error_class_exits_1_and_every_code_is_declared(cls: type[ScraperError]) -> None:
    assert cls.exit_code != DIFFERENT
    assert cls.exit_code in EXIT_CODES
    assert cls.exit_code not in {SUCCESS, INTERNAL_ERROR}


def test_the_base_class_is_a_failure_that_changed_nothing() -> None:
    assert ScraperError.exit_code == 3


def test_a_bare_scraper_error_exits_3_with_its_message(
    run_cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise ScraperError("something expected went wrong")

    monkeypatch.setattr("scraper.consume.lookup.find", fail)
    result = run_cli("lookup", "871302")
    assert (result.exit_code, result.stderr) == (3, "error: something expected went wrong\n")


def test_the_tree_and_the_table_name_every_class_and_code() -> None:
    tree = errors.exit_code_tree()
    table = errors.exit_code_table()
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in table.splitlines()}
    for cls in ERROR_CLASSES:
        assert cls.__name__ in tree
        if "exit_code" in cls.__dict__:  # a subclass that inherits its code is not listed
            assert f"`{cls.__name__}`" in rows[str(cls.exit_code)]
    assert "Terminated (BaseException)  exit 143: SIGTERM arrived" in tree
    for code in EXIT_CODES:
        assert f"\n| {code} | " in table
    assert tree in errors.__doc__  # type: ignore[operator]
    assert tree in (PROJECT_ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert table in (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
