"""tools/check_lock.py: `make lint` fails when requirements.lock.txt is stale, with no network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

CHECK = PROJECT_ROOT / "tools" / "check_lock.py"
LOCK = (PROJECT_ROOT / "requirements.lock.txt").read_text(encoding="utf-8")
PYPROJECT = (PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8")


def _check(tmp_path: Path, lock: str = LOCK, pyproject: str = PYPROJECT) -> tuple[int, str]:
    (tmp_path / "requirements.lock.txt").write_text(lock, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(CHECK), str(tmp_path / "requirements.lock.txt")],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stderr


def test_the_committed_lock_is_current(tmp_path: Path) -> None:
    assert _check(tmp_path) == (0, "")


def test_a_new_dependency_makes_it_stale(tmp_path: Path) -> None:
    pyproject = PYPROJECT.replace('"httpx>=0.28,<1",', '"httpx>=0.28,<1",\n    "rich>=13",', 1)
    code, stderr = _check(tmp_path, pyproject=pyproject)
    assert code == 1
    assert "rich>=13 is not pinned" in stderr
    assert "run `make lock`" in stderr


def test_a_dropped_dependency_makes_it_stale(tmp_path: Path) -> None:
    pyproject = PYPROJECT.replace('    "filelock>=3.13",\n', "", 1)
    code, stderr = _check(tmp_path, pyproject=pyproject)
    assert code == 1
    assert "filelock is pinned for pyproject.toml, which no longer asks for it" in stderr


def test_a_raised_lower_bound_makes_it_stale(tmp_path: Path) -> None:
    pyproject = PYPROJECT.replace('"httpx>=0.28,<1"', '"httpx>=0.99,<1"', 1)
    code, stderr = _check(tmp_path, pyproject=pyproject)
    assert code == 1
    assert "is outside httpx<1,>=0.99" in stderr


def test_a_new_lowest_python_makes_it_stale(tmp_path: Path) -> None:
    pyproject = PYPROJECT.replace('requires-python = ">=3.11"', 'requires-python = ">=3.12"', 1)
    code, stderr = _check(tmp_path, pyproject=pyproject)
    assert code == 1
    assert "resolved for Python 3.11, not 3.12" in stderr


@pytest.mark.parametrize("option", ["--universal", "--generate-hashes"])
def test_a_lock_compiled_without_its_options_is_refused(tmp_path: Path, option: str) -> None:
    code, stderr = _check(tmp_path, lock=LOCK.replace(f" {option}", "", 1))
    assert code == 1
    assert f"compiled without {option}" in stderr


def test_a_pin_without_hashes_is_refused(tmp_path: Path) -> None:
    lines = LOCK.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("httpx=="))
    kept = [line for line in lines[start + 1 :] if not line.lstrip().startswith("--hash=")]
    lock = "".join(lines[:start]) + lines[start].split(" \\")[0] + "\n" + "".join(kept)
    code, stderr = _check(tmp_path, lock=lock)
    assert code == 1
    assert "has no hash" in stderr
