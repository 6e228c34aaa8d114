"""The body, decompressed here in a bounded stream: the limit counts decompressed bytes, so a
compression bomb stops as soon as it passes it; stacked or unknown content codings are refused.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

import httpx

from scraper.errors import FetchError
from scraper.sources.http.transport import ACCEPT_ENCODING

CHUNK = 64 * 1024


def read_body(label: str, response: httpx.Response, limit: int, check: Callable[[], None]) -> bytes:
    """The decompressed body, refused as soon as it passes `limit`, before it is held in
    memory; `check` runs between chunks (the request's deadline)."""
    too_big = (
        f"{label}: the page is larger than the {_size(limit)} limit; "
        "raise --max-body-size if it really is that big"
    )
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise FetchError(too_big)
    inflater = Inflater.for_coding(label, response.headers.get("Content-Encoding", ""))
    chunks: list[bytes] = []
    received = 0
    for raw in response.iter_raw(CHUNK):
        check()
        for chunk in inflater.feed(raw, limit - received + 1):
            received += len(chunk)
            if received > limit:
                raise FetchError(too_big)
            chunks.append(chunk)
    inflater.finish()
    return b"".join(chunks)


class Inflater:
    """Decompresses a body's one content coding (gzip or deflate) in bounded steps."""

    def __init__(self, label: str, coding: str) -> None:
        self._label = label
        self._coding = coding
        self._inflater: zlib._Decompress | None = None
        if coding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)

    @classmethod
    def for_coding(cls, label: str, header: str) -> Inflater:
        codings = [part.strip().lower() for part in header.split(",")]
        codings = [coding for coding in codings if coding and coding != "identity"]
        if len(codings) > 1:
            raise FetchError(
                f"{label}: the body is compressed {len(codings)} times over "
                f"(Content-Encoding: {header[:80]}); refusing stacked content codings"
            )
        coding = codings[0] if codings else ""
        if coding not in ("", "gzip", "x-gzip", "deflate"):
            raise FetchError(
                f"{label}: unknown Content-Encoding {coding[:40]!r}; the tool asks for "
                f"{ACCEPT_ENCODING} only"
            )
        return cls(label, coding)

    def feed(self, data: bytes, room: int) -> Iterator[bytes]:
        """The decompressed bytes of `data`, in pieces of at most `room` bytes each."""
        if not self._coding:
            yield data
            return
        if self._inflater is None:  # deflate: zlib-wrapped, as the standard says, or raw
            wrapped = bool(data) and data[0] & 0x0F == 8 and (data[0] << 8 | data[1:2][0]) % 31 == 0
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            while data and not self._inflater.eof:
                piece = self._inflater.decompress(data, max(room, 1))
                data = self._inflater.unconsumed_tail
                if piece:
                    yield piece
        except zlib.error as exc:
            raise self._broken(exc) from exc

    def finish(self) -> None:
        if self._inflater is not None and not self._inflater.eof and self._coding != "deflate":
            raise self._broken("the compressed body ends early")

    def _broken(self, why: object) -> FetchError:
        return FetchError(
            f"{self._label}: the body is not valid {self._coding} ({why}); "
            "the site may be failing, try again later"
        )


def _size(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MiB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"
