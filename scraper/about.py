"""The tool's name, version and home page, for user agents, manifests and `--version`.

A fork changes `REPOSITORY` (and pyproject.toml's Homepage, which a test keeps equal): the
published files (the schema's `$id`, the data package's homepage, Datasette's "about" link)
name it, so that the same input gives the same bytes wherever it is built. The User-Agent of a
refresh that runs on GitHub Actions names the repository it runs in (`GITHUB_REPOSITORY`), so
a fork's scheduled refresh never announces another repository even before that edit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

TOOL_NAME = "jiguang-errorcodes"
# What the tool was called when it read JMessage's pages only: the command keeps this name too,
# and an output folder whose manifest names it is still one the tool made.
FORMER_TOOL_NAMES = ("jmessage-errorcodes",)
VERSION = "0.1.0"
# The repository on GitHub, as owner/name. Constants rather than a package-metadata look-up,
# which costs more than a no-change refresh's own work.
REPOSITORY = "jmessage-errorcodes/jmessage-errorcodes"
PROJECT_URL = f"https://github.com/{REPOSITORY}"
# The repository's files as they are at a commit or a tag: `{RAW_URL}/<commit>/output/...`.
RAW_URL = f"https://raw.githubusercontent.com/{REPOSITORY}"
# The git tag of this version's release, which the schema's `$id` points at (never `main`,
# which moves with every dataset commit).
RELEASE_TAG = f"v{VERSION}"
_OWNER_AND_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")


def project_url(environ: Mapping[str, str] = os.environ) -> str:
    """The home page of the repository this runs in on GitHub Actions, else `PROJECT_URL`."""
    repository = environ.get("GITHUB_REPOSITORY", "")
    if _OWNER_AND_NAME.fullmatch(repository):
        return f"https://github.com/{repository}"
    return PROJECT_URL
