"""Politeness: at most four requests to one host at a time."""

from __future__ import annotations

import threading
import time

import httpx
from pytest_httpx import HTTPXMock

from scraper.sources.http.fetcher import fetch_pages
from scraper.sources.options import RemoteOptions
from tests.sources.conftest import HTML, URL, source


def test_at_most_four_requests_to_one_host_at_a_time(
    options: RemoteOptions, httpx_mock: HTTPXMock
) -> None:
    lock = threading.Lock()
    in_flight = 0
    most = 0

    def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.05)
        with lock:
            in_flight -= 1
        return httpx.Response(200, content=HTML)

    httpx_mock.add_callback(slow, is_reusable=True)
    sources = tuple(source(f"{URL}{n}", f"s{n}") for n in range(10))
    results = list(fetch_pages(sources, options, print))
    assert sorted(src.id for src, _ in results) == sorted(s.id for s in sources)
    assert len(httpx_mock.get_requests()) == 10
    assert most == 4
