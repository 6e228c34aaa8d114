"""Files the tool keeps on disk: written so that a reader only ever sees their old or new
complete version, and read back only when they are what the tool wrote.

Shared by the stages that keep state on disk (the HTTP cache, the build memo, the output
folder). Reading back is bounded whatever is on disk: only a regular file is read (a symbolic
link, a FIFO or a device is refused without blocking), at most a size cap of it, and JSON only
up to a nesting depth and an integer length, with no lone surrogates.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

# Reading back lives in scraper.readback (the consumers use it too); re-exported here.
from scraper.readback import MIB as MIB
from scraper.readback import open_regular as open_regular
from scraper.readback import parse_json as parse_json
from scraper.readback import read_regular as read_regular

LOCK_NAME = ".lock"
TEMP_PREFIX = ".tmp-"
# What mkstemp appends to a prefix: eight characters of this alphabet.
_RANDOM_PART = r"[a-z0-9_]{8}"
ANY_TEMPORARY = re.compile(rf"{re.escape(TEMP_PREFIX)}.+\.{_RANDOM_PART}")


def temporaries_of(name: str) -> re.Pattern[str]:
    """The names this module gives the temporaries and backups of the file `name`."""
    return re.compile(rf"{re.escape(TEMP_PREFIX + name)}\.(?:old\.)?{_RANDOM_PART}")


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


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries, so a rename survives a power loss."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
