"""The redirect policy: followed within the origin, refused everywhere else."""

from __future__ import annotations

import itertools

import pytest
from pytest_httpx import HTTPXMock

from scraper.errors import FetchError
from scraper.sources.http.fetcher import Fetcher
from tests.sources.conftest import HTML, URL, source, transfer_of


def test_a_redirect_within_the_host_is_followed_and_validators_go_to_the_final_url(
    fetcher: Fetcher, httpx_mock: HTTPXMock
) -> None:
    final = "https://docs.example.test/jmessage/client/im_errorcode_ios_v2/"
    for _ in range(2):
        httpx_mock.add_response(url=URL, status_code=301, headers={"Location": final})
    httpx_mock.add_response(url=final, content=HTML, headers={"ETag": '"v1"'})
    httpx_mock.add_response(url=final, status_code=304)
    first = fetcher.fetch(source())
    assert (first.page.location, transfer_of(first).final_url) == (final, final)
    second = fetcher.fetch(source())
    assert second.not_modified
    requests = httpx_mock.get_requests()
    assert [str(r.url) for r in requests] == [URL, final, URL, final]
    assert [r.headers.get("If-None-Match") for r in requests] == [None, None, None, '"v1"']


def test_a_relative_redirect_resolves_against_the_url(
    fetcher: Fetcher, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(url=URL, status_code=302, headers={"Location": "../moved/"})
    moved = "https://docs.example.test/jmessage/client/moved/"
    httpx_mock.add_response(url=moved, content=HTML)
    assert fetcher.fetch(source()).page.location == moved


@pytest.mark.parametrize(
    ("location", "message"),
    [
        (
            "https://evil.example.test/page/",
            "redirected to https://evil.example.test/page/ on another host (evil.example.test); "
            "refusing to follow; if the page moved, update the source's url",
        ),
        (
            "http://docs.example.test/page/",
            "redirected from https to plain http (http://docs.example.test/page/); "
            "refusing to follow",
        ),
        (
            "ftp://docs.example.test/page/",
            "redirected to ftp://docs.example.test/page/, which is not http or https; "
            "refusing to follow",
        ),
    ],
    ids=["other-host", "https-to-http", "ftp"],
)
def test_unsafe_redirects_are_refused(
    fetcher: Fetcher, httpx_mock: HTTPXMock, location: str, message: str
) -> None:
    httpx_mock.add_response(url=URL, status_code=302, headers={"Location": location})
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value) == f"ios: {URL}: {message}"
    assert len(httpx_mock.get_requests()) == 1


def test_more_than_five_redirects_are_refused(fetcher: Fetcher, httpx_mock: HTTPXMock) -> None:
    hops = [f"https://docs.example.test/{n}" for n in range(7)]
    for here, there in itertools.pairwise(hops):
        httpx_mock.add_response(
            url=here, status_code=307, headers={"Location": there}, is_optional=True
        )
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source(hops[0]))
    assert str(caught.value) == (
        f"ios: {hops[0]}: more than 5 redirects (last to {hops[6]}); "
        "update the source's url to where the page now lives"
    )
    assert len(httpx_mock.get_requests()) == 6


def test_a_redirect_to_another_port_of_the_same_host_is_refused(
    fetcher: Fetcher, httpx_mock: HTTPXMock
) -> None:
    other = "https://docs.example.test:8443/page/"
    httpx_mock.add_response(url=URL, status_code=302, headers={"Location": other})
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(source())
    assert str(caught.value).startswith(f"ios: {URL}: ")
    assert other in str(caught.value)
    assert "refusing to follow" in str(caught.value)
    assert len(httpx_mock.get_requests()) == 1


def test_an_upgrade_to_https_of_the_same_host_is_followed(
    fetcher: Fetcher, httpx_mock: HTTPXMock
) -> None:
    plain = URL.replace("https://", "http://")
    httpx_mock.add_response(url=plain, status_code=301, headers={"Location": URL})
    httpx_mock.add_response(url=URL, content=HTML, headers={"Content-Type": "text/html"})
    assert fetcher.fetch(source(plain)).page.location == URL
