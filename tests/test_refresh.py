"""`build --remote` end to end in this process, the site answered by pytest-httpx.

Every failure case checks the requests made, the exit code, the message, and that the
previous dataset in the output folder is exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from pytest_httpx import HTTPXMock

from scraper.sources.catalog import CATALOG, SEED_SOURCES
from scraper.sources.options import user_agent
from tests.conftest import FIXTURES, PROJECT_ROOT, SEEDS, CliResult, snapshot
from tests.datasets import seed_sources_file

# The refreshes here read the two seed sources (a sources file of their catalog entries), so
# that every request, retry and failure can be stated; the catalog's own pages are fetched in
# `test_a_refresh_of_the_catalog_builds_the_same_dataset_as_its_local_copies`.
SEEDS_BY_ID = {source.id: source for source in SEED_SOURCES}
IOS_URL = SEEDS_BY_ID["jmessage-ios"].url
ANDROID_URL = SEEDS_BY_ID["jmessage-android"].url
IOS_HTML = (FIXTURES / "http" / "im_errorcode_ios.html").read_bytes()
IOS_GBK = (FIXTURES / "http" / "im_errorcode_ios.gbk.html").read_bytes()
ANDROID_MD = (SEEDS / "im_errorcode_android.md").read_bytes()
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}
MARKDOWN_TYPE = {"Content-Type": "text/markdown; charset=utf-8"}

Run = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def delays(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Waits between attempts are recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr("scraper.sources.http.fetcher.pause", recorded.append)
    return recorded


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def published(run_cli: Run, tmp_output: Path) -> dict[str, tuple[bytes, int]]:
    """A dataset already in the output folder (an offline build of the seeds), as a snapshot."""
    config = seed_sources_file(tmp_output.parent)
    assert run_cli("build", "--sources", config, "--out", tmp_output).exit_code == 0
    return snapshot(tmp_output)


def refresh(run_cli: Run, out: Path, cache: Path, *extra: str | Path) -> CliResult:
    """`build --remote` of the two seed sources into `out`."""
    config = seed_sources_file(out.parent)
    return run_cli("build", "--remote", "--sources", config, "--out", out, "--cache", cache, *extra)


def serve_android(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=ANDROID_URL, content=ANDROID_MD, headers=MARKDOWN_TYPE)


def assert_polite(requests: list[httpx.Request]) -> None:
    assert requests
    for request in requests:
        assert request.headers["User-Agent"] == user_agent()
        assert request.method == "GET"


def error_lines(stderr: str) -> list[str]:
    lines = stderr.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    return lines[first:]


def test_a_refresh_builds_the_same_dataset_as_the_local_copies(
    run_cli: Run, tmp_path: Path, cache: Path, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=IOS_URL,
        content=IOS_HTML,
        headers={**HTML_TYPE, "ETag": '"ios-1"', "Last-Modified": "Sat, 01 Mar 2025 12:00:00 GMT"},
    )
    serve_android(httpx_mock)
    offline, remote = tmp_path / "offline", tmp_path / "remote"
    config = seed_sources_file(tmp_path)
    assert run_cli("build", "--sources", config, "--out", offline).exit_code == 0
    result = refresh(run_cli, remote, cache)
    assert result.exit_code == 0, result.stderr
    assert (remote / "errorcodes.json").read_bytes() == (offline / "errorcodes.json").read_bytes()
    assert re.search(
        rf"^jmessage-ios: {re.escape(IOS_URL)}: 41 records from 2 table\(s\), "
        r"6 blank rows skipped, "
        rf"0 anomalies \(HTTP 200, {len(IOS_HTML)} bytes, \d+ ms\)$",
        result.stderr,
        re.M,
    )
    assert "refresh: 2 source(s): 2 fetched, 0 not modified, 0 retried, 0 failed" in result.stderr
    requests = httpx_mock.get_requests()
    assert sorted(str(r.url) for r in requests) == sorted([IOS_URL, ANDROID_URL])
    assert_polite(requests)
    entries = {e["id"]: e for e in json.loads((remote / "manifest.json").read_text())["sources"]}
    ios = entries["jmessage-ios"]
    assert isinstance(ios.pop("fetched_at"), str)
    assert {key: ios[key] for key in list(ios)[:10]} == {
        "id": "jmessage-ios",
        "url": IOS_URL,
        "location": IOS_URL,
        "sha256": hashlib.sha256(IOS_HTML).hexdigest(),
        "size": len(IOS_HTML),
        "final_url": IOS_URL,
        "status": 200,
        "etag": '"ios-1"',
        "last_modified": "Sat, 01 Mar 2025 12:00:00 GMT",
        "not_modified": False,
    }
    assert (entries["jmessage-android"]["etag"], entries["jmessage-android"]["status"]) == (
        None,
        200,
    )


def test_a_refresh_of_the_catalog_builds_the_same_dataset_as_its_local_copies(
    run_cli: Run, tmp_path: Path, cache: Path, httpx_mock: HTTPXMock
) -> None:
    # `build --remote` without --sources fetches every page of the built-in catalog.
    pages = [source for source in CATALOG if source.enabled]
    for source in pages:
        assert source.path is not None
        kind = MARKDOWN_TYPE if source.path.suffix == ".md" else HTML_TYPE
        httpx_mock.add_response(url=source.url, content=source.path.read_bytes(), headers=kind)
    offline, remote = tmp_path / "offline", tmp_path / "remote"
    assert run_cli("build", "--out", offline).exit_code == 0
    result = run_cli("build", "--remote", "--out", remote, "--cache", cache)
    assert result.exit_code == 0, result.stderr
    assert (remote / "errorcodes.json").read_bytes() == (offline / "errorcodes.json").read_bytes()
    count = len(pages)
    assert f"refresh: {count} source(s): {count} fetched, 0 not modified, 0 retried, 0 failed" in (
        result.stderr
    )
    requests = httpx_mock.get_requests()
    assert sorted(str(r.url) for r in requests) == sorted(source.url for source in pages)
    assert_polite(requests)


def test_an_unchanged_site_answers_304_and_nothing_is_rewritten(
    run_cli: Run, tmp_output: Path, cache: Path, httpx_mock: HTTPXMock
) -> None:
    validators = {"ETag": '"ios-1"', "Last-Modified": "Sat, 01 Mar 2025 12:00:00 GMT"}
    httpx_mock.add_response(url=IOS_URL, content=IOS_HTML, headers={**HTML_TYPE, **validators})
    httpx_mock.add_response(
        url=ANDROID_URL, content=ANDROID_MD, headers={**MARKDOWN_TYPE, "ETag": 'W/"a-1"'}
    )
    assert refresh(run_cli, tmp_output, cache).exit_code == 0
    before = snapshot(tmp_output)
    httpx_mock.add_response(url=IOS_URL, status_code=304, headers=validators)
    httpx_mock.add_response(url=ANDROID_URL, status_code=304)
    result = refresh(run_cli, tmp_output, cache)
    assert result.exit_code == 0, result.stderr
    assert snapshot(tmp_output) == before
    assert f"no change: nothing written to {tmp_output}" in result.stderr
    assert "refresh: 2 source(s): 0 fetched, 2 not modified, 0 retried, 0 failed" in result.stderr
    assert re.search(
        r"^jmessage-ios: .*\(HTTP 304 not modified, from cache, \d+ bytes", result.stderr, re.M
    )
    second = httpx_mock.get_requests()[2:]
    by_url = {str(r.url): r for r in second}
    assert len(second) == 2
    assert by_url[IOS_URL].headers["If-None-Match"] == '"ios-1"'
    assert by_url[IOS_URL].headers["If-Modified-Since"] == "Sat, 01 Mar 2025 12:00:00 GMT"
    assert by_url[ANDROID_URL].headers["If-None-Match"] == 'W/"a-1"'
    assert "If-Modified-Since" not in by_url[ANDROID_URL].headers
    assert_polite(second)


def test_a_changed_page_is_published_with_its_new_provenance(
    run_cli: Run, tmp_output: Path, cache: Path, httpx_mock: HTTPXMock, published: object
) -> None:
    changed = IOS_HTML.replace(b"Network downloading media failed.", b"Media download failed.")
    httpx_mock.add_response(url=IOS_URL, content=changed, headers={**HTML_TYPE, "ETag": '"2"'})
    serve_android(httpx_mock)
    result = refresh(run_cli, tmp_output, cache)
    assert result.exit_code == 0, result.stderr
    records = json.loads((tmp_output / "errorcodes.json").read_text())["records"]
    assert any(r["message"] == "Media download failed." for r in records)
    manifest = json.loads((tmp_output / "manifest.json").read_text())
    ios = next(entry for entry in manifest["sources"] if entry["id"] == "jmessage-ios")
    assert ios["etag"] == '"2"'


def test_a_503_is_retried_and_the_refresh_succeeds(
    run_cli: Run, tmp_output: Path, cache: Path, httpx_mock: HTTPXMock, delays: list[float]
) -> None:
    httpx_mock.add_response(url=IOS_URL, status_code=503)
    httpx_mock.add_response(url=IOS_URL, content=IOS_HTML, headers=HTML_TYPE)
    serve_android(httpx_mock)
    result = refresh(run_cli, tmp_output, cache, "--retry-backoff", "2")
    assert result.exit_code == 0, result.stderr
    assert len(delays) == 1
    assert 1.0 <= delays[0] <= 2.0  # 2 s backoff with jitter: half to all of it
    assert "refresh: 2 source(s): 2 fetched, 0 not modified, 1 retried, 0 failed" in result.stderr
    assert re.search(
        r"^jmessage-ios: .*\(HTTP 200, \d+ bytes, \d+ ms, 1 retry\)$", result.stderr, re.M
    )
    assert [str(r.url) for r in httpx_mock.get_requests(url=IOS_URL)] == [IOS_URL, IOS_URL]
    assert_polite(httpx_mock.get_requests())


def test_a_source_that_fails_after_its_retries_is_counted_as_retried_and_failed(
    run_cli: Run, tmp_output: Path, cache: Path, httpx_mock: HTTPXMock, delays: list[float]
) -> None:
    httpx_mock.add_response(url=IOS_URL, status_code=503, is_reusable=True)
    serve_android(httpx_mock)
    result = refresh(run_cli, tmp_output, cache, "--retries", "3")
    assert result.exit_code == 3
    retry_lines = [line for line in result.stderr.splitlines() if ", retry " in line]
    assert len(retry_lines) == len(delays) == 3
    assert "refresh: 2 source(s): 1 fetched, 0 not modified, 1 retried, 1 failed" in result.stderr
    assert result.stderr.splitlines()[-1] == "error: nothing was written: 1 source failed"


def test_a_429_waits_as_long_as_retry_after_says(
    run_cli: Run, tmp_output: Path, cache: Path, httpx_mock: HTTPXMock, delays: list[float]
) -> None:
    httpx_mock.add_response(url=IOS_URL, status_code=429, headers={"Retry-After": "12"})
    httpx_mock.add_response(url=IOS_URL, content=IOS_HTML, headers=HTML_TYPE)
    serve_android(httpx_mock)
    result = refresh(run_cli, tmp_output, cache)
    assert result.exit_code == 0, result.stderr
    assert delays == [12.0]
    assert len(httpx_mock.get_requests(url=IOS_URL)) == 2


def test_a_retry_after_beyond_the_cap_gives_up(
    run_cli: Run,
    tmp_output: Path,
    cache: Path,
    httpx_mock: HTTPXMock,
    delays: list[float],
    published: dict[str, tuple[bytes, int]],
) -> None:
    httpx_mock.add_response(url=IOS_URL, status_code=429, headers={"Retry-After": "3600"})
    serve_android(httpx_mock)
    result = refresh(run_cli, tmp_output, cache)
    assert result.exit_code == 3
    assert error_lines(result.stderr) == [
        f"error: jmessage-ios: {IOS_URL}: HTTP 429 Too Many Requests; the site asked to retry "
        "after "
        "3600 s, more than the 60 s cap (--max-retry-after); the site may be down or busy; "
        "try again later",
        "error: nothing was written: 1 source failed",
    ]
    assert delays == []
    assert snapshot(tmp_output) == published


FAILURES = [
    pytest.param(
        lambda mock: mock.add_response(url=IOS_URL, status_code=404),
        [],
        1,
        f"jmessage-ios: {IOS_URL}: HTTP 404 Not Found (not retried); check the source's url",
        id="404-not-retried",
    ),
    pytest.param(
        lambda mock: mock.add_exception(httpx.ReadTimeout("timed out"), is_reusable=True),
        ["--retries", "2"],
        3,
        f"jmessage-ios: {IOS_URL}: timed out waiting for data (after 10 s); gave up after "
        "3 attempts; "
        "try again later, or raise --read-timeout",
        id="timeout-every-attempt",
    ),
    pytest.param(
        lambda mock: mock.add_exception(
            httpx.ConnectError("[Errno 111] Connection refused"), is_reusable=True
        ),
        [],
        4,
        f"jmessage-ios: {IOS_URL}: cannot connect ([Errno 111] Connection refused); gave up after "
        "4 attempts; check the url and the network, or try again later",
        id="connection-refused",
    ),
    pytest.param(
        lambda mock: mock.add_response(
            url=IOS_URL, status_code=301, headers={"Location": "https://elsewhere.test/ios/"}
        ),
        [],
        1,
        f"jmessage-ios: {IOS_URL}: redirected to https://elsewhere.test/ios/ on another host "
        "(elsewhere.test); refusing to follow; if the page moved, update the source's url",
        id="redirect-to-another-host",
    ),
    pytest.param(
        lambda mock: mock.add_response(url=IOS_URL, content=b"<p>" * 3000, headers=HTML_TYPE),
        ["--max-body-size", "6K"],
        1,
        f"jmessage-ios: {IOS_URL}: the page is larger than the 6 KiB limit; "
        "raise --max-body-size if it really is that big",
        id="oversize",
    ),
    pytest.param(
        lambda mock: mock.add_response(
            url=IOS_URL, content=b"\x89PNG\r\n\x1a\n", headers={"Content-Type": "image/png"}
        ),
        [],
        1,
        f"jmessage-ios: {IOS_URL}: unexpected Content-Type image/png; expected an HTML or "
        "Markdown page "
        "(text/html, text/markdown or text/plain); check the source's url",
        id="wrong-content-type",
    ),
    pytest.param(
        lambda mock: mock.add_response(url=IOS_URL, content=b"", headers=HTML_TYPE),
        [],
        1,
        f"jmessage-ios: {IOS_URL}: HTTP 200 with an empty body; the site may be failing, "
        "try again later",
        id="empty-body",
    ),
    pytest.param(
        lambda mock: mock.add_response(
            url=IOS_URL, content=b"<html><body><p>Moved to the new docs.</p></body></html>"
        ),
        [],
        1,
        f"no error-code table found in jmessage-ios ({IOS_URL}); the page layout may have changed "
        "(expected a <table> whose header row has a 'Code' or '错误码' column); "
        "the page has no tables at all (HTML <table> or Markdown pipe table)",
        id="no-table",
    ),
]


@pytest.mark.parametrize(("answer", "extra", "ios_requests", "message"), FAILURES)
def test_a_failed_source_fails_the_build_and_writes_nothing(
    run_cli: Run,
    tmp_output: Path,
    cache: Path,
    httpx_mock: HTTPXMock,
    published: dict[str, tuple[bytes, int]],
    answer: Callable[[HTTPXMock], None],
    extra: list[str],
    ios_requests: int,
    message: str,
) -> None:
    serve_android(httpx_mock)  # registered first, so a catch-all ios answer cannot take it
    answer(httpx_mock)
    result = refresh(run_cli, tmp_output, cache, *extra)
    assert result.exit_code == 3
    assert error_lines(result.stderr) == [
        f"error: {message}",
        "error: nothing was written: 1 source failed",
    ]
    assert "\njmessage-ios: FAILED\n" in result.stderr
    assert result.stderr.count(message) == 1  # the cause once, and the id not doubled
    assert "refresh: 2 source(s): 1 fetched, 0 not modified, " in result.stderr
    assert result.stderr.count(", 1 failed") == 1
    assert snapshot(tmp_output) == published
    requests = httpx_mock.get_requests()
    assert len([r for r in requests if str(r.url) == IOS_URL]) == ios_requests
    assert len([r for r in requests if str(r.url) == ANDROID_URL]) == 1
    assert_polite(requests)


def test_every_failed_source_gets_its_own_line(
    run_cli: Run,
    tmp_output: Path,
    cache: Path,
    httpx_mock: HTTPXMock,
    published: dict[str, tuple[bytes, int]],
) -> None:
    httpx_mock.add_response(url=IOS_URL, status_code=410)
    httpx_mock.add_response(url=ANDROID_URL, status_code=403)
    result = refresh(run_cli, tmp_output, cache)
    assert result.exit_code == 3
    assert error_lines(result.stderr) == [
        f"error: jmessage-android: {ANDROID_URL}: HTTP 403 Forbidden (not retried); check the "
        "source's url",
        f"error: jmessage-ios: {IOS_URL}: HTTP 410 Gone (not retried); check the source's url",
        "error: nothing was written: 2 sources failed",
    ]
    assert snapshot(tmp_output) == published


def test_a_redirect_within_the_host_is_followed(
    run_cli: Run, tmp_output: Path, cache: Path, httpx_mock: HTTPXMock
) -> None:
    moved = IOS_URL.replace("im_errorcode_ios/", "im_errorcode_ios_v2/")
    httpx_mock.add_response(url=IOS_URL, status_code=308, headers={"Location": moved})
    httpx_mock.add_response(url=moved, content=IOS_HTML, headers=HTML_TYPE)
    serve_android(httpx_mock)
    result = refresh(run_cli, tmp_output, cache)
    assert result.exit_code == 0, result.stderr
    assert f"jmessage-ios: {moved}: 41 records" in result.stderr
    sources = json.loads((tmp_output / "manifest.json").read_text())["sources"]
    ios = next(entry for entry in sources if entry["id"] == "jmessage-ios")
    assert (ios["url"], ios["final_url"], ios["location"]) == (IOS_URL, moved, moved)
    records = json.loads((tmp_output / "errorcodes.json").read_text())["records"]
    assert all(r["url"].startswith(IOS_URL) for r in records if r["source"] == "jmessage-ios")
    assert [str(r.url) for r in httpx_mock.get_requests() if "ios" in str(r.url)] == [
        IOS_URL,
        moved,
    ]


@pytest.mark.parametrize(
    "content_type",
    ["text/html; charset=gbk", "text/html; charset=GB2312", "text/html"],
    ids=["declared-gbk", "declared-gb2312", "meta-charset-only"],
)
def test_a_gbk_page_gives_the_records_of_its_utf8_twin(
    run_cli: Run, tmp_path: Path, cache: Path, httpx_mock: HTTPXMock, content_type: str
) -> None:
    httpx_mock.add_response(url=IOS_URL, content=IOS_HTML, headers=HTML_TYPE)
    httpx_mock.add_response(url=IOS_URL, content=IOS_GBK, headers={"Content-Type": content_type})
    httpx_mock.add_response(
        url=ANDROID_URL, content=ANDROID_MD, headers=MARKDOWN_TYPE, is_reusable=True
    )
    utf8, gbk = tmp_path / "utf8", tmp_path / "gbk"
    config = seed_sources_file(tmp_path)
    assert (
        run_cli("build", "--remote", "--sources", config, "--no-cache", "--out", utf8).exit_code
        == 0
    )
    result = run_cli("build", "--remote", "--sources", config, "--no-cache", "--out", gbk)
    assert result.exit_code == 0, result.stderr
    assert IOS_GBK != IOS_HTML
    assert (gbk / "errorcodes.json").read_bytes() == (utf8 / "errorcodes.json").read_bytes()
    assert "媒体文件下载失败" in (gbk / "errorcodes.json").read_text(encoding="utf-8")
    assert not cache.exists()


def test_a_corrupt_cache_entry_is_fetched_in_full_with_a_warning(
    run_cli: Run, tmp_output: Path, cache: Path, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        url=IOS_URL, content=IOS_HTML, headers={**HTML_TYPE, "ETag": '"1"'}, is_reusable=True
    )
    httpx_mock.add_response(url=ANDROID_URL, content=ANDROID_MD, is_reusable=True)
    assert refresh(run_cli, tmp_output, cache).exit_code == 0
    [meta] = cache.glob("*.json")
    meta.write_bytes(b"\x00garbage")
    before = snapshot(tmp_output)
    result = refresh(run_cli, tmp_output, cache)
    assert result.exit_code == 0, result.stderr
    assert (
        f"warning: jmessage-ios: ignoring the cache entry {meta} (its metadata is not valid JSON); "
        "fetching the page in full"
    ) in result.stderr
    second = httpx_mock.get_requests(url=IOS_URL)[1]
    assert "If-None-Match" not in second.headers
    assert snapshot(tmp_output) == before
    assert json.loads(meta.read_text())["etag"] == '"1"'  # repaired by the full fetch


def test_only_refreshes_the_named_source_and_keeps_the_others(
    run_cli: Run,
    tmp_output: Path,
    cache: Path,
    httpx_mock: HTTPXMock,
    published: dict[str, tuple[bytes, int]],
) -> None:
    before = json.loads(published["manifest.json"][0])
    changed = IOS_HTML.replace(b"Network downloading media failed.", b"Media download failed.")
    httpx_mock.add_response(url=IOS_URL, content=changed, headers=HTML_TYPE)
    result = refresh(run_cli, tmp_output, cache, "--only", "jmessage-ios")
    assert result.exit_code == 0, result.stderr
    assert (
        "jmessage-android: kept 32 records from the previous build (not in --only)" in result.stderr
    )
    assert "refresh: 1 source(s): 1 fetched, 0 not modified, 0 retried, 0 failed" in result.stderr
    assert [str(r.url) for r in httpx_mock.get_requests()] == [IOS_URL]
    records = json.loads((tmp_output / "errorcodes.json").read_text())["records"]
    assert len([r for r in records if r["source"] == "jmessage-android"]) == 32
    assert len([r for r in records if r["source"] == "jmessage-ios"]) == 41
    after = json.loads((tmp_output / "manifest.json").read_text())
    assert [e["id"] for e in after["sources"]] == ["jmessage-android", "jmessage-ios"]
    assert after["sources"][0] == before["sources"][0]
    assert after["sources"][1]["status"] == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--only", "web"],
            "--only: unknown source id(s) web; known ids are "
            + ", ".join(sorted(source.id for source in CATALOG)),
        ),
        (
            ["--only", "jmessage-ios", "--out", "{empty}"],
            "--only: cannot keep the records of "
            + ", ".join(
                source.id for source in CATALOG if source.enabled and source.id != "jmessage-ios"
            )
            + " from the previous dataset "
            "({empty}/errorcodes.json: dataset file not found); run a full build first",
        ),
        (
            ["--read-timeout", "5", "--retries", "1"],
            "--read-timeout, --retries only apply to a live refresh; add --remote",
        ),
        (
            ["--remote", "--cache", "c", "--no-cache"],
            "--cache and --no-cache contradict each other; give one of them",
        ),
    ],
    ids=["unknown-only-id", "only-without-previous-build", "tuning-without-remote", "cache-clash"],
)
def test_option_errors_exit_2(
    run_cli: Run, tmp_path: Path, httpx_mock: HTTPXMock, args: list[str], message: str
) -> None:
    empty = tmp_path / "empty"
    result = run_cli("build", *(arg.replace("{empty}", str(empty)) for arg in args))
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: " + message.replace("{empty}", str(empty))
    assert httpx_mock.get_requests() == []
    assert not empty.exists()


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--max-body-size", "5Q"], "not a size in bytes"),
        (["--read-timeout", "0"], "a timeout must be more than 0 seconds"),
        (["--retries", "-1"], "not a whole number >= 0"),
        (["--only", "ios,,android"], "expected source ids separated by commas"),
    ],
    ids=["size", "zero-timeout", "negative-retries", "empty-id"],
)
def test_bad_option_values_are_usage_errors(
    run_cli: Run, args: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli("build", "--remote", *args)
    assert caught.value.code == 2
    assert complaint in capsys.readouterr().err


def test_the_offline_build_never_imports_httpx(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from scraper.cli import main\n"
        f"code = main(['build', '--out', {str(tmp_path / 'out')!r}])\n"
        "print(code, 'httpx' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.strip() == "0 False", done.stderr
