"""How stages tell the user what is happening: one line of progress at a time."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str], None]
