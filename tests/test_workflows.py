"""The GitHub workflows, checked offline: what each job may do, what it runs, and the README.

zizmor and GitHub's workflow schema (`make lint`) catch the generic mistakes; these tests hold
the project's own rules: only the publish job can write, and it runs no Python; every action is
pinned to a commit; no `${{ }}` is expanded inside a shell script; the allow-list, the lock file
and the README say the same as the YAML. The publish job's shell steps and the allow-list script
also run here, against a local bare repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

GITHUB = PROJECT_ROOT / ".github"
WORKFLOW_FILES = sorted((GITHUB / "workflows").glob("*.yml"))
CHECK_DATASET = GITHUB / "scripts" / "check-dataset.sh"
README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# Every job and exactly what it may do. A new job or scope is a decision: make it here too.
PERMISSIONS = {
    ("refresh.yml", "refresh"): {"contents": "read"},
    ("refresh.yml", "publish"): {"contents": "write"},
    ("refresh.yml", "report"): {"issues": "write"},
    ("ci.yml", "test"): {"contents": "read"},
    ("keepalive.yml", "keepalive"): {"actions": "write"},
}
# What would run project or third-party Python code, or the tool.
PYTHON_WORDS = re.compile(r"\b(pip3?|pipx|python3?|make|uv|uvx|scraper|jmessage-errorcodes)\b")
SHA_PIN = re.compile(r"^(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"^#\s*v\d+\.\d+\.\d+$")


def _load(path: Path) -> dict[str, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in document:  # YAML 1.1 reads the key `on` as true
        document["on"] = document.pop(True)
    return document


WORKFLOWS = {path.name: _load(path) for path in WORKFLOW_FILES}
REFRESH = WORKFLOWS["refresh.yml"]
JOBS = [
    (name, job_id, job) for name, doc in WORKFLOWS.items() for job_id, job in doc["jobs"].items()
]


def _steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = job.get("steps", [])
    return steps


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(step for step in _steps(job) if step.get("name") == name)


def _action(step: dict[str, Any]) -> str:
    return str(step.get("uses", "")).split("@")[0]


def _scripts(job: dict[str, Any]) -> Iterator[str]:
    """The job's `run:` scripts, and the repository scripts they call."""
    for step in _steps(job):
        if "run" in step:
            yield step["run"]
            for called in re.findall(r"\.github/scripts/[\w.-]+", step["run"]):
                yield (PROJECT_ROOT / called).read_text(encoding="utf-8")


def _readme_section(heading: str) -> str:
    start = README.index(f"\n{heading}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


SCHEDULED = _readme_section("### Scheduled refresh")


def _allowed() -> list[str]:
    listed = subprocess.run(
        ["bash", str(CHECK_DATASET), "--list"], capture_output=True, text=True, check=True
    )
    return listed.stdout.split()


# --- permissions -------------------------------------------------------------------------


def test_the_workflows_are_the_expected_ones() -> None:
    assert {(name, job_id) for name, job_id, _ in JOBS} == set(PERMISSIONS)


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_no_workflow_grants_default_permissions(name: str) -> None:
    assert WORKFLOWS[name]["permissions"] == {}


@pytest.mark.parametrize(("name", "job_id"), sorted(PERMISSIONS))
def test_each_job_has_exactly_its_permissions(name: str, job_id: str) -> None:
    assert WORKFLOWS[name]["jobs"][job_id].get("permissions") == PERMISSIONS[(name, job_id)]


def test_publish_is_the_only_job_that_can_write_contents() -> None:
    writers = [
        (name, job_id)
        for name, job_id, job in JOBS
        if job.get("permissions", {}).get("contents") == "write"
    ]
    assert writers == [("refresh.yml", "publish")]
    assert "write" not in REFRESH["jobs"]["refresh"]["permissions"].values()


# --- actions -----------------------------------------------------------------------------


def _uses_lines() -> list[tuple[str, str, str]]:
    """(file, reference, comment) for every `uses:` line, read from the text for its comment."""
    found = []
    for path in WORKFLOW_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)\s*(.*)$", line)
            if match:
                found.append((path.name, match[1], match[2].strip()))
    return found


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    lines = _uses_lines()
    parsed = [step["uses"] for _, _, job in JOBS for step in _steps(job) if "uses" in step]
    assert sorted(reference for _, reference, _ in lines) == sorted(parsed)
    for name, reference, comment in lines:
        assert SHA_PIN.match(reference), f"{name}: {reference} is not pinned to a full commit SHA"
        assert VERSION_COMMENT.match(comment), f"{name}: {reference} lacks a `# vX.Y.Z` comment"


def test_each_action_has_one_pin_everywhere() -> None:
    pins: dict[str, set[tuple[str, str]]] = {}
    for _, reference, comment in _uses_lines():
        action, sha = reference.split("@")
        pins.setdefault(action.split("/")[0] + "/" + action.split("/")[1], set()).add(
            (sha, comment)
        )
    assert {action: len(found) for action, found in pins.items()} == dict.fromkeys(pins, 1)


def test_no_checkout_keeps_the_token() -> None:
    checkouts = [s for _, _, job in JOBS for s in _steps(job) if _action(s) == "actions/checkout"]
    assert checkouts
    assert all(step.get("with", {}).get("persist-credentials") is False for step in checkouts)


@pytest.mark.parametrize(("name", "job_id"), sorted(PERMISSIONS))
def test_no_expression_is_expanded_inside_a_script(name: str, job_id: str) -> None:
    # `${{ github.event.* }}`, step outputs and inputs would become shell code; they go through
    # `env:` instead, and so does everything else, which keeps the rule simple.
    for step in _steps(WORKFLOWS[name]["jobs"][job_id]):
        assert "${{" not in step.get("run", ""), f"{name} {job_id}: {step.get('name')}"


# --- the refresh and publish jobs --------------------------------------------------------


def test_the_publish_job_runs_no_python() -> None:
    publish = REFRESH["jobs"]["publish"]
    assert {_action(step) for step in _steps(publish) if "uses" in step} == {
        "actions/checkout",
        "actions/download-artifact",
    }
    for script in _scripts(publish):
        assert not PYTHON_WORDS.search(script), PYTHON_WORDS.search(script)


def test_publish_runs_only_after_a_build_that_changed_the_data() -> None:
    publish = REFRESH["jobs"]["publish"]
    assert publish["needs"] == "refresh"
    assert publish["if"] == "needs.refresh.outputs.status == '1'"
    names = [step.get("name") for step in _steps(publish)]
    check, commit = (
        names.index("Check the files against the allow-list"),
        names.index("Commit and push"),
    )
    assert check < commit
    assert "check-dataset.sh" in _step(publish, "Check the files against the allow-list")["run"]


def test_the_dataset_artifact_is_output_without_hidden_files() -> None:
    steps = _steps(REFRESH["jobs"]["refresh"])
    upload = next(s for s in steps if s.get("with", {}).get("name") == "dataset")
    assert _action(upload) == "actions/upload-artifact"
    assert upload["with"]["path"] == "output/"
    assert upload["if"] == "steps.build.outputs.status == '1'"
    # The upload leaves out hidden files such as output/.lock unless told otherwise.
    assert "include-hidden-files" not in upload["with"]


def test_the_refresh_job_keeps_the_page_cache() -> None:
    steps = _steps(REFRESH["jobs"]["refresh"])
    cache = next(step for step in steps if _action(step) == "actions/cache")
    assert cache["with"]["path"] == ".cache"
    assert "github.run_id" in cache["with"]["key"]
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"])
    build = _step(REFRESH["jobs"]["refresh"], "Build")
    assert steps.index(cache) < steps.index(build)
    assert "build --remote --exit-code" in build["run"]
    assert "--no-cache" not in build["run"]
    assert "--cache" not in build["run"]


def test_the_refresh_job_installs_only_the_hash_checked_lock() -> None:
    scripts = list(_scripts(REFRESH["jobs"]["refresh"]))
    installs = [line for script in scripts for line in script.splitlines() if "pip install" in line]
    assert len(installs) == 1
    install = _step(REFRESH["jobs"]["refresh"], "Install the locked dependencies")["run"]
    assert "--require-hashes" in install
    assert "--only-binary :all:" in install
    assert "-r requirements.lock.txt" in install
    assert (PROJECT_ROOT / "requirements.lock.txt").is_file()


def test_a_refusal_fails_the_run_and_is_reported_once() -> None:
    refresh = REFRESH["jobs"]["refresh"]
    fail = _step(refresh, "Fail unless the build succeeded")
    assert "exit 1" in fail["run"]
    # The artifacts are uploaded before the job fails, and whatever happened.
    steps = _steps(refresh)
    log = next(s for s in steps if s.get("with", {}).get("name") == "refresh-log")
    assert log["if"] == "always()"
    assert steps.index(log) < steps.index(fail)

    report = REFRESH["jobs"]["report"]
    assert "!cancelled()" in report["if"]
    opening = _step(report, "Open the refusal issue, or comment on the open one")
    assert opening["if"] == (
        "needs.refresh.outputs.status == '3' || needs.refresh.outputs.status == '4'"
    )
    script = opening["run"]
    # Look for the open issue first, and open a new one only when there is none.
    assert script.index('gh issue list --label "$ISSUE_LABEL" --state open') < script.index(
        "gh issue comment"
    )
    assert script.index("gh issue comment") < script.index("gh issue create")
    assert "gh issue close" in _step(report, "Close the refusal issue")["run"]


def test_a_refusal_can_be_accepted_from_the_workflow() -> None:
    inputs = REFRESH["on"]["workflow_dispatch"]["inputs"]
    assert inputs["allow_shrink"]["type"] == "boolean"
    build = _step(REFRESH["jobs"]["refresh"], "Build")
    assert build["env"]["ALLOW_SHRINK"] == "${{ inputs.allow_shrink }}"
    assert "--allow-shrink" in build["run"]


def test_the_keepalive_enables_only_a_workflow_disabled_for_inactivity() -> None:
    keepalive = WORKFLOWS["keepalive.yml"]
    assert "schedule" not in keepalive["on"]  # it would be disabled along with the refresh
    assert "workflow_run" not in keepalive["on"]
    (script,) = _scripts(keepalive["jobs"]["keepalive"])
    branch = script[script.index("disabled_inactivity)") : script.index(";;")]
    assert "gh workflow enable refresh.yml" in branch
    assert script.count("gh workflow enable") == 1


# --- CI ------------------------------------------------------------------------------------


def test_ci_runs_the_suite_and_the_linters_on_every_supported_python() -> None:
    job = WORKFLOWS["ci.yml"]["jobs"]["test"]
    versions = job["strategy"]["matrix"]["python"]
    lowest = re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert lowest
    major, minor = int(lowest[1]), int(lowest[2])
    assert versions == [f"{major}.{minor + i}" for i in range(len(versions))]
    refresh_python = _step(REFRESH["jobs"]["refresh"], "Set up Python")["with"]["python-version"]
    assert refresh_python in versions
    commands = " ".join(_scripts(job))
    assert "make test" in commands
    assert "make lint" in commands
    assert {"push", "pull_request"} <= set(WORKFLOWS["ci.yml"]["on"])


def test_dependabot_keeps_actions_and_python_dependencies_current() -> None:
    config = yaml.safe_load((GITHUB / "dependabot.yml").read_text(encoding="utf-8"))
    assert {update["package-ecosystem"] for update in config["updates"]} == {
        "github-actions",
        "pip",
    }


# --- the README --------------------------------------------------------------------------


def test_the_readme_describes_the_jobs_cache_lock_and_issue() -> None:
    for job_id, job in REFRESH["jobs"].items():
        assert f"`{job_id}`" in SCHEDULED, job_id
        assert job["name"] in SCHEDULED, job["name"]
    for needed in (
        "actions/cache",
        "requirements.lock.txt",
        "make lock",
        "allow_shrink",
        "disabled_inactivity",
        "keepalive.yml",
        "ci.yml",
        "dependabot.yml",
        REFRESH["env"]["ISSUE_LABEL"],
        REFRESH["env"]["ISSUE_TITLE"],
        "inputs unchanged since the last build: nothing parsed",
        "HTTP 304 not modified, from cache",
    ):
        assert needed in SCHEDULED, needed


def test_the_readme_gives_the_schedule_of_the_workflow() -> None:
    minute, hour, *_ = REFRESH["on"]["schedule"][0]["cron"].split()
    assert f"{int(hour):02d}:{int(minute):02d} UTC" in SCHEDULED


def test_the_readme_lists_the_allow_list() -> None:
    paragraph = next(p for p in SCHEDULED.split("\n\n") if "check-dataset.sh" in p)
    listed = set(re.findall(r"`([^`\s]+)`", paragraph)) - {".github/scripts/check-dataset.sh"}
    assert listed == set(_allowed())


def test_the_quick_start_mentions_make_lock() -> None:
    assert "`make lock`" in _readme_section("## Quick start")


# --- the allow-list, run -------------------------------------------------------------------


def _check(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CHECK_DATASET), str(folder)], capture_output=True, text=True, check=False
    )


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """Every allowed file, as a build's artifact would hold them."""
    folder = tmp_path / "dataset"
    for path in _allowed():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text("{}\n", encoding="utf-8")
    return folder


def test_the_allow_list_accepts_the_committed_dataset(tmp_path: Path) -> None:
    # As the artifact holds it: without the hidden lock file, which the upload leaves out.
    shutil.copytree(PROJECT_ROOT / "output", tmp_path / "output", ignore=_hidden)
    result = _check(tmp_path / "output")
    assert result.returncode == 0, result.stderr


def _hidden(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name.startswith(".")]


def test_the_allow_list_accepts_every_dataset_file(dataset: Path) -> None:
    result = _check(dataset)
    assert result.returncode == 0, result.stderr
    assert "ok: app/errorcodes.ts" in result.stdout


@pytest.mark.parametrize(
    "extra",
    [".lock", "output.tmp", "app/evil.sh", "app/ios/run.py", ".git/hooks/post-commit", "x/y"],
)
def test_the_allow_list_refuses_any_other_file(dataset: Path, extra: str) -> None:
    (dataset / extra).parent.mkdir(parents=True, exist_ok=True)
    (dataset / extra).write_text("", encoding="utf-8")
    result = _check(dataset)
    assert result.returncode == 1
    assert f"refused: {extra} is not one of the dataset's files" in result.stderr


def test_the_allow_list_refuses_a_link_and_an_empty_unknown_folder(dataset: Path) -> None:
    (dataset / "errorcodes.csv").unlink()
    (dataset / "errorcodes.csv").symlink_to("/etc/passwd")
    (dataset / "hooks").mkdir()
    result = _check(dataset)
    assert result.returncode == 1
    assert "refused: errorcodes.csv is a symbolic link" in result.stderr
    assert "refused: hooks is not one of the dataset's files" in result.stderr


def test_the_allow_list_needs_the_dataset_itself(tmp_path: Path) -> None:
    (tmp_path / "CHANGELOG.md").write_text("", encoding="utf-8")
    result = _check(tmp_path)
    assert result.returncode == 1
    assert "refused: errorcodes.json is missing" in result.stderr


# --- the publish job's push, run -----------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository whose main holds a README and a one-entry dataset change log."""
    origin, seed = tmp_path / "origin.git", tmp_path / "seed"
    _git(tmp_path, "init", "--quiet", "--bare", str(origin))
    _git(tmp_path, "clone", "--quiet", str(origin), str(seed))
    (seed / "output").mkdir()
    (seed / "README.md").write_text("readme\n", encoding="utf-8")
    (seed / "output" / "CHANGELOG.md").write_text("## 2026-01-01: first version\n", "utf-8")
    _git(seed, "add", ".")
    _git(seed, "commit", "--quiet", "-m", "start")
    _git(seed, "push", "--quiet", "origin", "HEAD:main")
    return origin


def _push_from_elsewhere(remote: Path, path: str, text: str) -> None:
    other = remote.parent / "other"
    _git(remote.parent, "clone", "--quiet", str(remote), str(other))
    (other / path).write_text(text, encoding="utf-8")
    _git(other, "commit", "--quiet", "-am", f"edit {path}")
    _git(other, "push", "--quiet", "origin", "HEAD:main")


def _publish(
    remote: Path, meanwhile: tuple[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The publish job's check and commit steps, in a clone, with a new dataset as artifact;
    `meanwhile` (path, text) is a commit that someone else pushes after the checkout."""
    work, temp, bin_dir = (
        remote.parent / "work",
        remote.parent / "runner-temp",
        remote.parent / "bin",
    )
    _git(remote.parent, "clone", "--quiet", "--depth", "1", f"file://{remote}", str(work))
    dataset = temp / "dataset"
    dataset.mkdir(parents=True)
    changelog = "## 2026-02-01: 1 code added\n\nAdded (1):\n\n- ios/JMessage 1: x\n\n"
    (dataset / "CHANGELOG.md").write_text(changelog + "## 2026-01-01: first version\n", "utf-8")
    for name in ("errorcodes.json", "manifest.json"):
        (dataset / name).write_text("{}\n", encoding="utf-8")
    bin_dir.mkdir()
    (bin_dir / "sleep").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")  # no waiting here
    (bin_dir / "sleep").chmod(0o755)
    publish = REFRESH["jobs"]["publish"]
    script = "\n".join(
        _step(publish, name)["run"]
        for name in ("Check the files against the allow-list", "Commit and push")
    )
    shutil.copytree(GITHUB / "scripts", work / ".github" / "scripts")
    if meanwhile:
        _push_from_elsewhere(remote, *meanwhile)
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HOME": str(remote.parent),
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "RUNNER_TEMP": str(temp),
        "GITHUB_REF_NAME": "main",
        "GH_TOKEN": "not-a-token",
    }
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_publish_commits_with_the_newest_change_log_entry(remote: Path) -> None:
    result = _publish(remote)
    assert result.returncode == 0, result.stderr
    assert _git(remote, "log", "-1", "--format=%s", "main") == "Dataset 2026-02-01: 1 code added"
    assert "ios/JMessage 1: x" in _git(remote, "log", "-1", "--format=%b", "main")
    assert _git(remote, "show", "main:output/manifest.json") == "{}"


def test_publish_rebases_when_the_branch_moved(remote: Path) -> None:
    result = _publish(remote, meanwhile=("README.md", "edited meanwhile\n"))
    assert result.returncode == 0, result.stderr
    subjects = _git(remote, "log", "--format=%s", "main").splitlines()
    assert subjects == ["Dataset 2026-02-01: 1 code added", "edit README.md", "start"]
    assert "rejected" in result.stderr  # the first push did fail


def test_publish_stops_when_someone_else_changed_the_dataset(remote: Path) -> None:
    result = _publish(remote, meanwhile=("output/CHANGELOG.md", "## 2026-01-15: another build\n"))
    assert result.returncode == 1
    assert "changed output/ during the run; nothing was pushed" in result.stdout
    assert _git(remote, "log", "-1", "--format=%s", "main") == "edit output/CHANGELOG.md"


# --- the refresh report, run ---------------------------------------------------------------

REFRESH_REPORT = GITHUB / "scripts" / "refresh-report.sh"
LOUD = "@octocat, see jmessage/sdk#12 and #7"  # page text that would notify and link
INERT = "\uff20octocat, see jmessage/sdk\uff0312 and \uff037"


def _dataset(message: str) -> str:
    record = {
        "platform": "ios",
        "sdk": "JMessage",
        "code": 863004,
        "message": message,
        "description": "未登录",
        "section": "JMessage iOS",
        "source": "ios",
        "url": "https://docs.example/ios/#jmessage-ios",
    }
    return json.dumps({"schema_version": 1, "records": [record]}, ensure_ascii=False)


def test_the_refusal_report_makes_mentions_and_issue_references_inert(tmp_path: Path) -> None:
    work = tmp_path / "refresh"
    (work / "refused").mkdir(parents=True)
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "errorcodes.json").write_text(_dataset("Not logged in"), "utf-8")
    (work / "refused" / "errorcodes.json").write_text(_dataset(LOUD), "utf-8")
    (work / "build.log").write_bytes(
        f"ios: warning: a cell says {LOUD}\nerror: ios lost 3 of 4 records\n".encode()
        + b"a byte that is not UTF-8: \xff\n"
    )
    summary = tmp_path / "summary.md"
    done = subprocess.run(
        ["bash", str(REFRESH_REPORT), "4", str(work), sys.executable],
        cwd=tmp_path,
        capture_output=True,
        check=False,
        env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert done.returncode == 0, done.stderr
    report = (work / "report.md").read_bytes()
    assert report.startswith(b"## Refresh refused by the guard (exit 4)\n")
    assert LOUD.encode() not in report
    assert "@" not in report.decode("utf-8", "replace")
    assert report.count(INERT.encode()) == 2  # in the diff of the refused change, and the log
    assert b"a byte that is not UTF-8: \xff\n" in report
    assert summary.read_bytes() == report
