"""`python -m scraper lookup`: by code, by Chinese and English text, filters, exit codes, --json.

Every test here runs with sockets disabled: a lookup must never touch the network.
"""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from scraper.consume import lookup as search
from scraper.model import SQLITE_NAME
from tests.conftest import PROJECT_ROOT, CliResult, snapshot
from tests.datasets import record, with_schema2_defaults, write_dataset

RunCli = Callable[..., CliResult]


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("lookup tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def seeds(seed_build: Path) -> Path:
    """The session's build of the seed pages (read only)."""
    return seed_build


@pytest.fixture(scope="module")
def shared_codes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small dataset in which code 1001 exists on two platforms and two sdks."""
    return write_dataset(
        tmp_path_factory.mktemp("shared") / "data",
        [
            record("ios", "JMessage", 1001, "Not logged in", "用户未登录"),
            record("android", "JMessage", 1001, "not logged in.", "尚未登录"),
            record("ios", "JMRTC", 1001, "login required", "需要登录"),
            record("android", "JMessage", 1002, "Timeout", "网络超时"),
        ],
    )


def _codes(result: CliResult) -> list[tuple[str, str, int]]:
    return [(row["platform"], row["sdk"], row["code"]) for row in json.loads(result.stdout)]


def test_a_code_prints_every_entry_with_it(run_cli: RunCli, shared_codes: Path) -> None:
    result = run_cli("lookup", "1001", "--data", shared_codes)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "1001  android/JMessage\n"
        "  message:     not logged in.\n"
        "  description: 尚未登录\n"
        "  section:     JMessage android\n"
        "  url:         https://example.com/android/\n"
        "\n"
        "1001  ios/JMRTC\n"
        "  message:     login required\n"
        "  description: 需要登录\n"
        "  section:     JMRTC ios\n"
        "  url:         https://example.com/ios/\n"
        "\n"
        "1001  ios/JMessage\n"
        "  message:     Not logged in\n"
        "  description: 用户未登录\n"
        "  section:     JMessage ios\n"
        "  url:         https://example.com/ios/\n"
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("871102", [("android", "JMessage", 871102)]),
        ("0", [("android", "JMessage", 0)]),
        ("+871102", [("android", "JMessage", 871102)]),
        # Three or more characters: the trigram full-text index.
        ("登录状态", [("ios", "JMRTC", 871005), ("ios", "JMessage", 863004)]),
        # Two characters: too short for trigrams, found with LIKE.
        (
            "登录",
            [
                ("android", "JMessage", 871300),
                ("ios", "JMRTC", 871004),
                ("ios", "JMRTC", 871005),
                ("ios", "JMessage", 863004),
                ("ios", "JMessage", 863006),
            ],
        ),
        # English, in any case: "Login" and "login" on the page.
        (
            "LOGIN",
            [
                ("ios", "JMRTC", 871004),
                ("ios", "JMRTC", 871005),
                ("ios", "JMessage", 863004),
                ("ios", "JMessage", 863006),
            ],
        ),
        # Every word must match, each anywhere in the message or the description.
        ("state login", [("ios", "JMessage", 863004)]),
        ("login 异常", [("ios", "JMRTC", 871005)]),
        ("%@", [("ios", "JMRTC", 871002)]),
        ("currtent", [("ios", "JMRTC", 871005)]),
    ],
    ids=[
        "code",
        "code-zero",
        "code-with-plus",
        "chinese-trigram",
        "chinese-two-chars",
        "english-any-case",
        "two-words",
        "mixed-short-and-long",
        "placeholder",
        "typo-kept",
    ],
)
def test_lookup_in_the_seed_dataset(
    run_cli: RunCli, seeds: Path, query: str, expected: list[tuple[str, str, int]]
) -> None:
    result = run_cli("lookup", query, "--data", seeds, "--json")
    assert result.exit_code == 0, result.stderr
    assert _codes(result) == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--platform", "ios"], [("ios", "JMRTC", 1001), ("ios", "JMessage", 1001)]),
        (["--platform", "IOS"], [("ios", "JMRTC", 1001), ("ios", "JMessage", 1001)]),
        (["--sdk", "jmrtc"], [("ios", "JMRTC", 1001)]),
        (["--platform", "ios", "--sdk", "JMessage"], [("ios", "JMessage", 1001)]),
    ],
    ids=["platform", "platform-any-case", "sdk-any-case", "both"],
)
def test_filters(
    run_cli: RunCli, shared_codes: Path, options: list[str], expected: list[tuple[str, str, int]]
) -> None:
    result = run_cli("lookup", "1001", "--data", shared_codes, "--json", *options)
    assert result.exit_code == 0
    assert _codes(result) == expected


def test_filters_apply_to_text_search(run_cli: RunCli, shared_codes: Path) -> None:
    result = run_cli("lookup", "登录", "--platform", "android", "--data", shared_codes, "--json")
    assert _codes(result) == [("android", "JMessage", 1001)]


def test_a_negative_code_needs_no_double_dash(run_cli: RunCli, tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", [record(code=-1, message="Unknown error")])
    result = run_cli("lookup", "-1", "--data", data, "--json")
    assert result.exit_code == 0
    assert _codes(result) == [("ios", "JMessage", -1)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["871102", "--platform", "ios"],
            "no entry matches '871102' (platform ios) in {dataset}; android/JMessage has it: "
            "try --platform android\n",
        ),
        (["123456"], "no entry matches '123456' in {dataset}\n"),
        (["99999999999999999999999"], "no entry matches '99999999999999999999999' in {dataset}\n"),
        (["no such words"], "no entry matches 'no such words' in {dataset}\n"),
        (['a"b OR c*'], "no entry matches 'a\"b OR c*' in {dataset}\n"),
        (
            ["871102", "--platform", "andriod"],
            "no entry matches '871102' (platform andriod) in {dataset}; the dataset has no "
            "platform 'andriod' (it has android, ios); android/JMessage has it: "
            "try --platform android\n",
        ),
        (
            ["871102", "--sdk", "JPush"],
            "no entry matches '871102' (sdk JPush) in {dataset}; the dataset has no sdk 'JPush' "
            "(it has JMRTC, JMessage); android/JMessage has it: try --sdk JMessage\n",
        ),
    ],
    ids=[
        "filtered-out",
        "unknown-code",
        "code-beyond-64-bits",
        "unknown-words",
        "query-syntax-is-text",
        "unknown-platform",
        "unknown-sdk",
    ],
)
def test_no_match_exits_1(run_cli: RunCli, seeds: Path, args: list[str], message: str) -> None:
    result = run_cli("lookup", *args, "--data", seeds)
    expected = message.replace("{dataset}", str(seeds / SQLITE_NAME))
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected)


def test_no_match_with_json_prints_an_empty_list(run_cli: RunCli, seeds: Path) -> None:
    result = run_cli("lookup", "123456", "--json", "--data", seeds)
    assert result.exit_code == 1
    assert json.loads(result.stdout) == []


def test_json_output_is_the_dataset_records(run_cli: RunCli, seeds: Path) -> None:
    result = run_cli("lookup", "871102", "--json", "--data", seeds)
    assert json.loads(result.stdout) == [
        with_schema2_defaults(
            {
                "platform": "android",
                "sdk": "JMessage",
                "code": 871102,
                "message": "Request failed.please check your network connection.",
                "description": "请求失败，请检查网络",
                "section": "JMessage Android",
                "source": "jmessage-android",
                "url": "https://docs.jiguang.cn/jmessage/client/im_errorcode_android/#jmessage-android",
            }
        )
    ]
    assert "请求失败" in result.stdout  # not \u-escaped


def test_json_output_keeps_the_extra_columns_as_an_object(run_cli: RunCli, tmp_path: Path) -> None:
    stated = replace(
        record("server", "JPush", 1011, "cannot find user", "找不到用户"),
        http_status=400,
        extra={"备注": "见文档", "column 4": "x"},
    )
    data = write_dataset(tmp_path / "data", [stated])
    result = run_cli("lookup", "1011", "--json", "--data", data)
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [stated.as_dict()]


def _not_sqlite(folder: Path) -> None:
    (folder / SQLITE_NAME).write_bytes(b"this is not a database, just some bytes" * 50)


def _no_table(folder: Path) -> None:
    connection = sqlite3.connect(folder / SQLITE_NAME)
    with connection:
        connection.execute("CREATE TABLE other (x)")
    connection.close()


def _version_3(folder: Path) -> None:
    write_dataset(folder, [record()])
    connection = sqlite3.connect(folder / SQLITE_NAME)
    with connection:
        connection.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    connection.close()


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (
            lambda folder: None,
            "dataset file not found; build it with `python -m scraper build`, or pass "
            "--data DIR with the folder that holds errorcodes.sqlite",
        ),
        (
            _not_sqlite,
            "not a readable error-code dataset (file is not a database); rebuild it with "
            "`python -m scraper build`",
        ),
        (
            _no_table,
            "not a readable error-code dataset (no such table: meta); rebuild it with "
            "`python -m scraper build`",
        ),
        (
            _version_3,
            "unknown schema_version '3'; this tool reads version 2: rebuild the dataset or "
            "use a matching version of this tool",
        ),
    ],
    ids=["missing", "not-sqlite", "not-a-dataset", "other-schema-version"],
)
def test_an_unusable_dataset_exits_2(
    run_cli: RunCli, tmp_path: Path, prepare: Callable[[Path], None], message: str
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    prepare(folder)
    result = run_cli("lookup", "871102", "--data", folder)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {folder / SQLITE_NAME}: {message}\n"


def test_a_missing_dataset_is_not_created(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("lookup", "871102", "--data", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert not (tmp_path / "nowhere").exists()


def test_an_empty_query_is_a_usage_error(run_cli: RunCli, seeds: Path) -> None:
    result = run_cli("lookup", "  ", "--data", seeds)
    assert (result.exit_code, result.stderr) == (
        2,
        "error: lookup: the query is empty; give an error code (871302) or a word\n",
    )


def test_data_may_name_the_sqlite_file(run_cli: RunCli, seeds: Path) -> None:
    result = run_cli("lookup", "871102", "--json", "--data", seeds / SQLITE_NAME)
    assert _codes(result) == [("android", "JMessage", 871102)]


def test_default_is_the_project_dataset_wherever_it_runs(
    run_cli: RunCli, seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "DEFAULT_DATA_DIR", seeds)
    monkeypatch.chdir(tmp_path)
    result = run_cli("lookup", "871102", "--json")
    assert _codes(result) == [("android", "JMessage", 871102)]


def test_lookup_changes_nothing(run_cli: RunCli, seeds: Path) -> None:
    before = snapshot(seeds)
    assert run_cli("lookup", "登录状态", "--data", seeds).exit_code == 0
    assert snapshot(seeds) == before


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (
            ["1001", "--platform", "web"],
            "android/JMessage, ios/JMRTC, ios/JMessage have it: try --platform android or "
            "--platform ios",
        ),
        (["1001", "--sdk", "JMRTC", "--platform", "android"], "try --sdk JMessage or "),
        (["登录", "--platform", "web"], "have matches: try --platform android"),
    ],
    ids=["several-platforms", "both-filters", "text"],
)
def test_no_match_under_filters_says_where_the_entries_are(
    run_cli: RunCli, shared_codes: Path, args: list[str], hint: str
) -> None:
    result = run_cli("lookup", *args, "--data", shared_codes)
    assert result.exit_code == 1
    assert hint in result.stderr


@pytest.mark.parametrize(
    ("code", "source"),
    [("899070", "jmessage-server"), ("898001", "jmessage-server"), ("880001", "jmessage-web")],
    ids=["server", "server-898", "web"],
)
def test_a_code_of_an_opt_in_source_says_how_to_include_it(
    run_cli: RunCli, seeds: Path, code: str, source: str
) -> None:
    result = run_cli("lookup", code, "--data", seeds)
    assert result.exit_code == 1
    pattern = "89xxxx" if source == "jmessage-server" else "88xxxx"
    assert result.stderr == (
        f"no entry matches '{code}' in {seeds / SQLITE_NAME}; {code} looks like a code of the "
        f"{source} page ({pattern}), which this dataset leaves out: build with "
        f"`build --remote --include {source}`, then look it up again\n"
    )


def test_no_hint_once_the_dataset_has_that_source(run_cli: RunCli, tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", [record("server", "JMessage", 899001, "x", "y")])
    result = run_cli("lookup", "899070", "--data", data)
    assert result.stderr == f"no entry matches '899070' in {data / SQLITE_NAME}\n"


def test_the_opt_in_sources_are_catalog_sources_the_seed_build_leaves_out() -> None:
    from scraper.sources.catalog import CATALOG, SEED_SOURCES

    catalog = {source.id: source.platform for source in CATALOG}
    seeds = {source.id for source in SEED_SOURCES}
    assert [(source.id, source.platform) for source in search.OPT_IN_SOURCES] == [
        ("jmessage-server", catalog["jmessage-server"]),
        ("jmessage-web", catalog["jmessage-web"]),
    ]
    assert not seeds & {source.id for source in search.OPT_IN_SOURCES}


@pytest.mark.parametrize("name", ["errorcodes.json", "manifest.json", "index.html"])
def test_data_may_name_any_file_of_the_dataset_folder(
    run_cli: RunCli, seeds: Path, name: str
) -> None:
    result = run_cli("lookup", "871102", "--json", "--data", seeds / name)
    assert (result.exit_code, result.stderr) == (0, "")
    assert _codes(result) == [("android", "JMessage", 871102)]


def test_the_first_digits_of_a_code_find_the_codes_they_begin(run_cli: RunCli, seeds: Path) -> None:
    result = run_cli("lookup", "87130", "--json", "--data", seeds)
    assert result.exit_code == 0
    assert [code for _platform, _sdk, code in _codes(result)] == list(range(871300, 871310))


def test_a_code_that_exists_is_not_widened_to_the_codes_it_begins(
    run_cli: RunCli, tmp_path: Path
) -> None:
    data = write_dataset(tmp_path / "data", [record(code=1), record(code=10), record(code=11)])
    assert [code for *_key, code in _codes(run_cli("lookup", "1", "--json", "--data", data))] == [1]


@pytest.mark.parametrize(
    ("query", "written"),
    [("登陆", "登录"), ("未登陆", "未登录"), ("帐号", "账号")],
    ids=["short word", "trigram word", "another group"],
)
def test_a_variant_spelling_finds_the_one_the_page_uses(
    run_cli: RunCli, tmp_path: Path, query: str, written: str
) -> None:
    data = write_dataset(
        tmp_path / "data",
        [record(code=1, description=f"用户{written}失败"), record(code=2, description="其他")],
    )
    result = run_cli("lookup", query, "--json", "--data", data)
    assert (result.exit_code, _codes(result)) == (0, [("ios", "JMessage", 1)])


def test_several_codes_are_each_looked_up(run_cli: RunCli, seeds: Path) -> None:
    result = run_cli("lookup", "871302", "871303", "--json", "--data", seeds)
    assert (result.exit_code, result.stderr) == (0, "")
    assert _codes(result) == [("android", "JMessage", 871302), ("android", "JMessage", 871303)]


def test_a_code_among_several_that_matches_nothing_is_named(run_cli: RunCli, seeds: Path) -> None:
    result = run_cli("lookup", "871302", "123456", "--json", "--data", seeds)
    assert result.exit_code == 0
    assert _codes(result) == [("android", "JMessage", 871302)]
    assert result.stderr == f"no entry matches '123456' in {seeds / SQLITE_NAME}\n"


def test_words_given_apart_are_one_text(run_cli: RunCli, shared_codes: Path) -> None:
    apart = run_cli("lookup", "login", "需要", "--json", "--data", shared_codes)
    together = run_cli("lookup", "login 需要", "--json", "--data", shared_codes)
    assert _codes(apart) == _codes(together) == [("ios", "JMRTC", 1001)]


def test_control_characters_are_escaped_in_text_output_but_exact_in_json(
    run_cli: RunCli, tmp_path: Path
) -> None:
    forged = "ok\x1b[2J\r::error::forged"
    data = write_dataset(tmp_path / "data", [record(code=7, message=forged)])
    text = run_cli("lookup", "7", "--data", data)
    assert "  message:     ok\\x1b[2J\\r::error::forged\n" in text.stdout
    assert "\x1b" not in text.stdout
    assert "\r" not in text.stdout
    as_json = run_cli("lookup", "7", "--json", "--data", data)
    assert json.loads(as_json.stdout)[0]["message"] == forged


RECURSIVE_VIEW = """
CREATE TABLE meta (key TEXT, value TEXT);
INSERT INTO meta VALUES ('schema_version', '2');
CREATE VIEW error_codes AS
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
    SELECT 'JMessage' AS product, 'ios' AS platform, 'JMessage' AS sdk, i AS code,
        CAST(i AS TEXT) AS code_text, 1 AS occurrence, '' AS name, '' AS message,
        '' AS description, '' AS detail, '' AS advice, NULL AS http_status, '{}' AS extra,
        '' AS section, 'ios' AS source, '' AS url FROM n;
"""


def _crafted(folder: Path, script: str) -> Path:
    folder.mkdir()
    connection = sqlite3.connect(folder / SQLITE_NAME)
    connection.executescript(script)
    connection.commit()
    connection.close()
    return folder


def test_a_dataset_that_reads_forever_stops_at_the_deadline(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _crafted(tmp_path / "data", RECURSIVE_VIEW)
    monkeypatch.setattr(search, "READ_DEADLINE", 0.5)
    result = run_cli("lookup", "871302", "--data", data)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: {data / SQLITE_NAME}: reading it took more than 0.5 s, which the dataset never "
        "needs, so it is not one this tool wrote; rebuild it with `python -m scraper build`\n"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [
        (signal.SIGINT, 130, "interrupted: stopped, nothing was written"),
        (signal.SIGTERM, 143, "terminated: stopped, nothing was written"),
    ],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_signal_stops_a_lookup_that_reads_forever(
    tmp_path: Path, signum: int, code: int, line: str
) -> None:
    data = _crafted(tmp_path / "data", RECURSIVE_VIEW)
    process = subprocess.Popen(
        [sys.executable, "-m", "scraper", "lookup", "871302", "--data", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
    )
    time.sleep(1.5)  # well inside the query, well before the 10 s deadline
    started = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - started < 3
    assert (process.returncode, stderr) == (code, line + "\n")


# A schema 2 table without its column types, so that any value fits: the row's schema 1
# fields are given, the others filled in as a build writes them.
UNCHECKED_TABLE = """
CREATE TABLE meta (key TEXT, value TEXT);
INSERT INTO meta VALUES ('schema_version', '2');
CREATE TABLE error_codes (platform, sdk, code, message, description, section, source, url,
    product DEFAULT 'JMessage', code_text DEFAULT '871302', occurrence DEFAULT 1,
    name DEFAULT '', detail DEFAULT '', advice DEFAULT '', http_status DEFAULT NULL,
    extra DEFAULT '{{}}');
INSERT INTO error_codes (platform, sdk, code, message, description, section, source, url)
    VALUES ({row});
"""


@pytest.mark.parametrize(
    ("row", "args", "problem"),
    [
        (
            "'ios', 'JMessage', 871302, CAST('x' AS BLOB), '', '', 'ios', ''",
            ["871302", "--json"],
            "an entry's message is a bytes value, where the dataset has a string",
        ),
        (
            "NULL, 'JMessage', 871302, 'x', '', '', 'ios', ''",
            ["871302", "--platform", "ios"],
            "an entry's platform is NULL, where the dataset has a string",
        ),
        (
            "'ios', 'JMessage', '871302x', 'x', '', '', 'ios', ''",
            ["871302"],
            "an entry's code is a str value, where the dataset has an integer",
        ),
    ],
    ids=["BLOB message", "NULL platform", "text code"],
)
def test_a_value_of_the_wrong_type_in_the_sqlite_file_is_exit_2_naming_it(
    run_cli: RunCli, tmp_path: Path, row: str, args: list[str], problem: str
) -> None:
    data = _crafted(tmp_path / "data", UNCHECKED_TABLE.format(row=row))
    result = run_cli("lookup", *args, "--data", data)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: {data / SQLITE_NAME}: not a dataset this tool wrote: {problem}; rebuild it "
        "with `python -m scraper build`\n"
    )


def test_product_narrows_the_entries_and_a_miss_names_the_products_that_have_it(
    run_cli: RunCli, tmp_path: Path
) -> None:
    from dataclasses import replace

    jpush = replace(record(code=1011, message="no target"), product="JPush", sdk="JPush")
    jsms = replace(record(code=1011, message="bad sign"), product="JSMS", sdk="JSMS")
    data = write_dataset(tmp_path / "data", [jpush, jsms])
    found = run_cli("lookup", "1011", "--product", "jsms", "--json", "--data", data)
    assert (found.exit_code, [r["product"] for r in json.loads(found.stdout)]) == (0, ["JSMS"])
    missed = run_cli("lookup", "1011", "--product", "JIoT", "--data", data)
    assert missed.exit_code == 1
    assert missed.stderr == (
        f"no entry matches '1011' (product JIoT) in {data / SQLITE_NAME}; the dataset has no "
        "product 'JIoT' (it has JPush, JSMS); ios/JPush, ios/JSMS have it: try --product JPush "
        "or --product JSMS\n"
    )
