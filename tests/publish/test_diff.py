"""The diff engine (`compare`), its renderings, and the `diff` command."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.errors import DatasetError
from scraper.files import sha256_file
from scraper.model import Record
from scraper.publish.diff import (
    Changed,
    Diff,
    FieldChange,
    compare,
    diff_document,
    in_words,
    markdown_escape,
    render_markdown,
    render_text,
    summary,
)
from scraper.publish.formats import render_json
from tests.conftest import CliResult
from tests.datasets import jmessage_record

Run = Callable[..., CliResult]

SUCCESS = jmessage_record(
    "android", "JMessage", 0, "Success", "成功", "JMessage Android", "jmessage-android", "u#a"
)
LOGIN = jmessage_record(
    "ios", "JMessage", 863004, "User is not at Login state", "未登录", "S", "jmessage-ios", "u"
)
RTC = jmessage_record(
    "ios", "JMRTC", 871002, "the %@ operation", "当前状态", "JMRTC iOS", "jmessage-ios", "u#r"
)
PARAMS = jmessage_record(
    "ios", "JMRTC", 871003, "parameter error", "参数错误", "JMRTC iOS", "jmessage-ios", "u#r"
)


def test_equal_versions_give_an_empty_diff_with_every_list() -> None:
    diff = compare([SUCCESS, LOGIN], [LOGIN, SUCCESS])
    assert diff == Diff(added=[], removed=[], changed=[])
    assert diff.is_empty
    assert summary(diff) == "+0 added, -0 removed, ~0 changed"


def test_two_empty_versions_are_equal() -> None:
    assert compare([], []) == Diff([], [], [])


def test_added_removed_and_changed_are_sorted_by_key() -> None:
    reworded = replace(LOGIN, message="User is not logged in")
    diff = compare([PARAMS, LOGIN, SUCCESS], [reworded, RTC])
    assert diff.added == [RTC]
    assert diff.removed == [SUCCESS, PARAMS]
    assert diff.changed == [
        Changed(
            ("jmessage-ios", "ios", "JMessage", "863004", 1),
            {"message": FieldChange("User is not at Login state", "User is not logged in")},
            863004,
        )
    ]
    assert summary(diff) == "+1 added, -2 removed, ~1 changed"


def test_changed_lists_only_the_fields_that_changed_in_field_order() -> None:
    moved = replace(RTC, url="u#new", section="JMRTC iOS SDK", description="当前状态 ")
    [change] = compare([RTC], [moved]).changed
    assert list(change.changes) == ["description", "section", "url"]
    assert change.changes["url"] == FieldChange("u#r", "u#new")


def test_the_same_code_on_two_platforms_is_two_keys() -> None:
    android = replace(LOGIN, platform="android")
    diff = compare([LOGIN], [LOGIN, android])
    assert diff.added == [android]
    assert diff.changed == []


def test_a_code_on_a_second_row_or_in_another_source_is_another_key() -> None:
    again = replace(LOGIN, occurrence=2, message="User is not logged in")
    elsewhere = replace(LOGIN, source="jmessage-web")
    diff = compare([LOGIN], [LOGIN, again, elsewhere])
    assert diff.added == [again, elsewhere]
    assert diff.changed == []
    assert render_text(diff).splitlines()[1:] == [
        '+ jmessage-ios/ios/JMessage/863004 (2): "User is not logged in" / "未登录"',
        '+ jmessage-web/ios/JMessage/863004: "User is not at Login state" / "未登录"',
    ]


@pytest.mark.parametrize(
    ("previous", "current", "message"),
    [
        (
            [LOGIN, LOGIN],
            [],
            "old.json: key jmessage-ios/ios/JMessage/863004 appears more than once; "
            "a dataset holds one record per (source, platform, sdk, code_text, occurrence)",
        ),
        (
            [],
            [RTC, replace(RTC, message="other")],
            "new.json: key jmessage-ios/ios/JMRTC/871002 appears more than once; "
            "a dataset holds one record per (source, platform, sdk, code_text, occurrence)",
        ),
    ],
    ids=["in-previous", "in-current"],
)
def test_a_repeated_key_is_an_error_not_a_silent_collapse(
    previous: list[Record], current: list[Record], message: str
) -> None:
    with pytest.raises(DatasetError) as caught:
        compare(previous, current, names=("old.json", "new.json"))
    assert str(caught.value) == message
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("diff", "words"),
    [
        (Diff([], [], []), "no change"),
        (Diff([RTC], [], []), "1 code added"),
        (Diff([RTC, PARAMS], [LOGIN], []), "2 codes added, 1 code removed"),
        (Diff([], [], [Changed(LOGIN.key, {})] * 3), "3 codes changed"),
    ],
    ids=["none", "one-added", "added-and-removed", "changed-only"],
)
def test_plain_words_leave_out_what_did_not_happen(diff: Diff, words: str) -> None:
    assert in_words(diff) == words


def _example() -> Diff:
    return compare([SUCCESS, LOGIN], [replace(LOGIN, message='Not "logged" in'), RTC])


def test_text_rendering_has_the_summary_then_one_line_per_key() -> None:
    assert render_text(_example()) == (
        "+1 added, -1 removed, ~1 changed\n"
        '+ jmessage-ios/ios/JMRTC/871002: "the %@ operation" / "当前状态"\n'
        '- jmessage-android/android/JMessage/0: "Success" / "成功"\n'
        '~ jmessage-ios/ios/JMessage/863004: message "User is not at Login state" -> '
        '"Not \\"logged\\" in"\n'
    )


def test_markdown_rendering_groups_by_kind_and_escapes_markup() -> None:
    diff = compare([], [replace(RTC, message="a *b* <c> [d]|e_f")])
    assert render_markdown(_example()) == (
        "Added (1):\n\n"
        '- jmessage-ios/ios/JMRTC/871002: "the %@ operation" / "当前状态"\n\n'
        "Removed (1):\n\n"
        '- jmessage-android/android/JMessage/0: "Success" / "成功"\n\n'
        "Changed (1):\n\n"
        '- jmessage-ios/ios/JMessage/863004: message "User is not at Login state" → '
        '"Not "logged" in"\n'
    )
    assert render_markdown(diff) == (
        "Added (1):\n\n"
        '- jmessage-ios/ios/JMRTC/871002: "a \\*b\\* \\<c\\> \\[d\\]\\|e\\_f" / "当前状态"\n'
    )
    assert render_markdown(Diff([], [], [])) == "No change.\n"


def test_markdown_limit_counts_what_it_leaves_out() -> None:
    records = [replace(RTC, code=code, code_text=str(code)) for code in range(5)]
    text = render_markdown(compare([], records), limit=2)
    assert text == (
        "Added (5):\n\n"
        '- jmessage-ios/ios/JMRTC/0: "the %@ operation" / "当前状态"\n'
        '- jmessage-ios/ios/JMRTC/1: "the %@ operation" / "当前状态"\n'
        "- … and 3 more\n"
    )


def test_markdown_escape_keeps_plain_text() -> None:
    assert markdown_escape("请求参数不合法 %@ (x).") == "请求参数不合法 %@ (x)."


def test_diff_document_has_the_documented_shape() -> None:
    document = diff_document(_example(), "a" * 64, "b" * 64)
    assert list(document) == ["schema_version", "from", "to", "added", "removed", "changed"]
    assert document["schema_version"] == 2
    assert (document["from"], document["to"]) == ("a" * 64, "b" * 64)
    assert document["added"] == [RTC.as_dict()]
    assert document["removed"] == [SUCCESS.as_dict()]
    assert document["changed"] == [
        {
            "key": {
                "source": "jmessage-ios",
                "platform": "ios",
                "sdk": "JMessage",
                "code_text": "863004",
                "occurrence": 1,
            },
            "changes": {"message": {"old": "User is not at Login state", "new": 'Not "logged" in'}},
        }
    ]


def _apply(previous: list[Record], diff: Diff) -> list[Record]:
    """Replay a diff on the previous version; must give the current version back."""
    by_key = {record.key: record for record in previous}
    for record in diff.removed:
        del by_key[record.key]
    for record in diff.added:
        by_key[record.key] = record
    for change in diff.changed:
        values = {name: values.new for name, values in change.changes.items()}
        by_key[change.key] = replace(by_key[change.key], **values)
    return _sorted(by_key.values())


def _sorted(records: Iterable[Record]) -> list[Record]:
    return sorted(records, key=lambda record: record.order)


_records = st.lists(
    st.builds(
        lambda code, **fields: Record(code=code, code_text=str(code), **fields),
        product=st.just("JMessage"),
        platform=st.sampled_from(["ios", "android"]),
        sdk=st.sampled_from(["JMessage", "JMRTC"]),
        code=st.integers(-2, 6),
        occurrence=st.integers(1, 2),
        message=st.sampled_from(["", "a", "b"]),
        description=st.sampled_from(["", "说明"]),
        advice=st.sampled_from(["", "重试"]),
        http_status=st.sampled_from([None, 400]),
        extra=st.sampled_from([{}, {"备注": "x"}]),
        section=st.sampled_from(["S", "T"]),
        source=st.sampled_from(["jmessage-ios", "jmessage-android"]),
        url=st.sampled_from(["u", "u#x"]),
    ),
    max_size=12,
    unique_by=lambda record: record.key,
)


@given(previous=_records, current=_records)
def test_replaying_the_diff_gives_the_current_version(
    previous: list[Record], current: list[Record]
) -> None:
    diff = compare(previous, current)
    assert _apply(previous, diff) == _sorted(current)
    assert diff.is_empty == (_sorted(previous) == _sorted(current))


# The `diff` command.


@pytest.fixture
def datasets(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_bytes(render_json([SUCCESS, LOGIN]))
    new.write_bytes(render_json([replace(LOGIN, message='Not "logged" in'), RTC]))
    return old, new


def test_diff_command_exits_0_and_says_so_for_equal_files(
    run_cli: Run, datasets: tuple[Path, Path]
) -> None:
    old, _ = datasets
    result = run_cli("diff", old, old)
    assert result.exit_code == 0
    assert result.stdout == "+0 added, -0 removed, ~0 changed\n"
    assert result.stderr == ""


def test_diff_command_exits_1_and_prints_text_for_different_files(
    run_cli: Run, datasets: tuple[Path, Path]
) -> None:
    result = run_cli("diff", *datasets)
    assert result.exit_code == 1
    assert result.stdout == render_text(_example())


def test_diff_command_markdown_has_a_bold_summary(
    run_cli: Run, datasets: tuple[Path, Path]
) -> None:
    result = run_cli("diff", *datasets, "--format", "markdown")
    assert result.exit_code == 1
    assert result.stdout.startswith("**+1 added, -1 removed, \\~1 changed**\n\nAdded (1):\n")


def test_diff_command_json_is_the_diff_json_document(
    run_cli: Run, datasets: tuple[Path, Path]
) -> None:
    old, new = datasets
    result = run_cli("diff", old, new, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document == diff_document(_example(), sha256_file(old), sha256_file(new))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "dataset file not found"),
        (b"{not json", "not a dataset (invalid JSON: "),
        (b'{"schema_version": 1}', "not a dataset (expected an object with 'records')"),
        (
            b'{"schema_version": 3, "records": []}',
            "unknown schema_version 3; this tool reads version 2 (and version 1, which it "
            "upgrades)",
        ),
        (
            render_json([LOGIN, LOGIN]),
            "key jmessage-ios/ios/JMessage/863004 appears more than once",
        ),
    ],
    ids=["missing", "not-json", "no-records", "unknown-schema-version", "repeated-key"],
)
def test_diff_command_exits_2_on_bad_input_naming_the_file(
    run_cli: Run, datasets: tuple[Path, Path], tmp_path: Path, content: bytes | None, message: str
) -> None:
    old, _ = datasets
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_bytes(content)
    result = run_cli("diff", old, bad)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {bad}: {message}")
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_diff_command_rejects_an_unknown_format(run_cli: Run, datasets: tuple[Path, Path]) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli("diff", *datasets, "--format", "html")
    assert caught.value.code == 2


def test_markdown_keeps_quotes_as_written_and_shows_control_characters() -> None:
    before = jmessage_record("ios", "JMessage", 1, "It's an error", "", "", "jmessage-ios", "")
    after = replace(before, message='It\'s a "new" error', description="a\x07b")
    assert render_markdown(compare([before], [after])) == (
        "Changed (1):\n\n"
        '- jmessage-ios/ios/JMessage/1: message "It\'s an error" → "It\'s a "new" error"; '
        'description "" → "a\\\\u0007b"\n'
    )


def test_diff_command_refuses_a_device_without_reading_it(
    run_cli: Run, datasets: tuple[Path, Path]
) -> None:
    result = run_cli("diff", "/dev/zero", datasets[1])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: /dev/zero: not a file or a pipe (a device, a folder or a socket); give the path "
        "of an errorcodes.json\n"
    )


def test_diff_command_reads_a_pipe_up_to_the_size_cap(
    run_cli: Run, datasets: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scraper.publish.diff.MAX_DATASET_BYTES", 64)
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=lambda: _write_all(write_end, b" " * 10_000_000))
    writer.start()
    try:
        result = run_cli("diff", f"/dev/fd/{read_end}", datasets[1])
    finally:
        os.close(read_end)
        writer.join()
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: /dev/fd/{read_end}: more than the 64 bytes a dataset file may hold, so not an "
        "errorcodes.json this tool wrote\n"
    )


def _write_all(descriptor: int, data: bytes) -> None:
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
    except BrokenPipeError:
        pass  # the reader stopped at its cap, as it should


def test_diff_command_reads_a_dataset_from_a_pipe(
    run_cli: Run, datasets: tuple[Path, Path]
) -> None:
    old, new = datasets
    read_end, write_end = os.pipe()
    writer = threading.Thread(target=lambda: _write_all(write_end, old.read_bytes()))
    writer.start()
    try:
        result = run_cli("diff", f"/dev/fd/{read_end}", new)
    finally:
        os.close(read_end)
        writer.join()
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout.startswith("+1 added, -1 removed, ~1 changed\n")
