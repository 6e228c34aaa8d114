"""The dataset's change log: dated plain-words entries, newest first, never repeated."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from scraper.publish.changelog import PREAMBLE, add_entry, entry
from scraper.publish.diff import compare
from tests.datasets import jmessage_record

LOGIN = jmessage_record(
    "ios", "JMessage", 863004, "Not logged in", "未登录", "S", "jmessage-ios", "u"
)
RTC = jmessage_record(
    "ios", "JMRTC", 871002, "the %@ operation", "当前状态", "R", "jmessage-ios", "u"
)
DAY = date(2025, 3, 1)


def test_an_entry_has_a_dated_heading_in_plain_words_and_lists_the_codes() -> None:
    diff = compare([LOGIN], [replace(LOGIN, message="Please log in"), RTC])
    assert entry(diff, DAY) == (
        "## 2025-03-01: 1 code added, 1 code changed\n"
        "\n"
        "Added (1):\n"
        "\n"
        '- jmessage-ios/ios/JMRTC/871002: "the %@ operation" / "当前状态"\n'
        "\n"
        "Changed (1):\n"
        "\n"
        '- jmessage-ios/ios/JMessage/863004: message "Not logged in" → "Please log in"\n'
    )


def test_the_first_entry_counts_codes_instead_of_listing_them() -> None:
    android = replace(LOGIN, platform="android")
    diff = compare([], [LOGIN, RTC, android])
    assert entry(diff, DAY, first=True) == (
        "## 2025-03-01: first version, 3 codes\n"
        "\n"
        "The dataset starts with 3 codes: android/JMessage 1, ios/JMRTC 1, ios/JMessage 1.\n"
    )


def test_a_long_entry_lists_fifty_codes_per_kind_and_counts_the_rest() -> None:
    records = [replace(RTC, code=code, code_text=str(code)) for code in range(60)]
    text = entry(compare([], records), DAY)
    assert text.startswith("## 2025-03-01: 60 codes added\n\nAdded (60):\n\n")
    assert text.count("\n- jmessage-ios/ios/JMRTC/") == 50
    assert text.endswith(
        '- jmessage-ios/ios/JMRTC/49: "the %@ operation" / "当前状态"\n- … and 10 more\n'
    )


ONE = "## 2025-03-01: 1 code added\n\nAdded (1):\n\n- jmessage-ios/ios/JMRTC/871002: x\n"
TWO = "## 2025-03-02: 1 code removed\n\nRemoved (1):\n\n- jmessage-ios/ios/JMRTC/871002: x\n"


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        (None, f"{PREAMBLE}\n{TWO}"),
        ("", f"{PREAMBLE}\n{TWO}"),
        (f"{PREAMBLE}\n{ONE}", f"{PREAMBLE}\n{TWO}\n{ONE}"),
        ("# My log\n\nSome words.\n", f"# My log\n\nSome words.\n\n{TWO}"),
        (
            f"{PREAMBLE}\n{TWO.replace('2025-03-02', '2025-03-01')}\n{ONE}",
            f"{PREAMBLE}\n{TWO}\n{ONE}",
        ),
    ],
    ids=["no-file", "empty-file", "on-top", "no-entries-yet", "same-entry-redone-replaces"],
)
def test_add_entry_puts_the_new_entry_on_top_below_the_preamble(
    existing: str | None, expected: str
) -> None:
    assert add_entry(existing, TWO) == expected


def test_a_different_entry_on_another_day_is_not_replaced() -> None:
    log = add_entry(add_entry(None, ONE), TWO)
    assert log.count("## 2025-") == 2
    assert log.index("2025-03-02") < log.index("2025-03-01")


@pytest.mark.parametrize(
    ("text", "inert"),
    [
        ("Fixes #12", "Fixes ＃12"),
        ("see owner/repo#3", "see owner/repo＃3"),
        ("GH-4 and gh-5", "GH－4 and gh－5"),
        ("`@octocat` cc @team-a", "`＠octocat` cc ＠team-a"),
        ("## heading, # 1, C#, a-GH-4", "## heading, # 1, C#, a-GH-4"),
    ],
    ids=["issue", "cross-repo", "gh", "mention", "left-alone"],
)
def test_references_and_mentions_are_made_inert(text: str, inert: str) -> None:
    from scraper.publish.changelog import neutralise_references

    assert neutralise_references(text) == inert


def test_an_entry_cannot_close_issues_or_ping_people() -> None:
    from scraper.publish.diff import Diff
    from tests.datasets import record

    added = record(code=5, message="Fixes #1 ... @octocat owner/repo#3 GH-4")
    text = entry(Diff([added], [], []), date(2025, 3, 1))
    assert "Fixes ＃1 ... ＠octocat owner/repo＃3 GH－4" in text
    assert not re.search(r"#\d|@\w|GH-\d", text)


def test_an_entry_escapes_only_what_markdown_needs() -> None:
    before = jmessage_record("ios", "JMessage", 1, "It's an error", "", "", "jmessage-ios", "")
    after = replace(before, message='It\'s a "new" *error*')
    text = entry(compare([before], [after]), date(2025, 3, 1))
    assert '→ "It\'s a "new" \\*error\\*"' in text
    assert '\\"' not in text
