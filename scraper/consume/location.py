"""Where a reader finds the dataset when it is given no path.

A checkout of the project reads its own committed `output/` folder, wherever the command runs.
An installed package (a wheel) reads the copy of `errorcodes.json`, `errorcodes.sqlite` and
`datapackage.json` that the wheel carries in `scraper/consume/data/`, copied from `output/`
when the wheel was built (see `setup.py`). A checkout is told apart from an installation by
the `pyproject.toml` beside the package, which site-packages never has.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the checkout, or site-packages
CHECKOUT_DATA_DIR = _PACKAGE_ROOT / "output"
PACKAGED_DATA_DIR = Path(__file__).resolve().parent / "data"


def default_data_dir() -> Path:
    """The checkout's `output/`, else the packaged copy, else `output/` (to name when missing)."""
    if (_PACKAGE_ROOT / "pyproject.toml").is_file():
        return CHECKOUT_DATA_DIR
    if PACKAGED_DATA_DIR.is_dir():
        return PACKAGED_DATA_DIR
    return CHECKOUT_DATA_DIR
