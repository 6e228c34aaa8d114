"""The project's home page comes from one place (`scraper.about`), or from the repository a
GitHub Actions run builds; the schema's `$id` names a release, never `main`."""

from __future__ import annotations

import tomllib

import pytest

from scraper.about import PROJECT_URL, REPOSITORY, VERSION, project_url
from scraper.model import SCHEMA_NAME
from scraper.publish.contract import json_schema
from scraper.publish.datasette import metadata
from scraper.sources.options import user_agent
from tests.conftest import PROJECT_ROOT


def test_the_repository_is_pyprojects_homepage() -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["urls"]["Homepage"] == PROJECT_URL
    assert f"https://github.com/{REPOSITORY}" == PROJECT_URL


def test_a_github_actions_run_names_the_repository_it_runs_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/jmessage-errorcodes-fork")
    assert project_url() == "https://github.com/someone/jmessage-errorcodes-fork"
    assert user_agent() == (
        f"jiguang-errorcodes/{VERSION} (+https://github.com/someone/jmessage-errorcodes-fork)"
    )


@pytest.mark.parametrize(
    "repository",
    ["", "no-slash", "a/b\r\nX-Injected: 1", "-owner/name", "a/b/c"],
    ids=["empty", "no-slash", "header-injection", "leading-hyphen", "three-parts"],
)
def test_anything_but_owner_and_name_falls_back_to_the_declared_url(repository: str) -> None:
    assert project_url({"GITHUB_REPOSITORY": repository}) == PROJECT_URL


def test_the_published_files_name_the_declared_repository_whatever_runs_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_REPOSITORY", "someone/fork")
    assert metadata([], "1.0.0+abc")["about_url"] == PROJECT_URL
    assert json_schema()["$id"] == (
        f"https://raw.githubusercontent.com/{REPOSITORY}/v{VERSION}/output/{SCHEMA_NAME}"
    )


def test_the_schema_id_never_points_at_main() -> None:
    assert "/main/" not in str(json_schema()["$id"])
