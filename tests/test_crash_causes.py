"""Each way a build used to crash (exit 1, read as "the data changed") now has its own code.

A full disk or a read-only folder is exit 3, a damaged previous file exit 2 naming it, a hostile
header a clear source error (exit 3), a bad option value a usage error (exit 2); a broken
previous history is a warning and a fresh history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from scraper.errors import ReadError
from scraper.sources.decode import decode_page
from scraper.sources.retry import RetryPolicy, decide, parse_retry_after
from tests.conftest import FIXTURES, CliResult, snapshot
from tests.datasets import seed_sources_file

Run = Callable[..., CliResult]
NOW = datetime(2025, 3, 1, tzinfo=UTC)
IOS_URL = "https://docs.jiguang.cn/jmessage/client/im_errorcode_ios/"


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("scraper.sources.http.fetcher.pause", lambda _seconds: None)


def _failing(exc: BaseException) -> Callable[..., None]:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise exc

    return fail


@pytest.mark.parametrize(
    ("target", "exc", "reason"),
    [
        (
            "scraper.publish.release.write_sqlite",
            sqlite3.OperationalError("database or disk is full"),
            "database or disk is full",
        ),
        (
            "scraper.publish.release.write_history",
            sqlite3.OperationalError("attempt to write a readonly database"),
            "attempt to write a readonly database",
        ),
        (
            "scraper.publish.release.temporary_path",
            PermissionError(13, "Permission denied"),
            "Permission denied",
        ),
    ],
    ids=["sqlite-full", "sqlite-readonly", "read-only-folder"],
)
def test_a_folder_that_cannot_take_the_new_files_is_exit_3_and_unchanged(
    run_cli: Run,
    changed_page: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    target: str,
    exc: BaseException,
    reason: str,
) -> None:
    config, out = changed_page
    before = snapshot(out)
    monkeypatch.setattr(target, _failing(exc))
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        f"error: {out}: cannot write the new dataset ({reason}); nothing was changed: "
        "the folder is as it was"
    )
    assert snapshot(out) == before
    assert not list(out.glob(".tmp-*"))


def test_a_lock_that_is_a_folder_is_exit_3(run_cli: Run, changed_page: tuple[Path, Path]) -> None:
    config, out = changed_page
    (out / ".lock").unlink()
    (out / ".lock").mkdir()
    before = snapshot(out)
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 3
    assert result.stderr.splitlines()[-1] == (
        f"error: {out / '.lock'}: cannot take the output lock (Is a directory); it must be a "
        "writable file in a writable folder (a stray folder of that name can be removed); "
        "nothing was written"
    )
    assert snapshot(out) == before


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("9" * 400, float("inf")),
        ("0" * 400 + "7", 7.0),
        ("²", None),
        ("٣", None),
        ("Sat, 01 Mar 2025 00:00:30 GMT" + " " * 10 + "x" * 100_000, None),
        (
            "Fri, 31 Dec 9999 23:59:59 GMT",
            (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC) - NOW).total_seconds(),
        ),
    ],
    ids=[
        "400-digits",
        "leading-zeros",
        "superscript-two",
        "arabic-digit",
        "huge-date",
        "year-9999",
    ],
)
def test_retry_after_is_parsed_in_bounded_time_whatever_its_form(
    value: str, seconds: float | None
) -> None:
    assert parse_retry_after(value, NOW) == seconds


def test_an_endless_retry_after_gives_up_with_the_cap_named() -> None:
    decision = decide(1, policy=RetryPolicy(), status=503, retry_after="9" * 400, now=NOW)
    assert decision.delay is None
    assert decision.reason == (
        "the site asked to retry after an endless time, more than the 60 s cap (--max-retry-after)"
    )


@pytest.mark.parametrize("retry_after", ["9" * 400, "²"], ids=["400-digits", "superscript"])
def test_a_hostile_retry_after_is_a_source_error_not_a_crash(
    run_cli: Run, tmp_output: Path, httpx_mock: HTTPXMock, retry_after: str
) -> None:
    httpx_mock.add_response(
        url=IOS_URL,
        status_code=503,
        headers=[(b"Retry-After", retry_after.encode("utf-8"))],
        is_reusable=True,
    )
    httpx_mock.add_response(status_code=503, is_reusable=True, is_optional=True)
    result = run_cli(
        "build", "--remote", "--no-cache", "--retries", "1", "--out", tmp_output, "--exit-code"
    )
    assert result.exit_code == 3, result.stderr
    assert f"ios: {IOS_URL}: HTTP 503 Service Unavailable;" in result.stderr
    assert not tmp_output.exists()


@pytest.mark.parametrize(
    ("data", "declared"),
    [
        (b"<html><body>x</body></html>", "undefined"),
        (b'<html><head><meta charset="undefined"></head><body>x</body></html>', None),
    ],
    ids=["header", "meta"],
)
def test_charset_undefined_is_a_clear_error_naming_it(data: bytes, declared: str | None) -> None:
    with pytest.raises(ReadError) as caught:
        decode_page(data, "ios (page)", declared)
    assert str(caught.value) == (
        "ios (page): the declared charset 'undefined' names no text encoding that can decode a "
        "page; fix the page's charset"
    )


def test_a_charset_of_a_bytes_codec_is_a_clear_error() -> None:
    with pytest.raises(ReadError) as caught:
        decode_page(b"<html>x</html>", "ios (page)", "rot13")
    assert str(caught.value) == (
        "ios (page): the declared charset 'rot13' names no text encoding (it is a bytes-to-bytes "
        "codec); fix the page's charset"
    )


def test_charset_undefined_in_a_header_fails_the_refresh_with_exit_3(
    run_cli: Run, tmp_output: Path, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        headers={"Content-Type": "text/html; charset=undefined"},
        content=b"<html><body>x</body></html>",
        is_reusable=True,
    )
    seeds = seed_sources_file(tmp_output.parent / "config")
    result = run_cli(
        "build", "--sources", seeds, "--remote", "--no-cache", "--out", tmp_output, "--exit-code"
    )
    assert result.exit_code == 3
    assert "\njmessage-ios: FAILED\n" in result.stderr
    assert (
        f"\nerror: jmessage-ios ({IOS_URL}): the declared charset 'undefined' names no text "
        "encoding" in result.stderr
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"[" * 100_000, "nested more than 32 levels deep"),
        (
            b'{"schema_version": 1, "records": [{"code": ' + b"7" * 5000 + b"}]}",
            "an integer of 5000 digits (at most 20 are read)",
        ),
        (
            b'{"schema_version": 1, "records": [{"code": 1, "message": "\\ud800"}]}',
            "a string holds a lone surrogate ('\\ud800'), which is not text",
        ),
        (b'{"schema_version": NaN, "records": []}', "NaN is not a JSON number"),
    ],
    ids=["deep", "long-integer", "lone-surrogate", "nan"],
)
def test_a_damaged_previous_dataset_is_exit_2_naming_the_file(
    run_cli: Run, changed_page: tuple[Path, Path], content: bytes, reason: str
) -> None:
    config, out = changed_page
    (out / "errorcodes.json").write_bytes(content)
    before = snapshot(out)
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: {out / 'errorcodes.json'}: not a dataset (invalid JSON: {reason}); the build "
        "compares the new data with it before publishing: restore it from version control, or "
        "delete it to publish without that check"
    )
    assert snapshot(out) == before


def test_a_previous_history_row_that_breaks_the_tables_rules_starts_a_fresh_history(
    run_cli: Run, changed_page: tuple[Path, Path]
) -> None:
    config, out = changed_page
    connection = sqlite3.connect(out / "errorcodes.sqlite")
    with connection:
        connection.execute("DROP TABLE changes")
        connection.execute("CREATE TABLE changes (run, platform, sdk, code, kind, field, old, new)")
        connection.execute(
            "INSERT INTO changes VALUES (1, 'ios', 'JMessage', 1, 'bogus', 'message', NULL, 'x')"
        )
    connection.close()
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 1, result.stderr
    assert (
        f"warning: {out / 'errorcodes.sqlite'}: its change history breaks the history tables' "
        "rules (CHECK constraint failed: kind IN ('added', 'removed', 'changed')); the history "
        "starts again with this build" in result.stderr
    )
    connection = sqlite3.connect(out / "errorcodes.sqlite")
    try:
        assert connection.execute("SELECT id FROM runs").fetchall() == [(1,)]
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (
            ["--lock-timeout", "nan"],
            "must be a finite number of seconds from 0 to 86400 (a day): 'nan'",
        ),
        (
            ["--lock-timeout", "inf"],
            "must be a finite number of seconds from 0 to 86400 (a day): 'inf'",
        ),
        (["--remote", "--read-timeout", "1e308"], "from 0 to 86400 (a day): '1e308'"),
        (["--remote", "--connect-timeout", "nan"], "from 0 to 86400 (a day): 'nan'"),
        (["--remote", "--max-time", "-1"], "from 0 to 86400 (a day): '-1'"),
        (["--remote", "--max-refresh-time", "1e400"], "from 0 to 86400 (a day): '1e400'"),
        (["--remote", "--retry-backoff", "nan"], "from 0 to 86400 (a day): 'nan'"),
        (["--remote", "--max-retry-after", "1e308"], "from 0 to 86400 (a day): '1e308'"),
        (["--remote", "--retries", "99999999999999999999"], "at most 100: '99999999999999999999'"),
        (["--remote", "--retries", "²"], "not a whole number >= 0: '²'"),
        (["--remote", "--max-body-size", "9" * 30], "not a size in bytes"),
        (["--remote", "--max-body-size", "2048M"], "must be at most 1024M: '2048M'"),
        (["--max-shrink", "nan"], "expected a fraction from 0 to 1"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_times_sizes_and_ratios_must_be_finite_and_in_range(
    run_cli: Run, args: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli("build", *args)
    assert caught.value.code == 2
    assert complaint in capsys.readouterr().err


def test_a_lookup_argument_that_is_not_utf8_is_exit_2(run_cli: Run) -> None:
    query = b"login\xff".decode("utf-8", "surrogateescape")
    result = run_cli("lookup", query)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: lookup: QUERY 'login\\xff' is not valid UTF-8; check the terminal's or the "
        "script's character encoding\n"
    )


def test_credentials_in_a_source_url_reach_no_export(
    run_cli: Run, tmp_path: Path, httpx_mock: HTTPXMock
) -> None:
    page = (FIXTURES / "http" / "im_errorcode_ios.html").read_bytes()
    httpx_mock.add_response(
        url="https://bot:s3cret@docs.example.test/ios/",
        content=page,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    config = tmp_path / "sources.toml"
    config.write_text(
        '[[source]]\nid = "ios"\nurl = "https://bot:s3cret@docs.example.test/ios/"\n'
        'platform = "ios"\nproduct = "JMessage"\n',
        encoding="utf-8",
    )
    out = tmp_path / "output"
    result = run_cli("build", "--remote", "--no-cache", "--sources", config, "--out", out)
    assert result.exit_code == 0, result.stderr
    files = [path for path in out.rglob("*") if path.is_file()]
    assert out / "app" / "errorcodes.ts" in files  # the app resources are checked too
    for path in files:
        assert b"s3cret" not in path.read_bytes(), path.name
        assert b"bot:" not in path.read_bytes(), path.name
    assert b"https://docs.example.test/ios/" in (out / "manifest.json").read_bytes()


@pytest.mark.parametrize("kind", ["symlink-to-dev-zero", "fifo"])
def test_a_previous_dataset_that_is_no_regular_file_is_exit_2_without_blocking(
    run_cli: Run, changed_page: tuple[Path, Path], kind: str
) -> None:
    import os

    config, out = changed_page
    target = out / "errorcodes.json"
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
        reason = "not a regular file"
    else:
        target.symlink_to("/dev/zero")
        reason = "a symbolic link, which is not followed"
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith(
        f"error: {target}: cannot read dataset: {reason}; "
    )


def test_a_change_log_that_is_a_symlink_is_refused_without_reading_it(
    run_cli: Run, changed_page: tuple[Path, Path]
) -> None:
    config, out = changed_page
    log = out / "CHANGELOG.md"
    log.unlink()
    log.symlink_to("/dev/zero")
    result = run_cli("build", "--sources", config, "--out", out, "--exit-code")
    assert result.exit_code == 2  # a damaged dataset file
    assert result.stderr.splitlines()[-1].startswith(f"error: {log}: cannot read the change log (")
    assert result.stderr.splitlines()[-1].endswith(
        "; restore it from version control, or delete it to start a new one"
    )
