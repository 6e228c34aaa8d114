"""Writing one file so that a reader only ever sees its old or its new complete version.

Shared by the stages that keep state on disk (the HTTP cache, the build memo, the output
folder); it knows nothing about what the files hold.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

LOCK_NAME = ".lock"
TEMP_PREFIX = ".tmp-"


def temporary_path(folder: Path, name: str) -> Path:
    """A fresh, unused path in `folder` for building `name` before it is renamed into place."""
    handle, raw = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{name}.", dir=folder)
    os.close(handle)
    path = Path(raw)
    path.unlink()
    return path


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place."""
    handle, raw = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}.", dir=path.parent)
    temporary = Path(raw)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        temporary.chmod(0o644)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)


def atomic_replace(built: Path, path: Path) -> None:
    """Move a file built in the same folder into place atomically."""
    with open(built, "rb") as stream:  # noqa: PTH123 - need the descriptor for fsync
        os.fsync(stream.fileno())
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


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
