"""The wheel carries the dataset: `build_py` copies it from output/ into the package.

Everything else about the package is in pyproject.toml. The copy goes into the build folder
only (`scraper/consume/data/` inside the wheel), never into the checkout, which reads its own
output/ (see scraper/consume/location.py); an editable install copies nothing. A build without
the dataset fails rather than make a wheel whose `lookup` cannot work.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
DATASET = ("errorcodes.json", "errorcodes.sqlite", "datapackage.json")
PACKAGED = Path("scraper", "consume", "data")


class build_py_with_dataset(build_py):
    """`build_py`, then the dataset files of output/ copied beside the consumer code."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / PACKAGED
        target.mkdir(parents=True, exist_ok=True)
        for name in DATASET:
            source = ROOT / "output" / name
            if not source.is_file():
                raise SystemExit(
                    f"{source}: missing; build the dataset (make dataset) before the wheel"
                )
            shutil.copyfile(source, target / name)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not getattr(self, "editable_mode", False):
            outputs += [str(Path(self.build_lib) / PACKAGED / name) for name in DATASET]
        return outputs


setup(cmdclass={"build_py": build_py_with_dataset})
