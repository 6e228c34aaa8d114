"""Writing exports into the output folder: claimed, locked, all or nothing, and only when data
changed.

The tool writes only into a folder it may call its own: a new or empty one, or one holding a
`manifest.json` that names this tool (or, when that manifest is damaged, an `errorcodes.json`,
which the build then checks as the previous dataset). Anything else is refused before anything
is written, so a wrong `--out` never overwrites someone's `index.html`.

Publishing a set of files is one transaction, as SQLite's rollback journal makes one of a set of
page writes: every new file is written and flushed as a temporary first (a full disk fails
here, before anything is replaced), then each is renamed over the old one after a hard link
keeps the old one. A failure part-way puts every replaced file back and removes the new ones;
only a crash part-way leaves a partly published folder, which the next build completes (it
removes the leftover temporaries and backups of the files it writes, by name, in the folders it
writes, and nothing else).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from filelock import FileLock, Timeout

from scraper.about import FORMER_TOOL_NAMES, TOOL_NAME
from scraper.errors import ConfigError, LockTimeout, OutputError
from scraper.files import (
    ANY_TEMPORARY,
    LOCK_NAME,
    MIB,
    fsync_file,
    parse_json,
    read_regular,
    sha256_file,
    sync_folder,
    temporaries_of,
    temporary_path,
    write_temporary,
)
from scraper.model import CHANGELOG_NAME, DIFF_NAME, JSON_NAME, MANIFEST_NAME, SQLITE_NAME

MAX_MANIFEST_BYTES = 16 * MIB
_SHOWN_ENTRIES = 3  # a refusal names this many of the folder's entries
# Written by some builds and not others (the notes only when the data changes), so their
# leftovers are removed whatever this build writes.
_EVERY_BUILDS = (MANIFEST_NAME, SQLITE_NAME, DIFF_NAME, CHANGELOG_NAME)


@contextlib.contextmanager
def output_lock(
    out_dir: Path, timeout: float, on_wait: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the output folder's lock; a second build waits up to `timeout` seconds.

    `on_wait` hears once that the build is waiting, so a queued build does not look hung.
    A folder the tool did not make is refused before its lock file is made, and again under
    the lock (another build may have changed it meanwhile).
    """
    made = _missing_levels(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: cannot create the output folder: {exc.strerror or exc}"
        ) from exc
    try:
        yield from _locked(out_dir, timeout, on_wait)
    except BaseException:
        # A build that fails leaves the folder as it was: one it made for nothing goes again.
        _remove_if_unused(made, out_dir)
        raise


def _missing_levels(out_dir: Path) -> list[Path]:
    """The folders from `out_dir` up that do not exist yet, deepest first."""
    missing = []
    level = out_dir
    while not level.exists() and level != level.parent:
        missing.append(level)
        level = level.parent
    return missing


def _remove_if_unused(made: list[Path], out_dir: Path) -> None:
    """Remove the folders this build made, when it left nothing in them but its lock file."""
    if not made:
        return
    with contextlib.suppress(OSError):
        if {entry.name for entry in out_dir.iterdir()} <= {LOCK_NAME}:
            (out_dir / LOCK_NAME).unlink(missing_ok=True)
        for level in made:
            level.rmdir()  # fails, and stops, at a folder that holds anything


def _locked(out_dir: Path, timeout: float, on_wait: Callable[[str], None] | None) -> Iterator[None]:
    check_claim(out_dir)
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
        check_claim(out_dir)
        yield
    finally:
        lock.release()


def check_claim(out_dir: Path) -> None:
    """Refuse (exit 2) an output folder this tool did not make.

    The tool's folder is one whose manifest names the tool, one whose manifest is damaged but
    which holds a dataset (the previous-dataset check judges that file), or one that is empty
    but for what a first build leaves before its first rename: the lock file and temporaries.
    """
    manifest = out_dir / MANIFEST_NAME
    problem = manifest_problem(manifest)
    if problem is None:
        return
    if os.path.lexists(manifest) and os.path.lexists(out_dir / JSON_NAME):
        return
    try:
        with os.scandir(out_dir) as entries:
            others = [entry.name for entry in entries if not _is_leftover(entry)]
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: cannot list the output folder: {exc.strerror or exc}"
        ) from exc
    if not others:
        return
    shown = ", ".join(sorted(others)[:_SHOWN_ENTRIES]) + (
        ", ..." if len(others) > _SHOWN_ENTRIES else ""
    )
    why = "it has no manifest.json" if problem == "missing" else f"its {MANIFEST_NAME} {problem}"
    raise ConfigError(
        f"{out_dir}: not a folder this tool made ({why}, and it holds {shown}); the build "
        "writes only into an empty folder or one it made: give --out a new or empty folder, "
        "or the folder of an existing dataset"
    )


def manifest_problem(path: Path) -> str | None:
    """Why `path` is not a manifest this tool wrote ("missing" when there is none), or None."""
    try:
        document = parse_json(read_regular(path, MAX_MANIFEST_BYTES))
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    except ValueError as exc:
        return f"is not JSON ({exc})"
    tool = document.get("tool") if isinstance(document, dict) else None
    if not isinstance(tool, dict) or tool.get("name") not in (TOOL_NAME, *FORMER_TOOL_NAMES):
        return f"does not name {TOOL_NAME} as its tool"
    if not isinstance(document.get("exports"), dict):
        return "lists no exports"
    return None


def _is_leftover(entry: os.DirEntry[str]) -> bool:
    """The lock file or a temporary: what a build leaves in a folder before publishing."""
    if not entry.is_file(follow_symlinks=False):
        return False
    return entry.name == LOCK_NAME or ANY_TEMPORARY.fullmatch(entry.name) is not None


def remove_leftovers(out_dir: Path, names: Iterable[str], keep: Iterable[Path] = ()) -> None:
    """Delete the temporaries and backups that a killed build left of these files (and of the
    manifest, the SQLite file and the change notes).

    Only the names `files` gives the temporaries of those files, only in the folders they go
    in, and never the paths in `keep` (this build's own). Call it under the lock.
    """
    kept = {Path(path).absolute() for path in keep}  # out_dir may be relative
    by_folder: dict[Path, list[str]] = {}
    for name in {*names, *_EVERY_BUILDS}:
        target = out_dir / name
        by_folder.setdefault(target.parent, []).append(target.name)
    for folder, files in by_folder.items():
        if not _is_real_folder(out_dir, folder):
            continue  # through a link: not the tool's to clean
        patterns = [temporaries_of(file) for file in files]
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                path = folder / entry.name
                if (
                    path.absolute() not in kept
                    and entry.is_file(follow_symlinks=False)
                    and any(pattern.fullmatch(entry.name) for pattern in patterns)
                ):
                    with contextlib.suppress(OSError):
                        path.unlink()


def _is_real_folder(out_dir: Path, folder: Path) -> bool:
    """True when `folder` and every level of it below `out_dir` is a folder, not a link."""
    while folder != out_dir:
        if folder.is_symlink() or not folder.is_dir():
            return False
        folder = folder.parent
    return True


def is_unchanged(
    out_dir: Path,
    data_files: Mapping[str, bytes],
    warn: Callable[[str], None] | None = None,
) -> bool:
    """True when every data file has these bytes and the manifest matches what is on disk.

    A build killed half-way through publishing leaves a manifest that disagrees with the files
    (or files that disagree with the new bytes), and the next build publishes again. `warn`
    hears about a manifest that is there but damaged: this build writes it again.
    """
    manifest = out_dir / MANIFEST_NAME
    problem = manifest_problem(manifest)
    if problem not in (None, "missing") and warn is not None:
        warn(f"{manifest}: {problem}; this build writes it again")
    for name, data in data_files.items():
        try:
            if read_regular(out_dir / name, len(data)) != data:
                return False
        except OSError:
            return False
    if problem is not None:
        return False
    try:
        exports = parse_json(read_regular(manifest, MAX_MANIFEST_BYTES))["exports"]
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
    order, all or nothing; return the names written, in that order.

    Each file is replaced atomically, so every export is always either its old or its new
    complete version. The order makes a publish interrupted by a crash safe to redo: the
    change notes (`leading`: diff and change log) go first, so a build killed later redoes them
    rather than losing them; the SQLite file (with its history) goes before the JSON that the
    next build compares against; the manifest goes last because `is_unchanged` trusts it. In a
    folder without a manifest yet (a first build) the manifest goes first instead, before any
    sub-folder is made: it claims the folder, so a build killed later can still complete it,
    and `is_unchanged` compares every export with the new bytes, which are not there yet.
    Any failure short of a crash puts the folder back as it was: OutputError for a refused
    write, and any other exception (an interrupt) after the rollback.
    """
    contents: dict[str, bytes | Path] = {**(leading or {}), **built, **files}
    check_folders(out_dir, contents)
    remove_leftovers(out_dir, contents, keep=built.values())
    claim_first = not os.path.lexists(out_dir / MANIFEST_NAME)
    staged: dict[str, Path] = {}
    # (file, its backup or None when it is new, the temporary renamed over it)
    replaced: list[tuple[Path, Path | None, Path]] = []
    created: list[Path] = []  # sub-folders (app/...) this publish made

    def put_in_place(name: str) -> None:
        target, temporary = out_dir / name, staged[name]
        replaced.append((target, _backup(target), temporary))
        temporary.replace(target)
        sync_folder(target.parent)

    try:
        if claim_first:
            staged[MANIFEST_NAME] = write_temporary(out_dir, MANIFEST_NAME, manifest())
            put_in_place(MANIFEST_NAME)
        for name, content in contents.items():
            if isinstance(content, Path):
                fsync_file(content)
                content.chmod(0o644)
                staged[name] = content
            else:
                target = out_dir / name
                created += _make_folders(out_dir, target.parent)
                staged[name] = write_temporary(target.parent, target.name, content)
        if not claim_first:
            staged[MANIFEST_NAME] = write_temporary(out_dir, MANIFEST_NAME, manifest())
        for name in staged:
            if not (claim_first and name == MANIFEST_NAME):
                put_in_place(name)
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
    _remove(backup for _, backup, _ in replaced if backup is not None)
    return [*contents, MANIFEST_NAME]


def check_folders(out_dir: Path, names: Iterable[str]) -> None:
    """Refuse (exit 3) a symbolic link or a file where a file to publish needs a folder.

    A link would take the write outside the output folder; a file would fail the write half-way.
    """
    checked: set[Path] = set()
    for name in names:
        folder = (out_dir / name).parent
        levels = []
        while folder != out_dir and folder not in checked:
            levels.append(folder)
            folder = folder.parent
        for level in reversed(levels):  # outermost first: the first problem is the one named
            checked.add(level)
            try:
                status = level.lstat()
            except FileNotFoundError:
                continue  # made when the files are written
            except OSError as exc:
                raise OutputError(
                    f"{level}: cannot check the folder the build writes into "
                    f"({exc.strerror or exc}); nothing was changed: the folder is as it was"
                ) from exc
            if stat.S_ISLNK(status.st_mode):
                raise OutputError(
                    f"{level}: a symbolic link where the build writes a folder of its own; the "
                    "build writes only inside the output folder: remove the link (the build "
                    "makes the folder); nothing was changed: the folder is as it was"
                )
            if not stat.S_ISDIR(status.st_mode):
                raise OutputError(
                    f"{level}: a file where the build writes a folder of its own: move it away "
                    "(the build makes the folder); nothing was changed: the folder is as it was"
                )


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


def _put_back(replaced: list[tuple[Path, Path | None, Path]]) -> str:
    """Undo the renames, newest first; the reason it could not, or "" when all went back."""
    problem = ""
    for target, backup, temporary in reversed(replaced):
        try:
            if os.path.lexists(temporary):
                # The rename never happened (it was refused, say for an immutable file): the
                # file is untouched, and its backup only needs removing.
                if backup is not None:
                    backup.unlink(missing_ok=True)
            elif backup is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(backup, target)  # noqa: PTH105 - not the publish renames tests count
        except OSError as exc:
            problem = problem or f"{target.name}: {_reason(exc)}"
    for folder in {target.parent for target, _, _ in replaced}:
        with contextlib.suppress(OSError):
            sync_folder(folder)
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
        # A refused rename names the temporary first and the file it was to replace second:
        # the user knows the second.
        named = exc.filename2 or exc.filename
        name = named and Path(str(named)).name
        return f"{name}: {exc.strerror}" if name else exc.strerror
    return str(exc) or type(exc).__name__
