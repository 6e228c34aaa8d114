"""Docs that cannot drift: every command and option of the CLI appears in README.md.

The commands and options are read from the parser itself, so a new option fails this test
until the README mentions it.
"""

from __future__ import annotations

import argparse
import re

import pytest

from scraper.cli import build_parser
from tests.conftest import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """Long option strings, without -h/--help, which every command has."""
    return [
        option
        for action in parser._actions
        if not isinstance(action, argparse._HelpAction)
        for option in action.option_strings
        if option.startswith("--")
    ]


PARSER = build_parser()
COMMANDS = _subcommands(PARSER)
OPTIONS = [("", option) for option in _options(PARSER)] + [
    (name, option) for name, command in COMMANDS.items() for option in _options(command)
]


def test_the_parser_has_commands() -> None:
    assert {"build", "lookup"} <= set(COMMANDS)


@pytest.mark.parametrize("command", sorted(COMMANDS), ids=str)
def test_every_command_is_documented(command: str) -> None:
    usage = f"python -m scraper {command}"
    assert usage in README, f"README.md does not show `{usage}`"


@pytest.mark.parametrize(
    ("command", "option"),
    OPTIONS,
    ids=[f"{command} {option}".strip() for command, option in OPTIONS],
)
def test_every_option_is_documented(command: str, option: str) -> None:
    usage = f"python -m scraper {command}".rstrip()
    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", README), (
        f"README.md does not mention {option} of `{usage}`"
    )
