"""The tool's name, version and home page, for user agents, manifests and `--version`."""

from __future__ import annotations

TOOL_NAME = "jmessage-errorcodes"
VERSION = "0.1.0"
# The project's home page, as pyproject.toml states it (a test keeps the two equal). A constant
# rather than a package-metadata look-up, which costs more than a no-change refresh's own work.
PROJECT_URL = "https://github.com/jmessage-errorcodes/jmessage-errorcodes"
