"""Fail when requirements.lock.txt is out of date with pyproject.toml, without the network.

`make lock` writes the lock with `uv pip compile pyproject.toml`, which marks each pin that
pyproject.toml asks for with `# via <project> (pyproject.toml)`. The lock is current when those
pins are exactly the project's dependencies, each within its specifier, every pin carries
hashes, and it was resolved for every platform (`--universal`) from the lowest Python that
`requires-python` admits. Re-running the resolver instead would need the index, and would call
a lock stale whenever a dependency publishes a release.

    python tools/check_lock.py [LOCK] [--pyproject FILE]
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")
_COMMAND = re.compile(r"^#\s+(?P<command>uv pip compile .*)$")


@dataclass
class Pin:
    name: str
    version: Version
    hashes: int = 0
    via: list[str] = field(default_factory=list)


@dataclass
class Lock:
    command: str | None
    pins: list[Pin]


def parse_lock(text: str) -> Lock:
    command = None
    pins: list[Pin] = []
    in_via = False
    for line in text.splitlines():
        stripped = line.strip()
        if match := _PIN.match(line):
            pins.append(Pin(canonicalize_name(match["name"]), Version(match["version"])))
            in_via = False
        elif pins and stripped.startswith("--hash="):
            pins[-1].hashes += 1
        elif pins and line.startswith(" ") and stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            pins[-1].via.extend([rest] if rest else [])
            in_via = not rest
        elif pins and in_via and line.startswith(" ") and stripped.startswith("#"):
            pins[-1].via.append(stripped.removeprefix("#").strip())
        elif command is None and (match := _COMMAND.match(line)):
            command = match["command"]
    return Lock(command, pins)


def lowest_python(requires_python: str) -> str | None:
    """The version a `>=X.Y` lower bound names, or None when there is none."""
    for spec in SpecifierSet(requires_python):
        if spec.operator == ">=":
            return spec.version
    return None


def problems(lock_text: str, pyproject: dict[str, Any]) -> list[str]:
    """What makes the lock stale, in words; empty when it is current."""
    project = pyproject["project"]
    wanted = {
        canonicalize_name(requirement.name): requirement
        for requirement in map(Requirement, project.get("dependencies", []))
    }
    marker = f"{project['name']} (pyproject.toml)"
    lock = parse_lock(lock_text)
    found: list[str] = []

    if lock.command is None:
        found.append("the header does not name the `uv pip compile` command that wrote it")
    else:
        options = lock.command.split()
        for option in ("--universal", "--generate-hashes"):
            if option not in options:
                found.append(f"it was compiled without {option}")
        python = lowest_python(str(project.get("requires-python", "")))
        after = options.index("--python-version") + 1 if "--python-version" in options else 0
        given = options[after] if 0 < after < len(options) else "the running interpreter"
        if python is not None and given != python:
            found.append(f"it was resolved for Python {given}, not {python} (requires-python)")

    for name, requirement in sorted(wanted.items()):
        versions = [pin.version for pin in lock.pins if pin.name == name]
        if not versions:
            found.append(f"{requirement} is not pinned")
        for version in versions:
            if not requirement.specifier.contains(version, prereleases=True):
                found.append(f"{name}=={version} is outside {requirement}")
    for pin in lock.pins:
        if marker in pin.via and pin.name not in wanted:
            found.append(f"{pin.name} is pinned for pyproject.toml, which no longer asks for it")
        if pin.hashes == 0:
            found.append(f"{pin.name}=={pin.version} has no hash")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", nargs="?", type=Path, default=Path("requirements.lock.txt"))
    parser.add_argument("--pyproject", type=Path, help="default: pyproject.toml beside LOCK")
    args = parser.parse_args(argv)
    pyproject_path = args.pyproject or args.lock.parent / "pyproject.toml"
    try:
        lock_text = args.lock.read_text(encoding="utf-8")
        pyproject = tomllib.loads(pyproject_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    found = problems(lock_text, pyproject)
    for problem in found:
        print(f"{args.lock}: {problem}", file=sys.stderr)
    if found:
        print(f"{args.lock} is out of date with {pyproject_path}: run `make lock`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
