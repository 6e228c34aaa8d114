"""Options of a live refresh (`build --remote`): the value the fetcher takes, and its limits.

Kept apart from `scraper.sources.http` so the offline build never imports the HTTP library: the
CLI's flags (in `scraper.cli`) read these defaults and limits on every run, and start-up time is
measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from scraper.about import TOOL_NAME
from scraper.about import VERSION as __version__
from scraper.about import project_url as _repository_url
from scraper.sources.retry import RetryPolicy

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
    return f"{TOOL_NAME}/{__version__} (+{project_url()})"
