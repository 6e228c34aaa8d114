"""The publishing guard: which count changes refuse a build, and what the refusal says."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scraper.publish.guard import Shrink, check, count_by_source, refusal
from tests.conftest import CliResult
from tests.datasets import jmessage_record

Run = Callable[..., CliResult]


@pytest.mark.parametrize(
    ("before", "after", "max_shrink", "refused"),
    [
        ({"ios": 41}, {"ios": 41}, 0.2, []),
        ({"ios": 41}, {"ios": 50}, 0.2, []),
        ({"ios": 10}, {"ios": 9}, 0.2, []),
        ({"ios": 15}, {"ios": 12}, 0.2, []),
        ({"ios": 100}, {"ios": 71}, 0.29, []),
        ({"ios": 10}, {"ios": 7}, 0.2, [Shrink("ios", 10, 7)]),
        ({"ios": 41}, {"ios": 0}, 0.2, [Shrink("ios", 41, 0)]),
        ({"ios": 41, "android": 32}, {"ios": 41}, 0.2, [Shrink("android", 32, 0)]),
        ({"ios": 1}, {"ios": 0}, 1.0, [Shrink("ios", 1, 0)]),
        ({"ios": 10}, {"ios": 1}, 1.0, []),
        ({"ios": 10}, {"ios": 9}, 0.0, [Shrink("ios", 10, 9)]),
        ({}, {"ios": 41}, 0.2, []),
        ({"ios": 0}, {"ios": 0}, 0.2, []),
        (
            {"ios": 41, "android": 32},
            {"ios": 20, "android": 0},
            0.2,
            [Shrink("android", 32, 0), Shrink("ios", 41, 20)],
        ),
    ],
    ids=[
        "same",
        "grew",
        "lost-10pc",
        "lost-exactly-20pc",
        "lost-exactly-29pc-no-float-error",
        "lost-30pc",
        "now-zero",
        "source-missing",
        "zero-refused-even-at-max-1",
        "max-1-allows-any-loss-but-all",
        "max-0-refuses-any-loss",
        "new-source",
        "was-empty",
        "two-sources-sorted",
    ],
)
def test_check_reports_sources_that_shrank_too_much(
    before: dict[str, int], after: dict[str, int], max_shrink: float, refused: list[Shrink]
) -> None:
    assert check(before, after, max_shrink) == refused


@pytest.mark.parametrize(
    ("shrink", "text"),
    [
        (Shrink("ios", 41, 0), "source 'ios' now gives 0 records (previously 41)"),
        (
            Shrink("android", 32, 20),
            "source 'android' went from 32 to 20 records (-37.5%, more than the allowed 20%)",
        ),
    ],
    ids=["to-zero", "shrank"],
)
def test_a_shrink_names_the_source_and_both_counts(shrink: Shrink, text: str) -> None:
    assert shrink.describe(0.2) == text


def test_refusal_lists_every_source_and_says_what_to_try() -> None:
    message = refusal([Shrink("android", 32, 0), Shrink("ios", 41, 20)], 0.25)
    assert message == (
        "refusing to publish: source 'android' now gives 0 records (previously 32); "
        "source 'ios' went from 41 to 20 records (-51.2%, more than the allowed 25%). "
        "Nothing was written. The page layout may have changed: check the source, or pass "
        "--allow-shrink to publish this on purpose (or raise --max-shrink)"
    )


def test_count_by_source_counts_records_per_source() -> None:
    records = [
        jmessage_record("ios", "JMessage", code, "m", "d", "s", source, "u")
        for code, source in [(1, "ios"), (2, "ios"), (3, "extra")]
    ]
    assert count_by_source(records) == {"ios": 2, "extra": 1}
    assert count_by_source([]) == {}


@pytest.mark.parametrize(
    "value", ["1.5", "-0.1", "twenty", "nan"], ids=["above-1", "negative", "word", "nan"]
)
def test_max_shrink_must_be_a_fraction(
    run_cli: Run, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli("build", "--max-shrink", value)
    assert caught.value.code == 2
    assert (
        f"argument --max-shrink: expected a fraction from 0 to 1 (0.2 means 20%), got {value!r}"
        in capsys.readouterr().err
    )
