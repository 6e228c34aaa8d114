"""Successive versions of one page through `build`: diff, change log, history, guard, exit codes.

The versions live in `fixtures/versions/`: `base.md` (10 JMessage and 5 JMRTC codes) and one
file per kind of change to it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from scraper.build import BuildOptions, run_build
from scraper.model import MANIFEST_NAME, VALUE_FIELDS, Source
from scraper.publish.release import Outcome
from tests.conftest import FIXTURES, CliResult, snapshot
from tests.datasets import build_seeds

VERSIONS = FIXTURES / "versions"
EPOCH = "1740810600"  # 2025-03-01T06:30:00Z
URL = "https://docs.example/ios/"


@dataclass
class Site:
    """A page that a test rewrites between builds, its sources file and an output folder."""

    page: Path
    config: Path
    out: Path
    run_cli: Callable[..., CliResult]

    def show(self, version: str) -> None:
        shutil.copyfile(VERSIONS / f"{version}.md", self.page)

    def build(self, *options: str) -> CliResult:
        return self.run_cli("build", "--sources", self.config, "--out", self.out, *options)

    def read_json(self, name: str) -> dict[str, object]:
        document: dict[str, object] = json.loads((self.out / name).read_bytes())
        return document

    def sha256(self, name: str = "errorcodes.json") -> str:
        return hashlib.sha256((self.out / name).read_bytes()).hexdigest()

    def changelog(self) -> str:
        return (self.out / "CHANGELOG.md").read_text(encoding="utf-8")

    def query(self, sql: str) -> list[tuple[object, ...]]:
        connection = sqlite3.connect(self.out / "errorcodes.sqlite")
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()


@pytest.fixture
def site(
    tmp_path: Path, run_cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch
) -> Site:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    pages = tmp_path / "pages"
    pages.mkdir()
    config = pages / "sources.toml"
    config.write_text(
        f'[[source]]\nid = "ios"\nurl = "{URL}"\npath = "page.md"\nplatform = "ios"\n'
        'product = "JMessage"\n',
        encoding="utf-8",
    )
    site = Site(pages / "page.md", config, tmp_path / "output", run_cli)
    site.show("base")
    return site


@pytest.fixture
def built(site: Site) -> Site:
    """The site after a first build of the base version."""
    assert site.build().exit_code == 0
    return site


def test_a_first_build_starts_the_change_log_and_the_history(site: Site) -> None:
    result = site.build("--exit-code")
    assert result.exit_code == 1, result.stderr
    assert "+15 added, -0 removed, ~0 changed" in result.stderr.splitlines()
    diff = site.read_json("diff.json")
    assert (diff["from"], diff["to"]) == (None, site.sha256())
    assert len(diff["added"]) == 15  # type: ignore[arg-type]
    assert (diff["removed"], diff["changed"]) == ([], [])
    assert site.changelog().endswith(
        "## 2025-03-01: first version, 15 codes\n\n"
        "The dataset starts with 15 codes: ios/JMRTC 5, ios/JMessage 10.\n"
    )
    assert site.query("SELECT id, time, previous_sha256, added FROM runs") == [
        (1, "2025-03-01T06:30:00Z", None, 15)
    ]
    sources = json.loads(str(site.query("SELECT sources FROM runs")[0][0]))
    assert sources == [
        {
            "id": "ios",
            "url": URL,
            "location": str(site.page),
            "sha256": hashlib.sha256(site.page.read_bytes()).hexdigest(),
        }
    ]
    # One row per value field of each added record: 15 records of 11 fields.
    assert len(VALUE_FIELDS) == 11
    assert site.query("SELECT COUNT(*) FROM changes WHERE run = 1 AND kind = 'added'") == [(165,)]


def _key(sdk: str, code: int) -> dict[str, object]:
    return {"source": "ios", "platform": "ios", "sdk": sdk, "code_text": str(code), "occurrence": 1}


RENAMED = [
    {
        "key": _key("JMRTC", code),
        "changes": {
            "section": {"old": "JMRTC iOS", "new": "JMRTC iOS SDK"},
            "url": {"old": f"{URL}#jmrtc-ios", "new": f"{URL}#jmrtc-ios-sdk"},
        },
    }
    for code in range(871001, 871006)
]
REWORDED = [
    {
        "key": _key("JMessage", 860018),
        "changes": {
            "message": {
                "old": "Network uploading media failed",
                "new": "Uploading media over the network failed",
            }
        },
    }
]


@pytest.mark.parametrize(
    ("version", "added", "removed", "changed", "summary", "heading"),
    [
        ("code_added", [863006], [], [], "+1 added, -0 removed, ~0 changed", "1 code added"),
        ("code_removed", [], [861101], [], "+0 added, -1 removed, ~0 changed", "1 code removed"),
        (
            "message_reworded",
            [],
            [],
            REWORDED,
            "+0 added, -0 removed, ~1 changed",
            "1 code changed",
        ),
        ("section_renamed", [], [], RENAMED, "+0 added, -0 removed, ~5 changed", "5 codes changed"),
    ],
    ids=["code-added", "code-removed", "message-reworded", "section-renamed"],
)
def test_a_changed_page_writes_diff_changelog_and_history(
    built: Site,
    tmp_path: Path,
    version: str,
    added: list[int],
    removed: list[int],
    changed: list[dict[str, object]],
    summary: str,
    heading: str,
) -> None:
    previous = tmp_path / "previous.json"
    shutil.copyfile(built.out / "errorcodes.json", previous)
    built.show(version)
    result = built.build("--exit-code")
    assert result.exit_code == 1, result.stderr
    assert summary in result.stderr.splitlines()

    diff = built.read_json("diff.json")
    assert list(diff) == ["schema_version", "from", "to", "added", "removed", "changed"]
    assert diff["schema_version"] == 2
    assert diff["from"] == hashlib.sha256(previous.read_bytes()).hexdigest()
    assert diff["to"] == built.sha256()
    assert [record["code"] for record in diff["added"]] == added  # type: ignore[attr-defined]
    assert [record["code"] for record in diff["removed"]] == removed  # type: ignore[attr-defined]
    assert diff["changed"] == changed

    log = built.changelog()
    assert log.index(f"## 2025-03-01: {heading}\n") < log.index("## 2025-03-01: first version")

    runs = built.query("SELECT id, previous_sha256, dataset_sha256 FROM runs ORDER BY id")
    assert runs[1] == (2, diff["from"], diff["to"])
    kinds = built.query("SELECT DISTINCT kind, code FROM changes WHERE run = 2 ORDER BY code")
    assert kinds == sorted(
        [("added", code) for code in added]
        + [("removed", code) for code in removed]
        + [("changed", int(entry["key"]["code_text"])) for entry in changed],  # type: ignore[index]
        key=lambda row: row[1],
    )

    # The `diff` command on the two files gives the same document as the build.
    compared = built.run_cli("diff", previous, built.out / "errorcodes.json", "--format", "json")
    assert compared.exit_code == 1
    assert json.loads(compared.stdout) == diff


def test_the_change_log_entry_says_what_changed_in_plain_words(built: Site) -> None:
    built.show("message_reworded")
    assert built.build().exit_code == 0
    assert built.changelog() == (
        "# Changes to the error-code dataset\n"
        "\n"
        "Newest first. Each entry is added by the build that changed the data. `diff.json` holds\n"
        "the latest change in full; the `changes` table in `errorcodes.sqlite` holds every "
        "change.\n"
        "\n"
        "## 2025-03-01: 1 code changed\n"
        "\n"
        "Changed (1):\n"
        "\n"
        '- ios/ios/JMessage/860018: message "Network uploading media failed" → '
        '"Uploading media over the network failed"\n'
        "\n"
        "## 2025-03-01: first version, 15 codes\n"
        "\n"
        "The dataset starts with 15 codes: ios/JMRTC 5, ios/JMessage 10.\n"
    )


@pytest.mark.parametrize(
    ("options", "exit_code"),
    [((), 0), (("--exit-code",), 1)],
    ids=["plain", "exit-code"],
)
def test_a_changed_build_exits_1_only_with_exit_code(
    built: Site, options: tuple[str, ...], exit_code: int
) -> None:
    built.show("code_added")
    result = built.build(*options)
    assert result.exit_code == exit_code
    assert "wrote diff.json, CHANGELOG.md, errorcodes.sqlite, errorcodes.json" in result.stderr


@pytest.mark.parametrize("options", [(), ("--exit-code",)], ids=["plain", "exit-code"])
def test_a_reordered_page_is_no_change_and_touches_nothing(
    built: Site, options: tuple[str, ...]
) -> None:
    before = snapshot(built.out)
    built.show("reordered")
    result = built.build(*options)
    assert result.exit_code == 0
    assert f"no change: nothing written to {built.out}" in result.stderr
    assert "added" not in result.stderr
    assert snapshot(built.out) == before


def test_an_emptied_table_is_refused_with_exit_4_and_nothing_written(built: Site) -> None:
    before = snapshot(built.out)
    built.show("table_emptied")
    result = built.build("--exit-code")
    assert result.exit_code == 4
    assert result.stderr.endswith(
        "error: refusing to publish: source 'ios' went from 15 to 10 records (-33.3%, more than "
        "the allowed 20%). Nothing was written. The page layout may have changed: check the "
        "source, or pass --allow-shrink to publish this on purpose (or raise --max-shrink)\n"
    )
    assert "Traceback" not in result.stderr
    assert snapshot(built.out) == before


def test_max_shrink_raises_the_allowed_loss(built: Site) -> None:
    built.show("table_emptied")
    assert built.build("--max-shrink", "0.3").exit_code == 4
    assert built.build("--max-shrink", "0.34").exit_code == 0
    assert built.read_json("diff.json")["removed"] != []


def test_allow_shrink_publishes_the_loss_on_purpose(built: Site) -> None:
    built.show("table_emptied")
    result = built.build("--allow-shrink", "--exit-code")
    assert result.exit_code == 1
    assert (
        "warning: source 'ios' went from 15 to 10 records (-33.3%, more than the allowed 20%); "
        "publishing anyway (--allow-shrink)"
    ) in result.stderr.splitlines()
    assert "+0 added, -5 removed, ~0 changed" in result.stderr.splitlines()
    assert "## 2025-03-01: 5 codes removed\n" in built.changelog()


def test_a_source_dropped_from_the_build_is_refused(built: Site, tmp_path: Path) -> None:
    other = tmp_path / "pages" / "other.toml"
    other.write_text(
        f'[[source]]\nid = "ios2"\nurl = "{URL}"\npath = "page.md"\nplatform = "ios"\n'
        'product = "JMessage"\n',
        encoding="utf-8",
    )
    before = snapshot(built.out)
    result = built.run_cli("build", "--sources", other, "--out", built.out)
    assert result.exit_code == 4
    assert "error: refusing to publish: source 'ios' now gives 0 records (previously 15). " in (
        result.stderr
    )
    assert snapshot(built.out) == before


def test_the_history_tells_a_codes_story(built: Site) -> None:
    # Run 1 is the base; run 2 rewords 860018; run 3 (the base minus 861101) drops 861101
    # and so also restores 860018's wording; run 4 (the base again) brings 861101 back.
    for version in ("message_reworded", "code_removed", "base"):
        built.show(version)
        assert built.build().exit_code == 0
    story = built.query(
        "SELECT run, kind, old, new FROM changes WHERE code = 860018 AND field = 'message' "
        "ORDER BY run"
    )
    assert story == [
        (1, "added", None, "Network uploading media failed"),
        (2, "changed", "Network uploading media failed", "Uploading media over the network failed"),
        (3, "changed", "Uploading media over the network failed", "Network uploading media failed"),
    ]
    assert built.query(
        "SELECT run, kind FROM changes WHERE code = 861101 AND field = 'message'"
    ) == [
        (1, "added"),
        (3, "removed"),
        (4, "added"),
    ]
    assert built.changelog().count("\n## 2025-03-01: ") == 4


def test_a_damaged_previous_dataset_stops_the_build_with_exit_2(built: Site) -> None:
    (built.out / "errorcodes.json").write_text("{", encoding="utf-8")
    before = snapshot(built.out)
    built.show("code_added")
    result = built.build()
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(
        f"error: {built.out / 'errorcodes.json'}: not a dataset (invalid JSON: "
    )
    assert result.stderr.endswith(
        "; the build compares the new data with it before publishing: restore it from version "
        "control, or delete it to publish without that check\n"
    )
    assert snapshot(built.out) == before


def test_completing_an_interrupted_build_adds_no_entry_but_exits_1(built: Site) -> None:
    # As a build killed before it renamed the CSV into place would leave it: the data is
    # published but one export is missing. The next build writes it without a new entry.
    (built.out / "errorcodes.csv").unlink()
    log, runs = built.changelog(), built.query("SELECT * FROM runs")
    result = built.build("--exit-code")
    assert result.exit_code == 1
    assert "no data change" in result.stderr.splitlines()
    assert (built.out / "errorcodes.csv").is_file()
    assert (built.changelog(), built.query("SELECT * FROM runs")) == (log, runs)


def test_the_outcome_of_each_kind_of_build(tmp_output: Path, seed_copies: Path) -> None:
    sources = (
        Source("ios", "https://docs.example/ios/", seed_copies / "im_errorcode_ios.md", "ios"),
    )
    options = BuildOptions(sources=sources, out_dir=tmp_output)
    first = run_build(options, lambda _line: None)
    assert (first.outcome, first.changed, first.inputs_unchanged) == (
        Outcome.PUBLISHED,
        True,
        False,
    )
    again = run_build(options, lambda _line: None)
    assert (again.outcome, again.changed, again.written) == (Outcome.UNCHANGED, False, [])
    # A build killed before its last step leaves the old manifest, which disagrees with a file.
    manifest = json.loads((tmp_output / MANIFEST_NAME).read_bytes())
    manifest["exports"]["errorcodes.csv"]["sha256"] = "0" * 64
    (tmp_output / MANIFEST_NAME).write_text(json.dumps(manifest), "utf-8")
    completed = run_build(options, lambda _line: None)
    assert (completed.outcome, completed.changed) == (Outcome.COMPLETED, True)
    assert completed.diff.is_empty


def test_the_manifest_keeps_the_runs_counters(tmp_output: Path) -> None:
    build_seeds(tmp_output)
    manifest = json.loads((tmp_output / MANIFEST_NAME).read_text("utf-8"))
    assert manifest["run"] == {"pages.parsed": 2}
