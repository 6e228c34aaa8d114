"""`build` end to end: exports, idempotence, and every exit code with its message."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from scraper import cli
from scraper.files import sha256_file
from scraper.report import Kind, Reporter
from tests.conftest import PROJECT_ROOT, CliResult, snapshot
from tests.datasets import default_build_expectations

DATA_FILES = ("errorcodes.json", "errorcodes.csv", "errorcodes.sqlite", "manifest.json")
Run = Callable[..., CliResult]


def sources_file(folder: Path, pages: dict[str, tuple[str, str]]) -> Path:
    """A sources file with one entry per id -> (page file name, platform)."""
    text = "".join(
        f'[[source]]\nid = "{source_id}"\nurl = "https://docs.example/{source_id}/"\n'
        f'path = "{name}"\nplatform = "{platform}"\nproduct = "JMessage"\n'
        for source_id, (name, platform) in pages.items()
    )
    path = folder / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


# A build without --sources reads every built-in source: the two seed pages first.
DEFAULT = default_build_expectations()
DEFAULT_RECORDS = sum(page.records for page in DEFAULT)
_SOURCE_LINE = re.compile(
    r"(?P<id>[\w-]+): (?P<path>\S+): (?P<records>\d+) records from \d+ table\(s\), "
    r"(?P<blank>\d+) blank rows skipped, (?P<anomalies>\d+) anomalies \(\d+ bytes, \d+ ms\)"
)


def test_build_writes_every_export_and_reports_on_stderr(run_cli: Run, tmp_output: Path) -> None:
    result = run_cli("build", "--out", tmp_output)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    for name in DATA_FILES:
        assert (tmp_output / name).is_file()
    lines = result.stderr.splitlines()
    assert lines[0].startswith(
        "jmessage-android: fixtures/seeds/im_errorcode_android.md: 32 records from 1 table(s)"
    )
    assert lines[1].startswith(
        "jmessage-ios: fixtures/seeds/im_errorcode_ios.md: 41 records from 2 table(s), 6 blank rows"
    )
    # One line per source, in catalog order, with the records its expectation lists; each
    # page's warnings come right after its line.
    page_lines = [line for line in lines if not line.startswith("warning: ")][: len(DEFAULT)]
    reported = [_SOURCE_LINE.fullmatch(line) for line in page_lines]
    assert all(reported), page_lines
    warned = [
        line.removeprefix("warning: ").split(":")[0]
        for line in lines
        if line.startswith("warning: ") and re.search(r": no (integer )?code: ", line)
    ]
    assert warned == [page.source.id for page in DEFAULT for _ in range(page.rows_without_code)]
    assert [
        (match["id"], match["path"], int(match["records"]), int(match["anomalies"]))
        for match in reported
        if match
    ] == [
        (
            page.source.id,
            page.source.path.relative_to(PROJECT_ROOT).as_posix() if page.source.path else "",
            page.records,
            page.rows_without_code,
        )
        for page in DEFAULT
    ]
    groups: Counter[tuple[str, str]] = sum((page.groups for page in DEFAULT), Counter())
    blank = sum(int(match["blank"]) for match in reported if match)
    anomalies = sum(page.rows_without_code for page in DEFAULT)
    manifest = json.loads((tmp_output / "manifest.json").read_bytes())
    duplicates = sum(entry["duplicates"] for entry in manifest["sources"])
    assert blank >= 6  # the seed page's blank JMRTC rows at least
    assert (
        f"{DEFAULT_RECORDS} records ("
        + ", ".join(
            f"{platform}/{sdk}: {count}" for (platform, sdk), count in sorted(groups.items())
        )
        + f"); {blank} blank rows skipped, {anomalies} anomalies, {duplicates} duplicates"
    ) in lines
    assert len(json.loads((tmp_output / "errorcodes.json").read_bytes())["records"]) == (
        DEFAULT_RECORDS
    )


def test_manifest_records_sources_counts_and_export_digests(run_cli: Run, tmp_output: Path) -> None:
    assert run_cli("build", "--out", tmp_output).exit_code == 0
    manifest = json.loads((tmp_output / "manifest.json").read_bytes())
    assert [entry["id"] for entry in manifest["sources"]] == [page.source.id for page in DEFAULT]
    ios = next(entry for entry in manifest["sources"] if entry["id"] == "jmessage-ios")
    assert ios["location"] == "fixtures/seeds/im_errorcode_ios.md"
    assert ios["sha256"] == sha256_file(PROJECT_ROOT / "fixtures/seeds/im_errorcode_ios.md")
    assert (
        ios["size"],
        ios["records"],
        ios["blank_rows"],
        ios["anomalies"],
        ios["duplicates"],
    ) == (
        6477,
        41,
        6,
        0,
        0,
    )
    assert [(entry["records"], entry["anomalies"]) for entry in manifest["sources"]] == [
        (page.records, page.rows_without_code) for page in DEFAULT
    ]
    assert manifest["totals"]["records"] == DEFAULT_RECORDS
    for name in ("errorcodes.json", "errorcodes.csv", "errorcodes.sqlite"):
        assert manifest["exports"][name]["sha256"] == sha256_file(tmp_output / name)
        assert manifest["exports"][name]["size"] == (tmp_output / name).stat().st_size


def test_second_build_rewrites_nothing(run_cli: Run, tmp_output: Path) -> None:
    assert run_cli("build", "--out", tmp_output).exit_code == 0
    before = snapshot(tmp_output)
    again = run_cli("build", "--out", tmp_output)
    assert again.exit_code == 0
    assert f"no change: nothing written to {tmp_output}" in again.stderr
    assert snapshot(tmp_output) == before


def test_same_input_gives_byte_identical_exports(
    run_cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SQLite history records when each build ran; pinning that time makes builds repeatable.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1740810600")
    assert run_cli("build", "--out", tmp_path / "one").exit_code == 0
    assert run_cli("build", "--out", tmp_path / "two").exit_code == 0
    for name in DATA_FILES:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), (
            name
        )


def test_a_damaged_export_is_rebuilt(run_cli: Run, tmp_output: Path) -> None:
    assert run_cli("build", "--out", tmp_output).exit_code == 0
    good = (tmp_output / "errorcodes.sqlite").read_bytes()
    (tmp_output / "errorcodes.sqlite").write_bytes(good[:100])
    result = run_cli("build", "--out", tmp_output)
    assert result.exit_code == 0
    assert "no change" not in result.stderr
    # The rebuilt file has every record; the damaged file's change history is lost, and said so.
    assert f"warning: {tmp_output / 'errorcodes.sqlite'}: cannot read the change history" in (
        result.stderr
    )
    connection = sqlite3.connect(tmp_output / "errorcodes.sqlite")
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("SELECT COUNT(*) FROM error_codes").fetchall() == [
            (DEFAULT_RECORDS,)
        ]
    finally:
        connection.close()


def test_sources_file_points_the_build_at_other_copies(
    run_cli: Run, seed_copies: Path, tmp_output: Path
) -> None:
    config = sources_file(seed_copies, {"droid": ("im_errorcode_android.md", "android")})
    result = run_cli("build", "--sources", config, "--out", tmp_output)
    assert result.exit_code == 0, result.stderr
    records = json.loads((tmp_output / "errorcodes.json").read_bytes())["records"]
    assert len(records) == 32
    assert {record["source"] for record in records} == {"droid"}
    assert records[0]["url"] == "https://docs.example/droid/#jmessage-android"


@pytest.mark.parametrize(
    ("page", "message"),
    [
        ("<h2>JMessage iOS</h2><p>gone</p>", "error: no error-code table found in broken ("),
        ("", "error: no error-code table found in broken ("),
    ],
    ids=["no-table", "empty-page"],
)
def test_a_failing_source_leaves_the_output_untouched(
    run_cli: Run, seed_copies: Path, tmp_output: Path, page: str, message: str
) -> None:
    assert run_cli("build", "--out", tmp_output).exit_code == 0
    before = snapshot(tmp_output)
    (seed_copies / "broken.html").write_text(page, encoding="utf-8")
    config = sources_file(
        seed_copies,
        {"ios": ("im_errorcode_ios.md", "ios"), "broken": ("broken.html", "ios")},
    )
    result = run_cli("build", "--sources", config, "--out", tmp_output)
    assert result.exit_code == 3
    assert message in result.stderr
    assert "the page layout may have changed" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(tmp_output) == before


def test_a_binary_page_is_a_read_error(run_cli: Run, seed_copies: Path, tmp_output: Path) -> None:
    (seed_copies / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    config = sources_file(seed_copies, {"pic": ("image.html", "ios")})
    result = run_cli("build", "--sources", config, "--out", tmp_output)
    assert result.exit_code == 3
    page = (seed_copies / "image.html").as_posix()
    assert f"error: pic ({page}): looks like a binary file, not a text page" in result.stderr
    assert not tmp_output.exists() or not any(tmp_output.glob("errorcodes.*"))


def test_every_failed_source_is_reported(run_cli: Run, seed_copies: Path, tmp_output: Path) -> None:
    (seed_copies / "one.html").write_text("<p>nothing</p>", encoding="utf-8")
    (seed_copies / "two.html").write_text("<p>nothing</p>", encoding="utf-8")
    config = sources_file(seed_copies, {"one": ("one.html", "ios"), "two": ("two.html", "ios")})
    result = run_cli("build", "--sources", config, "--out", tmp_output)
    assert result.exit_code == 3
    assert "no error-code table found in one (" in result.stderr
    assert "no error-code table found in two (" in result.stderr


def test_bad_sources_file_exits_2_naming_file_and_entry(
    run_cli: Run, tmp_path: Path, tmp_output: Path
) -> None:
    config = tmp_path / "sources.toml"
    config.write_text(
        '[[source]]\nid = "x"\nplatform = "ios"\nproduct = "JMessage"\nurl = "u"\nextra = 1\n',
        encoding="utf-8",
    )
    result = run_cli("build", "--sources", config, "--out", tmp_output)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {config}: source #1: unknown key(s) extra;")
    assert not tmp_output.exists()


def test_output_folder_that_is_a_file_exits_3(run_cli: Run, tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_cli("build", "--out", blocker)
    assert result.exit_code == 3
    assert f"error: {blocker}: cannot create the output folder" in result.stderr
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_usage_errors_exit_2(run_cli: Run) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli("build", "--no-such-option")
    assert caught.value.code == 2


def test_module_entry_point_runs_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scraper", "build", "--out", str(tmp_path / "out")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"{DEFAULT_RECORDS} records (" in result.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "scraper", "build", "--sources", str(tmp_path / "nope.toml")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert missing.returncode == 2
    assert missing.stderr == f"error: {tmp_path / 'nope.toml'}: sources file not found\n"


def _damage_history_and_change_a_message(seed_copies: Path, out: Path) -> None:
    (out / "errorcodes.sqlite").write_bytes(b"not a database")
    page = seed_copies / "im_errorcode_android.md"
    page.write_text(
        page.read_text("utf-8").replace("Invalid request parameters", "Invalid parameters"),
        encoding="utf-8",
    )


def test_strict_fails_on_a_history_warning_and_writes_nothing(
    run_cli: Run, seed_copies: Path, tmp_output: Path
) -> None:
    config = sources_file(seed_copies, {"android": ("im_errorcode_android.md", "android")})
    assert run_cli("build", "--sources", config, "--out", tmp_output).exit_code == 0
    _damage_history_and_change_a_message(seed_copies, tmp_output)
    before = snapshot(tmp_output)
    result = run_cli("build", "--sources", config, "--out", tmp_output, "--strict")
    assert result.exit_code == 3
    assert "--strict: 1 problem(s) in the sources, so nothing was written" in result.stderr
    assert "the history starts again with this build" in result.stderr
    assert snapshot(tmp_output) == before


def test_without_strict_a_history_warning_is_counted_in_the_manifest(
    run_cli: Run, seed_copies: Path, tmp_output: Path
) -> None:
    config = sources_file(seed_copies, {"android": ("im_errorcode_android.md", "android")})
    assert run_cli("build", "--sources", config, "--out", tmp_output).exit_code == 0
    _damage_history_and_change_a_message(seed_copies, tmp_output)
    result = run_cli("build", "--sources", config, "--out", tmp_output)
    assert result.exit_code == 0
    assert "warning: " in result.stderr
    manifest = json.loads((tmp_output / "manifest.json").read_bytes())
    assert manifest["run"] == {"pages.parsed": 1, "warnings.history": 1}


def test_the_live_refresh_options_are_a_plain_value_without_command_line_code() -> None:
    """The flags live in the CLI; `sources.options` holds only the value the fetcher takes."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, scraper.sources.options; print('argparse' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    assert done.stdout == "False\n"


class _Writes:
    """A stream that keeps every write() call apart, to see what each call carried."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def write(self, text: str) -> int:
        self.calls.append(text)
        return len(text)

    def flush(self) -> None:
        pass


def test_each_log_line_is_one_whole_write_even_from_many_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _Writes()
    monkeypatch.setattr(sys, "stderr", stream)
    reporter = Reporter(cli._stderr)

    def report(number: int) -> None:
        for line in range(50):
            reporter(f"thread {number}: retry {line}/50 in 0.9 s")
            reporter.warn(Kind.CACHE, f"thread {number}: entry {line} unusable")

    threads = [threading.Thread(target=report, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(stream.calls) == 8 * 50 * 2
    assert all(call.endswith("\n") and call.count("\n") == 1 for call in stream.calls)
    assert "thread 3: retry 7/50 in 0.9 s\n" in stream.calls
    assert "warning: thread 5: entry 49 unusable\n" in stream.calls


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (
            "warning: ios: cell '##[error]forged' ignored",
            "warning: ios: cell '＃＃[error]forged' ignored",
        ),
        ("::error::forged", "：：error::forged"),
        ("  ::add-mask::secret", "  ：：add-mask::secret"),
        ("ios: a::b ##[group]x", "ios: a::b ＃＃[group]x"),
        ("first\n::warning::second", "first\n：：warning::second"),
    ],
    ids=["##[ inside", ":: first", ":: after spaces", "both inside", "second line"],
)
def test_log_lines_cannot_command_a_ci_runner(
    line: str, shown: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cli._stderr(line)
    assert capsys.readouterr().err == shown + "\n"


def test_an_error_message_from_page_text_is_inert_in_the_log(run_cli: Run) -> None:
    result = run_cli("lookup", "##[stop-commands]x")
    assert result.exit_code == 1
    assert "##[" not in result.stderr
    assert result.stderr.startswith("no entry matches '＃＃[stop-commands]x'")


@pytest.mark.parametrize(
    ("epoch", "year"),
    [("-1", 1969), ("-62135596800", 1)],
    ids=["1969", "year 1"],
)
def test_a_build_time_before_1970_is_refused_and_nothing_is_written(
    run_cli: Run, tmp_output: Path, monkeypatch: pytest.MonkeyPatch, epoch: str, year: int
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = run_cli("build", "--out", tmp_output)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: SOURCE_DATE_EPOCH must be a time from 1970 to 9999; got '{epoch}' "
        f"(the year {year})\n"
    )
    assert not tmp_output.exists()


def test_a_build_time_after_9999_is_refused(
    run_cli: Run, tmp_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "253402300800")  # 10000-01-01
    result = run_cli("build", "--out", tmp_output)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: SOURCE_DATE_EPOCH must be")
    assert not tmp_output.exists()
