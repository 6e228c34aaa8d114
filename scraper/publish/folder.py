"""Writing exports into the output folder: locked, atomic, and only when data changed."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from filelock import FileLock, Timeout

from scraper.errors import LockTimeout, OutputError
from scraper.files import LOCK_NAME, TEMP_PREFIX, atomic_replace, atomic_write, sha256_file
from scraper.model import MANIFEST_NAME


@contextlib.contextmanager
def output_lock(
    out_dir: Path, timeout: float, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the output folder's lock; a second build waits up to `timeout` seconds.

    `on_wait` hears once that the build is waiting, so a queued build does not look hung.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: cannot create the output folder: {exc.strerror or exc}"
        ) from exc
    # filelock uses flock(): the kernel drops it when a killed build's process dies, so a
    # crashed build never leaves a lock behind (the empty .lock file itself is harmless).
    lock = FileLock(out_dir / LOCK_NAME, timeout=timeout)
    try:
        try:
            lock.acquire(blocking=False)
        except Timeout:
            if on_wait is not None:
                on_wait(
                    f"{out_dir}: another build holds the output lock; "
                    f"waiting up to {timeout:g} s (--lock-timeout)"
                )
            lock.acquire()
    except Timeout as exc:
        raise LockTimeout(
            f"{out_dir}: another build has held the output lock for over {timeout:g} s; "
            "try again later or raise --lock-timeout"
        ) from exc
    try:
        remove_stale_temporaries(out_dir)
        yield
    finally:
        lock.release()


def remove_stale_temporaries(out_dir: Path) -> None:
    """Delete temporary files a killed build left behind (only ever called under the lock)."""
    for leftover in out_dir.rglob(f"{TEMP_PREFIX}*"):  # app/ has sub-folders
        with contextlib.suppress(OSError):
            leftover.unlink()


def is_unchanged(out_dir: Path, data_files: Mapping[str, bytes]) -> bool:
    """True when every data file has these bytes and the manifest matches what is on disk.

    The manifest is written last, so a build killed half-way through publishing leaves a
    manifest that disagrees with the files, and the next build publishes again.
    """
    for name, data in data_files.items():
        try:
            if (out_dir / name).read_bytes() != data:
                return False
        except OSError:
            return False
    try:
        manifest = json.loads((out_dir / MANIFEST_NAME).read_bytes())
        exports = manifest["exports"]
        return bool(exports) and all(
            sha256_file(out_dir / name) == digest["sha256"] for name, digest in exports.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def publish(
    out_dir: Path,
    files: Mapping[str, bytes],
    built: Mapping[str, Path],
    manifest: Callable[[], bytes],
    *,
    leading: Mapping[str, bytes] | None = None,
) -> list[str]:
    """Write `leading` files, move built files and write byte exports into place, then the
    manifest; return the names written.

    Each file is replaced atomically, so every export is always either its old or its new
    complete version. The order makes an interrupted publish safe to redo: the change notes
    (`leading`: diff and change log) go first, so a build killed later redoes them rather than
    losing them; the SQLite file (with its history) goes before the JSON that the next build
    compares against; the manifest goes last because `is_unchanged` trusts it.
    """
    written: list[str] = []
    try:
        for name, data in (leading or {}).items():
            atomic_write(out_dir / name, data)
            written.append(name)
        for name, path in built.items():
            atomic_replace(path, out_dir / name)
            written.append(name)
        for name, data in files.items():
            atomic_write(out_dir / name, data)
            written.append(name)
        atomic_write(out_dir / MANIFEST_NAME, manifest())
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write the dataset: {exc}") from exc
    written.append(MANIFEST_NAME)
    return written
