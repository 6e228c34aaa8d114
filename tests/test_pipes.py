"""A reader that closes the pipe early (`| head -1`, `| true`, `| grep -q`) ends the tool
quietly with the status `ls | head` gives (141, 128 + SIGPIPE), never as an internal error.

Real pipes to real processes: the installed console script and `python -m scraper`.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scraper.errors import BROKEN_PIPE
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

SCRIPT = Path(sys.executable).parent / "jmessage-errorcodes"
PROGRAMS = {"script": [str(SCRIPT)], "python -m": [sys.executable, "-m", "scraper"]}
COMMANDS = {
    "lookup --json": ["lookup", "e", "--json"],
    "lookup": ["lookup", "e"],
    "diff": ["diff", "output/errorcodes.json", "output/errorcodes.json"],
    "version": ["--version"],
}


def _cases() -> list[tuple[list[str], list[str]]]:
    return [(program, command) for program in PROGRAMS.values() for command in COMMANDS.values()]


IDS = [f"{program}: {command}" for program in PROGRAMS for command in COMMANDS]


def _spawn(argv: list[str], stdout: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, cwd=PROJECT_ROOT)


@pytest.mark.parametrize(("program", "command"), _cases(), ids=IDS)
def test_a_reader_that_is_gone_before_the_first_line_is_a_quiet_exit_141(
    program: list[str], command: list[str]
) -> None:
    """`| true`: the read end is closed before the tool writes anything."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    process = _spawn(program + command, write_end)
    os.close(write_end)
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr.decode()) == (BROKEN_PIPE, "")


@pytest.mark.parametrize("program", PROGRAMS.values(), ids=list(PROGRAMS))
def test_a_reader_that_stops_after_one_line_is_a_quiet_exit_141(program: list[str]) -> None:
    """`| head -1`: a small pipe buffer makes the tool block, so the close always hits it."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    process = _spawn([*program, "lookup", "e", "--json"], write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.readline() == b"[\n"
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr.decode()) == (BROKEN_PIPE, "")


def test_grep_q_ends_the_pipeline_quietly() -> None:
    """`| grep -q code`: grep quits at the first match, however much is still to come."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    tool = _spawn([str(SCRIPT), "lookup", "e", "--json"], write_end)
    os.close(write_end)
    grep = subprocess.run(["grep", "-q", "code"], stdin=read_end, check=False, timeout=60)
    os.close(read_end)
    _, stderr = tool.communicate(timeout=60)
    assert grep.returncode == 0
    assert (tool.returncode, stderr.decode()) == (BROKEN_PIPE, "")
