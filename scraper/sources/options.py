"""Options of a live refresh (`build --remote`) and their command-line flags.

Kept apart from `scraper.sources.http` so the offline build never imports the HTTP library: the
CLI reads these flags on every run, and start-up time is measured.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from scraper.about import VERSION as __version__
from scraper.about import project_url as _repository_url
from scraper.errors import ConfigError
from scraper.sources.retry import RetryPolicy

_T = TypeVar("_T")
DEFAULT_CACHE_DIR = Path(".cache")
MIB = 1024 * 1024
DEFAULT_MAX_BODY = 5 * MIB
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_TIME = 60.0  # one request, connecting to the last byte, whatever the server does
DEFAULT_MAX_REFRESH_TIME = 600.0  # every fetch of a refresh, retries and their waits included
MAX_SECONDS = 86400.0  # a day: the longest wait any option may ask for
MAX_RETRIES = 100
MAX_BODY = 1024 * MIB
MAX_REDIRECTS = 5
PER_HOST = 4  # requests in flight to one host at a time
_POLICY = RetryPolicy()


@dataclass(frozen=True, slots=True)
class RemoteOptions:
    """How to fetch: timeouts (s), retries, the body-size limit, and the cache folder (or None)."""

    connect_timeout: float = DEFAULT_TIMEOUT
    read_timeout: float = DEFAULT_TIMEOUT
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_body_size: int = DEFAULT_MAX_BODY
    cache_dir: Path | None = DEFAULT_CACHE_DIR
    max_time: float = DEFAULT_MAX_TIME
    max_refresh_time: float = DEFAULT_MAX_REFRESH_TIME


def project_url() -> str:
    """The project's home page: pyproject.toml's Homepage, or the repository a GitHub Actions
    run builds."""
    return _repository_url()


def user_agent() -> str:
    """Names the tool, its version and where to read about it, so a site admin can reach us."""
    return f"jmessage-errorcodes/{__version__} (+{project_url()})"


def add_remote_arguments(build: argparse.ArgumentParser) -> None:
    """The `build` flags of a live refresh; the tuning flags need --remote."""
    group = build.add_argument_group("live refresh (with --remote)")
    group.add_argument(
        "--remote",
        action="store_true",
        help="fetch every source's url over HTTP instead of reading its local copy",
    )
    group.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help=f"keep ETag / Last-Modified and page bodies here (default: {DEFAULT_CACHE_DIR}/)",
    )
    group.add_argument(
        "--no-cache",
        action="store_true",
        default=None,
        help="neither read nor write the cache: fetch every page in full",
    )
    group.add_argument(
        "--connect-timeout",
        type=_timeout,
        metavar="SECONDS",
        help=f"give up connecting after this long (default: {DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--read-timeout",
        type=_timeout,
        metavar="SECONDS",
        help=f"give up when the site sends nothing for this long (default: {DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--max-time",
        type=_timeout,
        metavar="SECONDS",
        help="give up on a request that has not completed after this long, however the site "
        f"sends it (default: {DEFAULT_MAX_TIME:g})",
    )
    group.add_argument(
        "--max-refresh-time",
        type=_timeout,
        metavar="SECONDS",
        help="stop the refresh (exit 3, nothing written) when fetching has taken this long, "
        f"retries included (default: {DEFAULT_MAX_REFRESH_TIME:g})",
    )
    group.add_argument(
        "--retries",
        type=_count,
        metavar="N",
        help=f"retry a transient failure at most N times (default: {_POLICY.retries})",
    )
    group.add_argument(
        "--retry-backoff",
        type=_seconds,
        metavar="SECONDS",
        help="wait about this long before the first retry, doubling each time, with jitter "
        f"(default: {_POLICY.backoff:g}, at most {_POLICY.max_backoff:g})",
    )
    group.add_argument(
        "--max-retry-after",
        type=_seconds,
        metavar="SECONDS",
        help="honour a Retry-After up to this long; a longer one gives up "
        f"(default: {_POLICY.max_retry_after:g})",
    )
    group.add_argument(
        "--max-body-size",
        type=_size,
        metavar="BYTES",
        help="refuse a page larger than this; suffixes K, M (KiB, MiB) allowed (default: 5M)",
    )


_TUNING = (
    "cache",
    "no_cache",
    "connect_timeout",
    "read_timeout",
    "max_time",
    "max_refresh_time",
    "retries",
    "retry_backoff",
    "max_retry_after",
    "max_body_size",
)


def remote_options(args: argparse.Namespace) -> RemoteOptions | None:
    """The options of `--remote`, or None for an offline build (tuning flags then are errors)."""
    if not args.remote:
        given = [name for name in _TUNING if getattr(args, name) is not None]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            verb = "applies" if len(given) == 1 else "apply"
            raise ConfigError(f"{flags} only {verb} to a live refresh; add --remote")
        return None
    if args.no_cache and args.cache is not None:
        raise ConfigError("--cache and --no-cache contradict each other; give one of them")
    defaults = RemoteOptions()
    policy = RetryPolicy(
        retries=_given(args.retries, defaults.retry.retries),
        backoff=_given(args.retry_backoff, defaults.retry.backoff),
        max_retry_after=_given(args.max_retry_after, defaults.retry.max_retry_after),
    )
    return RemoteOptions(
        connect_timeout=_given(args.connect_timeout, defaults.connect_timeout),
        read_timeout=_given(args.read_timeout, defaults.read_timeout),
        retry=policy,
        max_body_size=_given(args.max_body_size, defaults.max_body_size),
        cache_dir=None if args.no_cache else (args.cache or defaults.cache_dir),
        max_time=_given(args.max_time, defaults.max_time),
        max_refresh_time=_given(args.max_refresh_time, defaults.max_refresh_time),
    )


def _given(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def seconds(text: str) -> float:
    """A command-line number of seconds: finite, from 0 to a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= MAX_SECONDS:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(
            f"must be a finite number of seconds from 0 to {MAX_SECONDS:g} (a day): {text!r}"
        )
    return value


_seconds = seconds


def _timeout(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"a timeout must be more than 0 seconds: {text!r}")
    return value


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"not a whole number >= 0: {text!r}")
    if len(text) > 3 or int(text) > MAX_RETRIES:
        raise argparse.ArgumentTypeError(f"at most {MAX_RETRIES}: {text!r}")
    return int(text)


_SIZE = re.compile(r"^([0-9]{1,12})\s*(|b|k|kb|kib|m|mb|mib)$", re.I)


def _size(text: str) -> int:
    match = _SIZE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size in bytes (e.g. 5242880, 512K, 5M): {text!r}")
    number, unit = int(match.group(1)), match.group(2).lower()
    value = number * (MIB if unit.startswith("m") else 1024 if unit.startswith("k") else 1)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 bytes: {text!r}")
    if value > MAX_BODY:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_BODY // MIB}M: {text!r}")
    return value
