"""The retry policy: from one failed attempt, decide "retry after N seconds" or "give up".

Pure functions over plain values (no clock, no randomness of their own, no HTTP library), so
every branch is testable without a network or a sleep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

# Statuses that say "not now" rather than "never": timeout, rate limit, server trouble.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

# What went wrong below HTTP: the fetch module maps its library's exceptions to these.
ErrorKind = Literal["timeout", "network"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry; the defaults are the command line's defaults."""

    retries: int = 3
    backoff: float = 1.0  # first delay in seconds; doubles on every retry
    max_backoff: float = 30.0
    max_retry_after: float = 60.0  # a longer Retry-After means "give up", not "wait that long"


@dataclass(frozen=True, slots=True)
class Decision:
    """`delay` seconds to wait before the next attempt, or None to give up (with `reason`)."""

    delay: float | None
    reason: str = ""

    @property
    def retry(self) -> bool:
        return self.delay is not None


def decide(
    attempt: int,
    *,
    policy: RetryPolicy,
    status: int | None = None,
    error: ErrorKind | None = None,
    retry_after: str | None = None,
    now: datetime | None = None,
    jitter: float = 0.5,
) -> Decision:
    """Decide after failed attempt number `attempt` (1 for the first request).

    `status` is the HTTP status of the answer, or `error` what failed when there was none.
    `jitter` is a random number in [0, 1) spreading the delay over half to all of the
    exponential backoff, so many clients failing together do not retry together.
    """
    if status is not None and status not in RETRY_STATUSES:
        return Decision(None, f"HTTP {status} is not worth retrying")
    if status is None and error is None:
        return Decision(None, "nothing to retry")
    if attempt > policy.retries:
        return Decision(None, f"gave up after {attempt} attempt{'s' if attempt > 1 else ''}")
    if status is not None and retry_after is not None:
        wait = parse_retry_after(retry_after, now or datetime.now(UTC))
        if wait is not None:
            if wait > policy.max_retry_after:
                asked = f"{wait:g} s" if wait != float("inf") else "an endless time"
                return Decision(
                    None,
                    f"the site asked to retry after {asked}, more than the "
                    f"{policy.max_retry_after:g} s cap (--max-retry-after)",
                )
            return Decision(wait)
    exponential = min(policy.max_backoff, policy.backoff * 2 ** (attempt - 1))
    return Decision(exponential * (0.5 + min(max(jitter, 0.0), 1.0) / 2))


# Longer values are no HTTP-date and no delay worth waiting for; parsing stops there.
_RETRY_AFTER_CHARS = 64
_MAX_DELAY_DIGITS = 9  # about 31 years of seconds: anything longer is "too long" all the same


def parse_retry_after(value: str, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After value (delay-seconds or HTTP-date); None if invalid.

    Bounded whatever the server sends: a delay of more digits than anyone would wait is
    infinite (so the cap refuses it), and only ASCII digits count (not `²` or `٣`).
    """
    from email.utils import parsedate_to_datetime  # costly import; rarely needed

    text = value.strip()
    if text and text.isascii() and text.isdigit():
        digits = text.lstrip("0") or "0"
        return float("inf") if len(digits) > _MAX_DELAY_DIGITS else float(int(digits))
    if len(text) > _RETRY_AFTER_CHARS or not text.isascii():
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT; parsedate gives naive for "-0000"
        when = when.replace(tzinfo=UTC)
    try:
        return max(0.0, (when - now).total_seconds())
    except OverflowError:
        return float("inf")
