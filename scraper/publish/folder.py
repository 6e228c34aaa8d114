"""Writing exports into the output folder: locked, all or nothing, and only when data changed.

Publishing a set of files is one transaction, as SQLite's rollback journal makes one of a set of
page writes: every new file is written and flushed as a temporary first (a full disk fails
here, before anything is replaced), then each is renamed over the old one after a hard link
keeps the old one. A failure part-way puts every replaced file back and removes the new ones;
only a crash part-way leaves a partly published folder, which the next build completes (the
leftover temporaries and backups are `.tmp-*` files it removes).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from filelock import FileLock, Timeout

from scraper.errors import LockTimeout, OutputError
from scraper.files import (
    LOCK_NAME,
    MIB,
    TEMP_PREFIX,
    fsync_file,
    parse_json,
    read_regular,
    sha256_file,
    sync_folder,
    temporary_path,
    write_temporary,
)
from scraper.model import MANIFEST_NAME

MAX_MANIFEST_BYTES = 16 * MIB


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
    except OSError as exc:
        raise OutputError(
            f"{out_dir / LOCK_NAME}: cannot take the output lock ({exc.strerror or exc}); it "
            "must be a writable file in a writable folder (a stray folder of that name can be "
            "removed); nothing was written"
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
            if read_regular(out_dir / name, len(data)) != data:
                return False
        except OSError:
            return False
    try:
        manifest = parse_json(read_regular(out_dir / MANIFEST_NAME, MAX_MANIFEST_BYTES))
        exports = manifest["exports"]
        return bool(exports) and all(
            sha256_file(out_dir / name) == digest["sha256"] for name, digest in exports.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


@contextlib.contextmanager
def staging(out_dir: Path) -> Iterator[None]:
    """Turn a failure to build the new files (before any is published) into OutputError."""
    import sqlite3  # only a publish needs it

    try:
        yield
    except (OSError, sqlite3.Error) as exc:
        raise OutputError(
            f"{out_dir}: cannot write the new dataset ({_reason(exc)}); nothing was changed: "
            "the folder is as it was"
        ) from exc


def publish(
    out_dir: Path,
    files: Mapping[str, bytes],
    built: Mapping[str, Path],
    manifest: Callable[[], bytes],
    *,
    leading: Mapping[str, bytes] | None = None,
) -> list[str]:
    """Publish `leading` files, the `built` files, the byte exports and the manifest, in that
    order, all or nothing; return the names written.

    Each file is replaced atomically, so every export is always either its old or its new
    complete version. The order makes a publish interrupted by a crash safe to redo: the
    change notes (`leading`: diff and change log) go first, so a build killed later redoes them
    rather than losing them; the SQLite file (with its history) goes before the JSON that the
    next build compares against; the manifest goes last because `is_unchanged` trusts it.
    Any failure short of a crash puts the folder back as it was: OutputError for a refused
    write, and any other exception (an interrupt) after the rollback.
    """
    contents: dict[str, bytes | Path] = {**(leading or {}), **built, **files}
    staged: dict[str, Path] = {}
    replaced: list[tuple[Path, Path | None]] = []  # (file, its backup; None when it is new)
    created: list[Path] = []  # sub-folders (app/...) this publish made
    try:
        for name, content in contents.items():
            if isinstance(content, Path):
                fsync_file(content)
                content.chmod(0o644)
                staged[name] = content
            else:
                target = out_dir / name
                created += _make_folders(out_dir, target.parent)
                staged[name] = write_temporary(target.parent, target.name, content)
        staged[MANIFEST_NAME] = write_temporary(out_dir, MANIFEST_NAME, manifest())
        for name, temporary in staged.items():
            target = out_dir / name
            replaced.append((target, _backup(target)))
            temporary.replace(target)
            sync_folder(target.parent)
    except BaseException as exc:
        with _signals_held():
            failed_restore = _put_back(replaced)
            _remove(staged.values())
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()
        if failed_restore:
            raise OutputError(
                f"{out_dir}: cannot write the dataset ({_reason(exc)}), and putting back the "
                f"replaced files failed too ({failed_restore}); the folder is partly "
                "published: free the space or fix the permissions, then run the build again "
                "to complete it"
            ) from exc
        if isinstance(exc, OSError):
            raise OutputError(
                f"{out_dir}: cannot write the dataset ({_reason(exc)}); nothing was changed: "
                "the folder is as it was"
            ) from exc
        raise
    _remove(backup for _, backup in replaced if backup is not None)
    return list(staged)


def _make_folders(out_dir: Path, folder: Path) -> list[Path]:
    """Create `folder` (inside `out_dir`) and its missing parents; the ones created, outermost
    first, so a failed publish can remove them again."""
    missing = []
    while folder != out_dir and not folder.is_dir():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir()
    return list(reversed(missing))


def _backup(target: Path) -> Path | None:
    """A second name for the file about to be replaced (a hard link), or None when none exists."""
    if not target.exists():
        return None
    backup = temporary_path(target.parent, f"{target.name}.old")
    try:
        os.link(target, backup)
    except OSError:  # a file system without hard links: keep a copy instead
        shutil.copy2(target, backup)
    return backup


def _put_back(replaced: list[tuple[Path, Path | None]]) -> str:
    """Undo the renames, newest first; the reason it could not, or "" when all went back."""
    problem = ""
    for target, backup in reversed(replaced):
        try:
            if backup is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(backup, target)  # noqa: PTH105 - not the publish renames tests count
                # When the rename never happened, both names are one file and rename() does
                # nothing: drop the spare name.
                backup.unlink(missing_ok=True)
        except OSError as exc:
            problem = problem or f"{target.name}: {_reason(exc)}"
    with contextlib.suppress(OSError):
        if replaced:
            sync_folder(replaced[0][0].parent)
    return problem


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the folder is put back, so a second Ctrl-C cannot stop it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        name = exc.filename and Path(str(exc.filename)).name
        return f"{name}: {exc.strerror}" if name else exc.strerror
    return str(exc) or type(exc).__name__
