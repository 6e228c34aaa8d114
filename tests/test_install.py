"""The wheel carries the dataset: built offline, installed into a fresh virtual environment
outside the checkout, and used from another folder.

No network: `pip wheel --no-build-isolation --no-index` builds with the setuptools of this
environment, and the wheel is installed with `--no-deps --no-index`. The fresh environment
reaches the dependencies through a `.pth` file naming this environment's site-packages: a
`.pth` line only appends a folder to `sys.path` (the `.pth` files inside it are not run), so
the editable install of the checkout stays out of sight and `import scraper` finds the wheel.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from scraper import __version__
from scraper.model import DATAPACKAGE_NAME, JSON_NAME, SQLITE_NAME
from scraper.sources.catalog import BUILTIN_SOURCES
from tests.conftest import PROJECT_ROOT
from tests.datasets import record, write_dataset

pytestmark = pytest.mark.slow

PACKAGE = PROJECT_ROOT / "scraper"
PROJECT_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE")


def _run(*args: str | Path, cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=check,
        timeout=300,
        env=environment,
    )


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the project's wheel installed; its folder."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    source.mkdir()
    for name in PROJECT_FILES:
        shutil.copyfile(PROJECT_ROOT / name, source / name)
    shutil.copytree(
        PROJECT_ROOT / "scraper", source / "scraper", ignore=shutil.ignore_patterns("__pycache__")
    )
    (source / "output").mkdir()
    for name in (JSON_NAME, SQLITE_NAME, DATAPACKAGE_NAME):
        shutil.copyfile(PROJECT_ROOT / "output" / name, source / "output" / name)
    wheels = root / "wheels"
    python = sys.executable
    _run(python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", wheels, source, cwd=root)  # fmt: skip
    (wheel,) = wheels.glob("*.whl")
    target = root / "venv"
    _run(python, "-m", "venv", "--without-pip", target, cwd=root)
    new_python = target / "bin" / "python"
    _run(python, "-m", "pip", "--python", new_python, "install", "--quiet", "--no-deps",
         "--no-index", wheel, cwd=root)  # fmt: skip
    site = _run(new_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                cwd=root).stdout.strip()  # fmt: skip
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(site) / "checkout-dependencies.pth").write_text("\n".join(ours) + "\n")
    return target


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_the_command_looks_a_code_up_from_another_folder(venv: Path, elsewhere: Path) -> None:
    done = _run(venv / "bin" / "jmessage-errorcodes", "lookup", "871302", cwd=elsewhere)
    assert done.stdout.startswith("871302  android/JMessage\n")
    assert "Message content exceeds its max length." in done.stdout


def test_the_python_api_looks_a_code_up_from_another_folder(venv: Path, elsewhere: Path) -> None:
    done = _run(
        venv / "bin" / "python",
        "-c",
        "import scraper; found = scraper.lookup(871302); print(found); print(scraper.__file__)",
        cwd=elsewhere,
    )
    printed, location = done.stdout.splitlines()
    assert "code=871302" in printed
    assert "platform='android'" in printed
    assert Path(location).is_relative_to(venv)  # the wheel, not the checkout


def test_version_names_the_tool_and_the_packaged_dataset(venv: Path, elsewhere: Path) -> None:
    done = _run(venv / "bin" / "jmessage-errorcodes", "--version", cwd=elsewhere)
    tool, dataset = done.stdout.splitlines()
    assert tool == f"jmessage-errorcodes {__version__}"
    # The dataset's version is SCHEMA_VERSION.0.0+digest (publish.contract.dataset_version).
    assert re.fullmatch(r"dataset 2\.0\.0\+[0-9a-f]{12} of \d{4}-\d{2}-\d{2} \(.+\)", dataset)
    assert dataset.endswith(f"{os.sep}scraper{os.sep}consume{os.sep}data)")


def test_usage_names_the_program_as_invoked(venv: Path, elsewhere: Path) -> None:
    script = _run(venv / "bin" / "jmessage-errorcodes", "lookup", cwd=elsewhere, check=False)
    assert script.returncode == 2
    assert script.stderr.startswith("usage: jmessage-errorcodes lookup ")
    module = _run(venv / "bin" / "python", "-m", "scraper", "lookup", cwd=elsewhere, check=False)
    assert module.stderr.startswith("usage: python -m scraper lookup ")


def test_build_without_seed_pages_names_remote_and_sources(venv: Path, elsewhere: Path) -> None:
    done = _run(venv / "bin" / "jmessage-errorcodes", "build", cwd=elsewhere, check=False)
    assert done.returncode == 2
    assert done.stderr == (
        "error: build: this installation has no local copies of the built-in pages (those of "
        + ", ".join(source.id for source in BUILTIN_SOURCES[:3])
        + f" and {len(BUILTIN_SOURCES) - 3} more come with a checkout of the project): build "
        "from the live pages with `build --remote`, "
        "or from local copies listed in a file with `build --sources FILE`\n"
    )
    assert not (elsewhere / "output").exists()


def test_data_and_path_still_choose_another_dataset(venv: Path, elsewhere: Path) -> None:
    data = write_dataset(elsewhere / "mine", [record(code=5, message="five")])
    done = _run(venv / "bin" / "jmessage-errorcodes", "lookup", "5", "--data", data, cwd=elsewhere)
    assert "message:     five" in done.stdout
    api = _run(
        venv / "bin" / "python",
        "-c",
        f"import scraper; print(scraper.lookup(5, path={str(data)!r})[0].message)",
        cwd=elsewhere,
    )
    assert api.stdout == "five\n"


def test_the_wheel_ships_every_module_and_each_imports(venv: Path, elsewhere: Path) -> None:
    checkout = sorted(
        ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for path in PACKAGE.rglob("*.py")
        if "__pycache__" not in path.parts
    )
    script = (
        "import importlib, pkgutil, scraper\n"
        "found = pkgutil.walk_packages(scraper.__path__, 'scraper.')\n"
        "names = ['scraper'] + [module.name for module in found]\n"
        "for name in names:\n"
        "    if name.endswith('__main__'):\n"
        "        continue  # runs the command line; `python -m scraper` is tested on its own\n"
        "    module = importlib.import_module(name)\n"
        "    assert module.__file__.startswith(scraper.__path__[0]), name\n"
        "print('\\n'.join(sorted(names)))\n"
    )
    done = _run(venv / "bin" / "python", "-c", script, cwd=elsewhere)
    assert done.stdout.split() == checkout


def test_the_wheel_ships_the_lookup_pages_style_and_script(venv: Path, elsewhere: Path) -> None:
    script = (
        "from importlib.resources import files\n"
        "import scraper.publish.page as page\n"
        "assets = files(page.__name__.rpartition('.')[0]) / 'assets'\n"
        "print(sorted(item.name for item in assets.iterdir()))\n"
        "print(page.render_page([], [], version='v', updated=None).count(b'<script'))\n"
    )
    done = _run(venv / "bin" / "python", "-c", script, cwd=elsewhere)
    assert done.stdout == "['lookup.css', 'lookup.js']\n2\n"
