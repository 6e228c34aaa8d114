"""Politeness: at most `PER_HOST` requests in flight to one host at a time."""

from __future__ import annotations

import threading

from scraper.sources.options import PER_HOST


class HostSlots:
    """One semaphore per host, made on first use; `for_host(host)` is held around a request."""

    def __init__(self, per_host: int = PER_HOST) -> None:
        self._per_host = per_host
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def for_host(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            return self._slots.setdefault(host, threading.BoundedSemaphore(self._per_host))
