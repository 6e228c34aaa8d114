"""What the last build of an output folder processed, so the same inputs are not processed twice.

A refresh in which every page answers 304 hands the build the very bytes it parsed last time.
After each successful remote build the cache folder keeps, per output folder, a digest of the
inputs (the tool's code, the sources, the settings that shape the output, and the sha256 of each
page) and the sha256 of every file the build left in the output folder. When a later build has
the same inputs digest and those files are still byte for byte what it left, parsing and
publishing again would give the same bytes: the build stops there, having parsed and written
nothing. Anything else (a changed page, an edited export, a new tool version) is a full build.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scraper.files import (
    LOCK_NAME,
    MIB,
    TEMP_PREFIX,
    atomic_write,
    parse_json,
    read_regular,
    sha256_file,
)
from scraper.sources.local import Page

MEMO_FOLDER = "builds"
_FORMAT = 1


@dataclass(frozen=True, slots=True)
class BuildMemo:
    """Where the memo of one output folder lives, and the digest of this build's inputs."""

    path: Path
    inputs: str


def memo_for(cache_dir: Path, out_dir: Path, pages: Iterable[Page], *, strict: bool) -> BuildMemo:
    """The memo location for `out_dir` and the digest of a build of these pages."""
    inputs = {
        "format": _FORMAT,
        "code": _code_digest(),
        "strict": strict,
        "pages": [
            {
                "source": [page.source.id, page.source.url, page.source.platform],
                "kind": page.kind,
                "charset": page.charset,
                "sha256": page.sha256,
            }
            for page in pages
        ],
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()
    folder_key = hashlib.sha256(str(out_dir.resolve()).encode("utf-8")).hexdigest()[:32]
    return BuildMemo(cache_dir / MEMO_FOLDER / f"{folder_key}.json", digest)


def is_current(memo: BuildMemo, out_dir: Path) -> bool:
    """True when the last build had these inputs and left the output folder as it is now.

    An unreadable memo is simply not current: it only ever saves work.
    """
    try:
        stored = parse_json(read_regular(memo.path, MIB))
        return bool(
            stored["inputs"] == memo.inputs
            and stored["outputs"]
            and stored["outputs"] == _output_digests(out_dir)
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def remember(memo: BuildMemo, out_dir: Path) -> None:
    """Record that these inputs gave the output folder as it is now (call under its lock)."""
    document = {"inputs": memo.inputs, "outputs": _output_digests(out_dir)}
    try:
        memo.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(memo.path, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode())
    except OSError:
        pass  # without a memo the next refresh does the full work, which is still correct


def _output_digests(out_dir: Path) -> dict[str, str]:
    """Every file of the output folder, its sub-folders (app/) included, by relative path."""
    return {
        path.relative_to(out_dir).as_posix(): sha256_file(path) or "unreadable"
        for path in sorted(out_dir.rglob("*"))
        if path.is_file() and path.name != LOCK_NAME and not path.name.startswith(TEMP_PREFIX)
    }


# The libraries whose behaviour shapes the output: an upgrade of any of them must parse again.
_OUTPUT_LIBRARIES = ("beautifulsoup4", "lxml", "markdown", "charset-normalizer")


@functools.cache
def _code_digest() -> str:
    """The fingerprint of the code running now: this package, Python, the output libraries."""
    from importlib import metadata  # only a refresh with a cache needs it

    versions = {}
    for library in _OUTPUT_LIBRARIES:
        try:
            versions[library] = metadata.version(library)
        except metadata.PackageNotFoundError:
            versions[library] = "absent"
    return fingerprint(Path(__file__).resolve().parent, versions, sys.version)


def fingerprint(package: Path, versions: dict[str, str], python: str) -> str:
    """A digest of every module of `package` (sub-packages included), the Python version and
    the library versions: a changed parser, renderer or interpreter must parse again."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        name = path.relative_to(package).as_posix()
        digest.update(name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    digest.update(python.encode("utf-8"))
    for library in sorted(versions):
        digest.update(f"\0{library}={versions[library]}".encode())
    return digest.hexdigest()
