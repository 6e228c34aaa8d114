"""The reporter: progress lines, typed warnings, counters, and which kinds --strict judges."""

from __future__ import annotations

import pytest

from scraper.report import Finding, Kind, Reporter


def test_progress_and_warnings_are_written_as_they_come() -> None:
    lines: list[str] = []
    reporter = Reporter(lines.append)
    reporter("ios: 41 records")
    reporter.warn(Kind.CACHE, "ios: ignoring the cache entry x.json (bad JSON)")
    assert lines == ["ios: 41 records", "warning: ios: ignoring the cache entry x.json (bad JSON)"]


def test_a_warner_reports_each_line_as_a_typed_warning_with_one_prefix() -> None:
    lines: list[str] = []
    reporter = Reporter(lines.append)
    reporter.warner(Kind.HISTORY)("out/errorcodes.sqlite: not a database")
    assert lines == ["warning: out/errorcodes.sqlite: not a database"]
    assert reporter.findings == [Finding(Kind.HISTORY, "out/errorcodes.sqlite: not a database")]
    assert reporter.counters == {"warnings.history": 1}


def test_without_a_writer_nothing_is_printed_but_everything_is_kept() -> None:
    reporter = Reporter()
    reporter("progress")
    reporter.warn(Kind.PARSE, "table 2: no header row")
    reporter.count("pages.parsed", 2)
    assert reporter.findings == [Finding(Kind.PARSE, "table 2: no header row")]
    assert reporter.counters == {"warnings.parse": 1, "pages.parsed": 2}


@pytest.mark.parametrize(
    ("kind", "concerns_data"),
    [
        (Kind.ANOMALY, True),
        (Kind.DUPLICATE, True),
        (Kind.PARSE, True),
        (Kind.HISTORY, True),
        (Kind.GUARD, False),
        (Kind.CACHE, False),
    ],
    ids=lambda value: value.value if isinstance(value, Kind) else str(value),
)
def test_strict_judges_the_kinds_that_concern_the_data(kind: Kind, concerns_data: bool) -> None:
    reporter = Reporter()
    reporter.warn(kind, "something")
    assert kind.concerns_data is concerns_data
    assert reporter.data_findings() == ([Finding(kind, "something")] if concerns_data else [])
