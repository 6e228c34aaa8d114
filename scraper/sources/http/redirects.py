"""The redirect policy: follow a redirect only within the source's origin."""

from __future__ import annotations

import httpx

from scraper.errors import FetchError
from scraper.sources.http.transport import TRANSLATED, checked_url, translate
from scraper.sources.options import RemoteOptions
from scraper.text import without_userinfo

_DEFAULT_PORTS = {"http": 80, "https": 443}


def redirect_target(label: str, url: str, chain: list[str], response: httpx.Response) -> str:
    """Where a redirect points, if it keeps the source's origin: the same scheme, host and
    port, or the same host upgraded from http to https on the default ports."""
    origin = httpx.URL(url)
    header = response.headers["Location"]
    try:
        location = str(response.url.join(header))
    except TRANSLATED as exc:
        failure = translate(exc, RemoteOptions())
        raise FetchError(
            f"{label}: redirected to {without_userinfo(header)[:200]!r}: {failure.cause}; "
            "refusing to follow"
        ) from exc
    shown = [without_userinfo(hop) for hop in [*chain, location]]
    via = f" (redirects: {' -> '.join(shown)})" if len(chain) > 1 else ""
    target = checked_url(location, f"{label}: redirected to {shown[-1]}", "refusing to follow")
    if target.scheme not in ("http", "https"):
        raise FetchError(
            f"{label}: redirected to {shown[-1]}, which is not http or https; refusing to follow"
            + via
        )
    if target.raw_host != origin.raw_host:
        raise FetchError(
            f"{label}: redirected to {shown[-1]} on another host ({target.host}); refusing to "
            f"follow; if the page moved, update the source's url{via}"
        )
    if origin.scheme == "https" and target.scheme == "http":
        raise FetchError(
            f"{label}: redirected from https to plain http ({shown[-1]}); refusing to follow{via}"
        )
    if _port(target) != _port(origin) and not (
        origin.scheme == "http" and _port(origin) == 80 and _port(target) == 443
    ):
        raise FetchError(
            f"{label}: redirected to {shown[-1]} on another port ({_port(target)}, not "
            f"{_port(origin)}); refusing to follow: another port is another site{via}"
        )
    return location


def _port(url: httpx.URL) -> int:
    return url.port or _DEFAULT_PORTS.get(url.scheme, 0)
