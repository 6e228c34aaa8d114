"""Fetching pages over HTTP: the only package that imports httpx.

    transport.py   the client, the per-request deadline on every socket, and the one table
                   from httpx, httpcore and idna exceptions to ours
    slots.py       at most `PER_HOST` requests in flight to one host
    redirects.py   which redirects are followed (the source's origin only)
    content.py     which statuses and content types are a page, a retry or an error
    inflate.py     the body, decompressed in a bounded stream
    fetcher.py     one source's page after retries (`retry.decide`), and `fetch_pages`

What is cached and which validators are sent is `scraper.sources.validators`, beside the
store in `scraper.sources.cache`. The rest of the program gets bytes plus provenance (a
`Page`), never a response object.
"""

from __future__ import annotations

from scraper.sources.http.fetcher import Fetched, Fetcher, fetch_pages

__all__ = ["Fetched", "Fetcher", "fetch_pages"]
