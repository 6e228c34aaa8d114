"""What the last build of an output folder processed, so the same inputs are not processed twice.

A refresh in which every page answers 304 hands the build the very bytes it parsed last time.
After each successful remote build the cache folder keeps, per output folder, a digest of the
inputs (the tool's code, the sources, the settings that shape the output, and the sha256 of each
page) and the sha256 of every file the build wrote there: the manifest, the exports it lists
and the change notes (nothing else in the folder is the tool's business). When a later build
has the same inputs digest and those files are still byte for byte what it left, parsing and
publishing again would give the same bytes: the build stops there, having parsed and written
nothing. Anything else (a changed page, an edited export, a new tool version) is a full build.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from scraper.files import MIB, atomic_write, parse_json, read_regular, sha256_file
from scraper.model import CHANGELOG_NAME, DIFF_NAME, MANIFEST_NAME
from scraper.sources.local import Page

MEMO_FOLDER = "builds"
_FORMAT = 2  # 2: only the files the build wrote, not every file under the output folder
_MAX_MANIFEST_BYTES = 16 * MIB


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
    folder_key = hashlib.sha256(os.fsencode(out_dir.resolve())).hexdigest()[:32]
    return BuildMemo(cache_dir / MEMO_FOLDER / f"{folder_key}.json", digest)


def is_current(memo: BuildMemo, out_dir: Path) -> bool:
    """True when the last build had these inputs and left the output folder as it is now.

    An unreadable memo is simply not current: it only ever saves work.
    """
    try:
        stored = parse_json(read_regular(memo.path, MIB))
        outputs = stored["outputs"]
        return bool(
            stored["inputs"] == memo.inputs
            and outputs
            and outputs == _digests(out_dir, list(outputs))
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def remember(memo: BuildMemo, out_dir: Path) -> None:
    """Record that these inputs gave the output folder as it is now (call under its lock)."""
    document = {"inputs": memo.inputs, "outputs": _digests(out_dir, _written(out_dir))}
    try:
        memo.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(memo.path, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode())
    except OSError:
        pass  # without a memo the next refresh does the full work, which is still correct


def _written(out_dir: Path) -> list[str]:
    """The files the last build wrote: the manifest, the exports it lists, the change notes."""
    try:
        exports = parse_json(read_regular(out_dir / MANIFEST_NAME, _MAX_MANIFEST_BYTES))["exports"]
        listed = [name for name in exports if isinstance(name, str)]
    except (OSError, ValueError, KeyError, TypeError):
        listed = []
    return [MANIFEST_NAME, *listed, DIFF_NAME, CHANGELOG_NAME]


def _digests(out_dir: Path, names: list[str]) -> dict[str, str]:
    """The sha256 of each of these files, by name; a name that leaves the folder is none of
    its files (a memo or manifest edited by hand)."""
    digests = {}
    for name in sorted(set(names)):
        parts = Path(name).parts
        inside = bool(parts) and not Path(name).is_absolute() and ".." not in parts
        digests[name] = (inside and sha256_file(out_dir / name)) or "absent or unreadable"
    return digests


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
