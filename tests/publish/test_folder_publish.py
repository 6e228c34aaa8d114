"""Publishing a set of files that lie in sub-folders (app/...): all or nothing there too."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import pytest

from scraper.errors import OutputError
from scraper.model import MANIFEST_NAME
from scraper.publish.folder import publish


def test_files_in_new_sub_folders_are_published(tmp_path: Path) -> None:
    written = publish(
        tmp_path,
        {"app/android/values/strings.xml": b"<resources/>", "errorcodes.json": b"{}"},
        {},
        lambda: b"{}",
    )
    assert written == ["app/android/values/strings.xml", "errorcodes.json", MANIFEST_NAME]
    assert (tmp_path / "app/android/values/strings.xml").read_bytes() == b"<resources/>"
    assert sorted(path.name for path in tmp_path.rglob(".tmp-*")) == []


def test_a_failed_publish_removes_the_sub_folders_it_made(tmp_path: Path) -> None:
    (tmp_path / "errorcodes.json").write_bytes(b"old")

    def manifest() -> NoReturn:
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="the folder is as it was"):
        publish(tmp_path, {"app/ios/en.lproj/Localizable.strings": b"x"}, {}, manifest)
    assert sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*")) == [
        "errorcodes.json"
    ]
    assert (tmp_path / "errorcodes.json").read_bytes() == b"old"
