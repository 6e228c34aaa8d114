"""The output folder is claimed: the tool writes only into an empty folder or one it made, and
removes only the temporaries of the files it writes, in the folders it writes, once publishing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scraper.publish.folder import remove_leftovers
from tests.conftest import FIXTURES, PROJECT_ROOT, CliResult, publish_then_change, snapshot
from tests.publish.test_release import KILL_BEFORE_REPLACE

Run = Callable[..., CliResult]
OURS = ".tmp-errorcodes.json.abcdefgh"  # shaped as a killed build's temporary of errorcodes.json


def _first_build_config(folder: Path) -> Path:
    shutil.copyfile(FIXTURES / "versions" / "base.md", folder / "page.md")
    config = folder / "sources.toml"
    config.write_text(
        '[[source]]\nid = "ios"\nurl = "https://docs.example/ios/"\npath = "page.md"\n'
        'platform = "ios"\nproduct = "JMessage"\n',
        encoding="utf-8",
    )
    return config


def _refusal(out: Path, why: str, holds: str) -> str:
    return (
        f"error: {out}: not a folder this tool made ({why}, and it holds {holds}); the build "
        "writes only into an empty folder or one it made: give --out a new or empty folder, "
        "or the folder of an existing dataset"
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    pages = tmp_path / "pages"
    pages.mkdir()
    return _first_build_config(pages)


def test_a_folder_of_someone_elses_files_is_refused_untouched(
    run_cli: Run, config: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    (home / "docs").mkdir(parents=True)
    (home / "index.html").write_text("my own page", encoding="utf-8")
    (home / "docs" / ".tmp-notes").write_text("notes", encoding="utf-8")
    (home / "notes.txt").write_text("notes", encoding="utf-8")
    (home / "zz.txt").write_text("more", encoding="utf-8")
    before = snapshot(home)
    result = run_cli("build", "--sources", config, "--out", home)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == _refusal(
        home, "it has no manifest.json", "docs, index.html, notes.txt, ..."
    )
    assert "Traceback" not in result.stderr
    assert snapshot(home) == before
    assert not (home / ".lock").exists()


def test_a_manifest_of_another_tool_does_not_claim_the_folder(
    run_cli: Run, config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "manifest.json").write_text('{"name": "my web app", "icons": []}', encoding="utf-8")
    result = run_cli("build", "--sources", config, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == _refusal(
        out, "its manifest.json does not name jiguang-errorcodes as its tool", "manifest.json"
    )
    assert sorted(path.name for path in out.iterdir()) == ["manifest.json"]


@pytest.mark.parametrize(
    "leftovers",
    [(), (".lock",), (".lock", ".tmp-manifest.json.k2j4_9zq", ".tmp-errorcodes.sqlite.0a1b2c3d")],
    ids=["empty", "lock", "a-killed-first-build"],
)
def test_an_empty_folder_or_one_with_only_a_builds_leftovers_is_taken(
    run_cli: Run, config: Path, tmp_path: Path, leftovers: tuple[str, ...]
) -> None:
    out = tmp_path / "output"
    out.mkdir()
    for name in leftovers:
        (out / name).write_bytes(b"")
    result = run_cli("build", "--sources", config, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert (out / "manifest.json").is_file()
    assert not list(out.glob(".tmp-*"))


@pytest.mark.slow
def test_a_first_build_killed_at_any_rename_is_completed_by_the_next(
    run_cli: Run, config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1740810600")  # the same bytes in every build
    done = tmp_path / "done"
    assert run_cli("build", "--sources", config, "--out", done).exit_code == 0
    renames = len(_renamed(run_cli, config, tmp_path / "count"))
    expected = snapshot(done)
    for step in range(1, renames + 1):
        out = tmp_path / f"killed{step}"
        killed = subprocess.run(
            [sys.executable, "-c", KILL_BEFORE_REPLACE, str(step), *_arguments(config, out)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=os.environ.copy(),
        )
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        result = run_cli("build", "--sources", config, "--out", out)
        assert result.exit_code == 0, (step, result.stderr)
        assert {name: data for name, (data, _) in snapshot(out).items()} == {
            name: data for name, (data, _) in expected.items()
        }, step
        assert not list(out.rglob(".tmp-*")), step


def _arguments(config: Path, out: Path) -> list[str]:
    return ["build", "--sources", str(config), "--out", str(out)]


def _renamed(run_cli: Run, config: Path, out: Path) -> list[str]:
    """The files a first build renames into place, as its "wrote" line lists them."""
    result = run_cli("build", "--sources", config, "--out", out)
    wrote = next(line for line in result.stderr.splitlines() if line.startswith("wrote "))
    return wrote.removeprefix("wrote ").rsplit(" to ", 1)[0].split(", ")


def test_only_the_tools_own_temporaries_are_removed_and_only_when_publishing(
    run_cli: Run, tmp_path: Path
) -> None:
    config, out = publish_then_change(tmp_path, tmp_path / "output", run_cli)
    strangers = ["docs/.tmp-notes", ".git/objects/ab/.tmp-cd12", ".tmp-notes", "inner/" + OURS]
    ours = [OURS, ".tmp-manifest.json.old.zz99yy88", "app/.tmp-errorcodes.ts.q1w2e3r4"]
    for name in strangers + ours:
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("kept?", encoding="utf-8")
    # A build that stops before publishing (here: the guard) removes nothing.
    shutil.copyfile(FIXTURES / "versions" / "table_emptied.md", tmp_path / "page.md")
    refused = run_cli("build", "--sources", config, "--out", out)
    assert refused.exit_code == 4, refused.stderr
    assert all((out / name).exists() for name in strangers + ours)
    # One that publishes removes its own, by name, and nothing else.
    shutil.copyfile(FIXTURES / "versions" / "section_renamed.md", tmp_path / "page.md")
    assert run_cli("build", "--sources", config, "--out", out).exit_code == 0
    assert [name for name in strangers + ours if (out / name).exists()] == strangers


def test_nested_output_folders_keep_each_others_temporaries(
    run_cli: Run, config: Path, tmp_path: Path
) -> None:
    outer = tmp_path / "N"
    inner = outer / "inner"
    assert run_cli("build", "--sources", config, "--out", outer).exit_code == 0
    assert run_cli("build", "--sources", config, "--out", inner).exit_code == 0
    (outer / OURS).write_bytes(b"outer build's, in progress")
    (inner / OURS).write_bytes(b"inner build's, in progress")
    shutil.copyfile(FIXTURES / "versions" / "section_renamed.md", config.parent / "page.md")
    assert run_cli("build", "--sources", config, "--out", outer).exit_code == 0
    assert (inner / OURS).exists()
    (outer / OURS).write_bytes(b"outer build's, in progress")
    assert run_cli("build", "--sources", config, "--out", inner).exit_code == 0
    assert (outer / OURS).exists()
    assert not (inner / OURS).exists()


def test_a_tree_too_deep_for_any_path_under_the_folder_does_not_matter(
    run_cli: Run, tmp_path: Path
) -> None:
    config, out = publish_then_change(tmp_path, tmp_path / "output", run_cli)
    descriptor = os.open(out, os.O_RDONLY)
    try:
        for _ in range(40):  # 40 x 200 characters: longer than any path the kernel takes
            os.mkdir("d" * 200, dir_fd=descriptor)
            inner = os.open("d" * 200, os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
        os.close(os.open(OURS, os.O_WRONLY | os.O_CREAT, dir_fd=descriptor))
    finally:
        os.close(descriptor)
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 1, result.stderr
    assert json.loads((out / "diff.json").read_bytes())["changed"]


def test_a_symlinked_app_folder_is_refused_and_nothing_is_written_through_it(
    run_cli: Run, tmp_path: Path
) -> None:
    config, out = publish_then_change(tmp_path, tmp_path / "output", run_cli)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(out / "app", elsewhere)
    (out / "app").symlink_to(elsewhere)
    before, outside = snapshot(out), snapshot(elsewhere)
    result = run_cli("build", "--sources", config, "--out", out)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        f"error: {out / 'app'}: a symbolic link where the build writes a folder of its own; "
        "the build writes only inside the output folder: remove the link (the build makes the "
        "folder); nothing was changed: the folder is as it was"
    )
    assert snapshot(out) == before
    assert snapshot(elsewhere) == outside


def test_a_file_where_the_app_folder_goes_is_exit_3(run_cli: Run, tmp_path: Path) -> None:
    config, out = publish_then_change(tmp_path, tmp_path / "output", run_cli)
    shutil.rmtree(out / "app")
    (out / "app").write_text("a file named app", encoding="utf-8")
    before = snapshot(out)
    result = run_cli("build", "--sources", config, "--out", out)
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        f"error: {out / 'app'}: a file where the build writes a folder of its own: move it "
        "away (the build makes the folder); nothing was changed: the folder is as it was"
    )
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (b"{not json", "is not JSON (Expecting property name enclosed in double quotes: "),
        (b'{"tool": {"name": "jmessage-errorcodes"}}', "lists no exports"),
    ],
    ids=["not-json", "no-exports"],
)
def test_a_damaged_manifest_is_warned_about_and_written_again(
    run_cli: Run, tmp_path: Path, damage: bytes, problem: str
) -> None:
    config, out = publish_then_change(tmp_path, tmp_path / "output", run_cli)
    shutil.copyfile(FIXTURES / "versions" / "base.md", tmp_path / "page.md")  # same data
    (out / "manifest.json").write_bytes(damage)
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 1, result.stderr
    warning = f"warning: {out / 'manifest.json'}: {problem}"
    assert [line for line in result.stderr.splitlines() if line.startswith(warning)], result.stderr
    assert result.stderr.count("; this build writes it again") == 1
    manifest = json.loads((out / "manifest.json").read_bytes())
    assert manifest["run"]["warnings.output"] == 1
    assert run_cli("build", "--sources", config, "--out", out, "--exit-code").exit_code == 0


def test_leftovers_behind_a_symlinked_folder_are_not_the_tools_to_remove(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "output", tmp_path / "elsewhere"
    (elsewhere / "values").mkdir(parents=True)
    out.mkdir()
    (out / "app").symlink_to(elsewhere)
    stranger = elsewhere / "values" / ".tmp-strings.xml.abcdefgh"
    stranger.write_bytes(b"not the tool's")
    (out / OURS).write_bytes(b"the tool's")
    remove_leftovers(out, ["app/values/strings.xml", "errorcodes.json"])
    assert stranger.exists()
    assert not (out / OURS).exists()


def test_a_damaged_change_log_exits_2_and_changes_nothing(run_cli: Run, tmp_path: Path) -> None:
    config, out = publish_then_change(tmp_path, tmp_path / "output", run_cli)
    (out / "CHANGELOG.md").write_bytes(b"# Changes\n\n\xff\xfe not UTF-8\n")
    before = snapshot(out)
    result = run_cli("build", "--sources", config, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: {out / 'CHANGELOG.md'}: cannot read the change log ('utf-8' codec can't decode "
        "byte 0xff in position 11: invalid start byte); restore it from version control, or "
        "delete it to start a new one"
    )
    assert snapshot(out) == before


@pytest.mark.slow
def test_builds_into_nested_folders_at_once_all_succeed(
    run_cli: Run, config: Path, tmp_path: Path
) -> None:
    outer = tmp_path / "N"
    inner = outer / "inner"
    assert run_cli("build", "--sources", config, "--out", outer).exit_code == 0
    assert run_cli("build", "--sources", config, "--out", inner).exit_code == 0
    versions = ["section_renamed.md", "base.md"]
    for round_number in range(6):  # each round publishes a change into both folders at once
        shutil.copyfile(
            FIXTURES / "versions" / versions[round_number % 2], config.parent / "page.md"
        )
        builds = [
            subprocess.Popen(
                [sys.executable, "-m", "scraper", *_arguments(config, out)],
                cwd=PROJECT_ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for out in (outer, inner)
        ]
        for build in builds:
            _, stderr = build.communicate(timeout=120)
            assert build.returncode == 0, (round_number, stderr)
    assert not list(outer.glob(".tmp-*"))
    assert not list(inner.glob(".tmp-*"))
