"""What `--version` says about a dataset: its version and the date its data last changed.

Both come from the dataset's `datapackage.json`: `version` (`1.0.0+<start of the JSON's
sha256>`) and `created` (the time of the build that last changed the data).
"""

from __future__ import annotations

import json
from pathlib import Path

from scraper.model import DATAPACKAGE_NAME


def describe_dataset(folder: Path) -> str:
    """One line: `dataset VERSION of DATE (FOLDER)`, or why there is nothing to say."""
    path = folder / DATAPACKAGE_NAME
    try:
        package = json.loads(path.read_bytes())
    except FileNotFoundError:
        return f"no dataset in {folder}"
    except (OSError, ValueError) as exc:
        return f"{path}: cannot read the dataset's version ({exc})"
    version = package.get("version") if isinstance(package, dict) else None
    if not isinstance(version, str):
        return f"{path}: no dataset version"
    created = package.get("created")
    date = created[:10] if isinstance(created, str) else "an unknown date"
    return f"dataset {version} of {date} ({folder})"
