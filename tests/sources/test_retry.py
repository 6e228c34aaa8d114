"""The retry policy: which failures are retried, how long to wait, and when to give up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scraper.sources.retry import RETRY_STATUSES, RetryPolicy, decide, parse_retry_after

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
POLICY = RetryPolicy(retries=3, backoff=1.0, max_backoff=30.0, max_retry_after=60.0)


@pytest.mark.parametrize(
    "status", sorted(RETRY_STATUSES), ids=[str(status) for status in sorted(RETRY_STATUSES)]
)
def test_transient_statuses_are_retried(status: int) -> None:
    decision = decide(1, policy=POLICY, status=status, jitter=1.0)
    assert decision.retry
    assert decision.delay == 1.0


@pytest.mark.parametrize(
    "status", [400, 401, 403, 404, 410, 418, 501], ids=lambda status: str(status)
)
def test_other_statuses_are_not_retried(status: int) -> None:
    decision = decide(1, policy=POLICY, status=status)
    assert decision.delay is None
    assert decision.reason == f"HTTP {status} is not worth retrying"


@pytest.mark.parametrize("error", ["timeout", "network"], ids=["timeout", "network"])
def test_transport_errors_are_retried(error: str) -> None:
    assert decide(1, policy=POLICY, error=error, jitter=1.0).delay == 1.0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("attempt", "jitter", "expected"),
    [
        (1, 1.0, 1.0),
        (2, 1.0, 2.0),
        (3, 1.0, 4.0),
        (1, 0.0, 0.5),
        (3, 0.0, 2.0),
        (3, 0.5, 3.0),
    ],
    ids=["first", "second", "third", "first-least", "third-least", "third-middle"],
)
def test_backoff_doubles_and_jitter_spreads_it_over_half_to_all(
    attempt: int, jitter: float, expected: float
) -> None:
    assert decide(attempt, policy=POLICY, error="timeout", jitter=jitter).delay == expected


def test_backoff_is_capped() -> None:
    policy = RetryPolicy(retries=20, backoff=1.0, max_backoff=30.0)
    assert decide(10, policy=policy, status=503, jitter=1.0).delay == 30.0


def test_gives_up_after_the_last_retry() -> None:
    assert decide(3, policy=POLICY, status=503).retry
    decision = decide(4, policy=POLICY, status=503)
    assert decision.delay is None
    assert decision.reason == "gave up after 4 attempts"


def test_zero_retries_gives_up_at_once() -> None:
    decision = decide(1, policy=RetryPolicy(retries=0), error="network")
    assert (decision.delay, decision.reason) == (None, "gave up after 1 attempt")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("Sat, 01 Mar 2025 12:00:30 GMT", 30.0),
        ("Sat, 01 Mar 2025 11:59:00 GMT", 0.0),
    ],
    ids=["seconds", "zero", "http-date", "date-in-the-past"],
)
def test_retry_after_is_honoured(header: str, expected: float) -> None:
    decision = decide(1, policy=POLICY, status=429, retry_after=header, now=NOW)
    assert decision.delay == expected


def test_retry_after_beyond_the_cap_gives_up() -> None:
    decision = decide(1, policy=POLICY, status=429, retry_after="3600", now=NOW)
    assert decision.delay is None
    assert decision.reason == (
        "the site asked to retry after 3600 s, more than the 60 s cap (--max-retry-after)"
    )


def test_invalid_retry_after_falls_back_to_backoff() -> None:
    decision = decide(2, policy=POLICY, status=503, retry_after="soon", now=NOW, jitter=1.0)
    assert decision.delay == 2.0


def test_retry_after_does_not_extend_the_number_of_attempts() -> None:
    assert decide(4, policy=POLICY, status=429, retry_after="1", now=NOW).delay is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("-5", None),
        ("1.5", None),
        ("", None),
        ("Sat, 01 Mar 2025 12:01:00 GMT", 60.0),
        ("Saturday, 01-Mar-25 12:01:00 GMT", 60.0),
        ("not a date", None),
    ],
    ids=["seconds", "spaces", "negative", "fraction", "empty", "imf-date", "rfc850", "garbage"],
)
def test_parse_retry_after(value: str, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected
