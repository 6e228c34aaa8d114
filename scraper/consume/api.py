"""The Python API for consumers: `load()` the dataset as typed records, `lookup()` a code.

    import scraper

    for record in scraper.lookup(871102, platform="android"):
        print(record.code, record.message, record.description)

Both read `errorcodes.json` (no SQLite, no network). With no path they read the dataset
committed in the checkout this package runs from, or, in an installed package, the copy the
wheel carries; pass a path (a file, or a folder holding errorcodes.json) to read a vendored
copy or another build.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from scraper.consume.dataset import load_records
from scraper.consume.lookup import DEFAULT_DATA_DIR
from scraper.errors import DatasetError
from scraper.model import JSON_NAME, Record, parse_code

PathLike = str | os.PathLike[str]


def load(path: PathLike | None = None) -> list[Record]:
    """Every record of a dataset, sorted by (platform, sdk, code).

    Raises DatasetError when the file is missing, is not a dataset, or has a schema_version
    this version of the package does not read.
    """
    file = _json_path(path)
    if path is None and not file.is_file():
        raise DatasetError(
            f"{file}: dataset file not found; build it with `python -m scraper build`, "
            "or pass load() the path of an errorcodes.json"
        )
    try:
        stat = file.stat()
    except OSError:
        return load_records(file)  # raises the precise error for a missing or unreadable file
    return list(_load_cached(file.resolve(), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=8)
def _load_cached(file: Path, mtime_ns: int, size: int) -> tuple[Record, ...]:
    # Keyed on modification time and size too, so a rebuilt file is read again.
    return tuple(load_records(file))


def lookup(
    code: int | str,
    platform: str | None = None,
    sdk: str | None = None,
    *,
    path: PathLike | None = None,
) -> list[Record]:
    """Every record with this code (871302 or "871302"), optionally only for one platform and
    sdk (any case).

    An empty list means the dataset has no such entry; a text that is not a code is a
    ValueError.
    """
    if isinstance(code, str):
        number = parse_code(code.strip())
        if number is None:
            raise ValueError(f"lookup() takes an error code such as 871302, not {code!r}")
        code = number
    elif isinstance(code, bool) or not isinstance(code, int):
        raise TypeError(f"lookup() takes an int or str code, not {type(code).__name__}")
    return [
        record
        for record in load(path)
        if record.code == code
        and (platform is None or record.platform.casefold() == platform.casefold())
        and (sdk is None or record.sdk.casefold() == sdk.casefold())
    ]


def _json_path(path: PathLike | None) -> Path:
    if path is None:
        return DEFAULT_DATA_DIR / JSON_NAME
    given = Path(path)
    return given / JSON_NAME if given.is_dir() else given
