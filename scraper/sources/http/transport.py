"""The client, the per-request deadline, and the one table from library exceptions to ours.

Connections are kept alive between requests to a host. A request's deadline (`--max-time`)
lives on its `Watch`, which the fetching thread installs while the request runs: every
connect, read and write of every socket is given at most the time left, so a server that
sends one byte a second, or `100 Continue` forever, is cut off at the deadline whichever
connection the request got from the pool. `Watch.cut` shuts down the sockets the request
used, which wakes a read blocked in them (an interrupt, or the refresh's deadline).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

import httpcore
import httpx
import idna

from scraper.errors import FetchError
from scraper.sources.options import RemoteOptions, user_agent
from scraper.sources.retry import ErrorKind

ACCEPT = "text/html, application/xhtml+xml;q=0.9, text/markdown;q=0.8, text/plain;q=0.7"
ACCEPT_ENCODING = "gzip, deflate"  # the codings `inflate.Inflater` decodes

Why = Literal["deadline", "cancelled"]
_EARLY = 0.01  # a socket's timeout may end this much before the clock says it should


class Watch:
    """One request in flight: its deadline, the sockets it used, and why it was cut off."""

    def __init__(self, max_time: float) -> None:
        self.deadline = time.monotonic() + max_time
        self.why: Why | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def left(self, timeout: float | None) -> float:
        """`timeout` shortened to the time left; a cut or expired request fails at once."""
        left = self.deadline - time.monotonic()
        if self.why is None and left <= 0:
            self.why = "deadline"
        if self.why is not None:
            raise Cut
        return left if timeout is None else min(timeout, left)

    def attach(self, sock: object) -> None:
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            if sock not in self._sockets:
                self._sockets.add(sock)
                if self.why is not None:
                    _shut(sock)

    def cut(self, why: Why) -> None:
        with self._lock:
            if self.why is None:
                self.why = why
            for sock in self._sockets:
                _shut(sock)

    def settle(self) -> Why | None:
        """Why the request ended early, once a read given the time left timed out at it."""
        if self.why is None and time.monotonic() >= self.deadline - _EARLY:
            self.why = "deadline"
        return self.why

    def check(self) -> None:
        """Raise `Cut` when the request's time is up or it was cancelled (between chunks)."""
        self.left(None)


class Cut(Exception):
    """The request was cut off (see `Watch.why`); raised in the thread that fetches."""


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


_current = threading.local()


@contextlib.contextmanager
def watching(watch: Watch) -> Iterator[None]:
    """Run the block's requests (in this thread) under `watch`."""
    _current.watch = watch
    try:
        yield
    finally:
        _current.watch = None


def _clamped(timeout: float | None, stream: httpcore.NetworkStream | None = None) -> float | None:
    watch: Watch | None = getattr(_current, "watch", None)
    if watch is None:  # the pool closing an idle connection: no request to bound
        return timeout
    if stream is not None:
        watch.attach(stream.get_extra_info("socket"))
    try:
        return watch.left(timeout)
    except Cut:
        # As a timeout of httpcore's own, so the pool discards the connection as usual.
        raise httpcore.ReadTimeout("cut off") from None


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _clamped(timeout, self._stream))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _clamped(timeout, self._stream))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: object,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._stream.start_tls(
            ssl_context,  # type: ignore[arg-type]
            server_hostname,
            _clamped(timeout, self._stream),
        )
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> object:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, with every wait bounded by the current request's deadline."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._backend.connect_tcp(
            host, port, _clamped(timeout), local_address, socket_options
        )
        _clamped(None, stream)  # hand the new socket to the request's watch at once
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _Pool(httpcore.ConnectionPool):
    """httpcore's pool over `_DeadlineBackend`, whose TLS context is made on the first https
    connection: loading the certificates takes longer than a no-change request to a fast site,
    and a refresh of plain-http pages never needs them."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._backend = _DeadlineBackend()
        self._expiry = limits.keepalive_expiry
        self._tls: ssl.SSLContext | None = None
        self._tls_lock = threading.Lock()
        super().__init__(
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=self._backend,
        )

    def create_connection(self, origin: httpcore.Origin) -> httpcore.ConnectionInterface:
        tls = self._tls_context() if origin.scheme == b"https" else None
        return httpcore.HTTPConnection(
            origin=origin,
            ssl_context=tls,
            keepalive_expiry=self._expiry,
            network_backend=self._backend,
        )

    def _tls_context(self) -> ssl.SSLContext:
        with self._tls_lock:
            if self._tls is None:
                self._tls = httpx.create_ssl_context()  # honours SSL_CERT_FILE, as httpx does
            return self._tls


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport over `_Pool`, whose sockets obey the request's `Watch`."""

    def __init__(self, limits: httpx.Limits) -> None:
        # Not httpx's __init__: it would build a pool of its own, certificates loaded, only for
        # it to be replaced. Everything else of the transport uses nothing but `_pool`.
        self._pool = _Pool(limits)


def make_client(options: RemoteOptions) -> httpx.Client:
    """One client for the whole refresh, its connections kept alive; redirects by hand."""
    limits = httpx.Limits()
    return httpx.Client(
        headers={"User-Agent": user_agent(), "Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
        timeout=httpx.Timeout(
            connect=options.connect_timeout,
            read=options.read_timeout,
            write=options.read_timeout,
            pool=None,  # the per-host slots already bound how many requests wait
        ),
        follow_redirects=False,
        limits=limits,
        transport=DeadlineTransport(limits),
    )


@dataclass(frozen=True, slots=True)
class Failure:
    """Why one attempt failed: the cause and a fix for the message, and what `retry.decide`
    needs; `retried` False means the fetch fails at once."""

    cause: str
    hint: str = ""
    status: int | None = None
    error: ErrorKind | None = None
    retry_after: str | None = None

    @property
    def retried(self) -> bool:
        return self.status is not None or self.error is not None


class AttemptFailed(Exception):
    """One attempt failed in a way the retry policy judges; carries the `Failure`."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.cause)
        self.failure = failure


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _connect_timeout(_exc: BaseException, options: RemoteOptions) -> Failure:
    return Failure(
        f"timed out connecting (after {options.connect_timeout:g} s)",
        "try again later, or raise --connect-timeout",
        error="timeout",
    )


def _read_timeout(_exc: BaseException, options: RemoteOptions) -> Failure:
    return Failure(
        f"timed out waiting for data (after {options.read_timeout:g} s)",
        "try again later, or raise --read-timeout",
        error="timeout",
    )


def _cannot_connect(exc: BaseException, _options: RemoteOptions) -> Failure:
    return Failure(
        f"cannot connect ({_reason(exc)})",
        "check the url and the network, or try again later",
        error="network",
    )


def _broke(exc: BaseException, _options: RemoteOptions) -> Failure:
    return Failure(f"the connection broke ({_reason(exc)})", "try again later", error="network")


def _bad_host(exc: BaseException, _options: RemoteOptions) -> Failure:
    return Failure(
        f"the host name is not a valid internationalised domain name ({_reason(exc)})",
        "fix the url's host name",
    )


def _invalid_url(exc: BaseException, _options: RemoteOptions) -> Failure:
    return Failure(f"not a valid url ({_reason(exc)})")


def _failed(exc: BaseException, _options: RemoteOptions) -> Failure:
    return Failure(f"request failed ({_reason(exc)})")


# The one table from the libraries' exceptions to ours, most specific first (the first match
# wins): httpx's own, httpcore's in case one escapes httpx's mapping, and idna's, which httpx
# raises untranslated for a host such as `xn--` that it cannot decode.
TRANSLATIONS: dict[type[BaseException], Callable[[BaseException, RemoteOptions], Failure]] = {
    httpx.ConnectTimeout: _connect_timeout,
    httpcore.ConnectTimeout: _connect_timeout,
    httpx.TimeoutException: _read_timeout,
    httpcore.TimeoutException: _read_timeout,
    httpx.ConnectError: _cannot_connect,
    httpcore.ConnectError: _cannot_connect,
    httpx.NetworkError: _broke,
    httpcore.NetworkError: _broke,
    httpx.RemoteProtocolError: _broke,
    httpcore.RemoteProtocolError: _broke,
    idna.IDNAError: _bad_host,
    httpx.InvalidURL: _invalid_url,
    httpcore.UnsupportedProtocol: _invalid_url,
    httpx.HTTPError: _failed,
    httpx.StreamError: _failed,
    httpcore.ProtocolError: _failed,
    httpcore.ProxyError: _failed,
}
TRANSLATED = tuple(TRANSLATIONS)


def translate(exc: BaseException, options: RemoteOptions) -> Failure:
    """The failure an exception of the table means (an exception outside it is a bug)."""
    for kind, make in TRANSLATIONS.items():
        if isinstance(exc, kind):
            return make(exc, options)
    raise TypeError(f"no translation for {type(exc).__name__}") from exc


def checked_url(text: str, label: str, hint: str | None = None) -> httpx.URL:
    """`text` as a url whose host decodes; a FetchError starting with `label` otherwise."""
    try:
        url = httpx.URL(text)
        _ = url.host  # decoding the host is what finds an invalid IDNA label
    except TRANSLATED as exc:
        failure = translate(exc, RemoteOptions())
        if hint is not None:
            failure = replace(failure, hint=hint)
        raise FetchError(message(label, failure)) from exc
    return url


def message(label: str, failure: Failure, reason: str = "") -> str:
    """`label: cause; reason; hint`, leaving out what is empty."""
    return "; ".join(part for part in (f"{label}: {failure.cause}", reason, failure.hint) if part)
