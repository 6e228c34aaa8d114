"""Files the tool keeps on disk: written so that a reader only ever sees their old or new
complete version, and read back only when they are what the tool wrote.

Shared by the stages that keep state on disk (the HTTP cache, the build memo, the output
folder). Reading back is bounded whatever is on disk: only a regular file is read (a symbolic
link, a FIFO or a device is refused without blocking), at most a size cap of it, and JSON only
up to a nesting depth and an integer length, with no lone surrogates.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

LOCK_NAME = ".lock"
TEMP_PREFIX = ".tmp-"
MIB = 1024 * 1024
MAX_JSON_DEPTH = 32  # the tool's own documents are at most 4 levels deep
MAX_INT_DIGITS = 20  # a 64-bit integer has at most 19 digits
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def temporary_path(folder: Path, name: str) -> Path:
    """A fresh, unused path in `folder` for building `name` before it is renamed into place."""
    handle, raw = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{name}.", dir=folder)
    os.close(handle)
    path = Path(raw)
    path.unlink()
    return path


def write_all(descriptor: int, data: bytes) -> None:
    """Write every byte of `data` to an open file (the one place file contents are written)."""
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def write_temporary(folder: Path, name: str, data: bytes) -> Path:
    """A new temporary file in `folder` holding `data`, flushed to disk, to rename over `name`.

    On any failure (a full disk, say) the temporary file is removed before the error goes on.
    """
    handle, raw = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{name}.", dir=folder)
    temporary = Path(raw)
    try:
        try:
            write_all(handle, data)
            os.fsync(handle)
        finally:
            os.close(handle)
        temporary.chmod(0o644)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place."""
    temporary = write_temporary(path.parent, path.name, data)
    try:
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def fsync_file(path: Path) -> None:
    """Flush a file's contents to disk."""
    with open(path, "rb") as stream:  # noqa: PTH123 - need the descriptor for fsync
        os.fsync(stream.fileno())


def atomic_replace(built: Path, path: Path) -> None:
    """Move a file built in the same folder into place atomically."""
    fsync_file(built)
    built.chmod(0o644)
    built.replace(path)
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries, so a rename survives a power loss."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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


def sha256_file(path: Path, limit: int = 1024 * MIB) -> str | None:
    """The sha256 of a regular file, or None when it is missing, unreadable or not regular."""
    try:
        descriptor = open_regular(path, limit)
    except OSError:
        return None
    digest = hashlib.sha256()
    try:
        with os.fdopen(descriptor, "rb") as stream:
            for block in iter(lambda: stream.read(MIB), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


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
