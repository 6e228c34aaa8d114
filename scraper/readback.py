"""Reading back a file the tool wrote, bounded whatever is on disk.

Only a regular file is read (a symbolic link, a FIFO or a device is refused without blocking),
at most a size cap of it, and JSON only up to a nesting depth and an integer length, with no
lone surrogates. Standard library only, so every stage, the consumers included, can use it.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
MAX_JSON_DEPTH = 32  # the tool's own documents are at most 4 levels deep
MAX_INT_DIGITS = 20  # a 64-bit integer has at most 19 digits
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def open_regular(path: Path, limit: int) -> int:
    """A descriptor for reading `path` when it is a regular file of at most `limit` bytes.

    Opened without following a symbolic link and without blocking (a FIFO opens at once), then
    checked with fstat; OSError says what it is instead.
    """
    try:
        descriptor = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "a symbolic link, which is not followed", str(path)) from exc
        raise
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        if status.st_size > limit:
            raise OSError(
                errno.EFBIG,
                f"{status.st_size} bytes, more than the {_size(limit)} this file may hold",
                str(path),
            )
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (see `open_regular`)."""
    descriptor = open_regular(path, limit)
    with os.fdopen(descriptor, "rb") as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:  # it grew since fstat
        raise OSError(errno.EFBIG, f"more than the {_size(limit)} this file may hold", str(path))
    return data


def parse_json(data: bytes | str) -> Any:
    """A JSON document the tool wrote; ValueError for anything it would not have written.

    Bounded: nesting deeper than MAX_JSON_DEPTH, an integer longer than MAX_INT_DIGITS, NaN or
    Infinity, and a string holding a lone surrogate (`"\\ud800"`, which no UTF-8 file can hold)
    are refused with a message saying which.
    """
    try:
        document = json.loads(data, parse_int=_integer, parse_constant=_constant)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    stack: list[tuple[object, int]] = [(document, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise ValueError(f"nested more than {MAX_JSON_DEPTH} levels deep")
            if isinstance(value, dict):
                for key in value:
                    _check_text(key)
                stack.extend((item, depth + 1) for item in value.values())
            else:
                stack.extend((item, depth + 1) for item in value)
    return document


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {digits} digits (at most {MAX_INT_DIGITS} are read)")
    return int(text)


def _constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"a string holds a lone surrogate ({text[exc.start]!r}), which is not text"
        ) from None


def _size(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit} bytes"
