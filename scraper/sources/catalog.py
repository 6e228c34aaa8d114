"""Where pages come from: the built-in source list and `--sources` TOML files."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from scraper.errors import ConfigError
from scraper.model import PLATFORMS, Source

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SEEDS = PROJECT_ROOT / "fixtures" / "seeds"
DOCS_BASE = "https://docs.jiguang.cn/jmessage/client"


BUILTIN_SOURCES: tuple[Source, ...] = (
    Source("ios", f"{DOCS_BASE}/im_errorcode_ios/", SEEDS / "im_errorcode_ios.md", "ios"),
    Source(
        "android",
        f"{DOCS_BASE}/im_errorcode_android/",
        SEEDS / "im_errorcode_android.md",
        "android",
    ),
)
# Built in but off by default (switched on by --include ID or --all-sources): the iOS and
# Android pages send readers to the server page for codes they do not list, and the Web SDK has
# its own page. They have no seed copy, so they need --remote, or a path in a --sources file.
# Kept apart from BUILTIN_SOURCES, which stays the default build, so code that builds "the
# built-in sources" keeps building exactly the seed pages.
OPTIONAL_SOURCES: tuple[Source, ...] = (
    Source("server", f"{DOCS_BASE}/im_errorcode_server/", None, "server", enabled=False),
    Source("js", f"{DOCS_BASE}/im_errorcode_js/", None, "web", enabled=False),
)

_KEYS = {"id", "url", "path", "platform", "enabled"}


def load_sources(toml_path: Path) -> tuple[Source, ...]:
    """Read a TOML file of `[[source]]` tables; relative paths resolve against its folder."""
    try:
        document = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{toml_path}: sources file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{toml_path}: cannot read sources file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{toml_path}: not valid TOML: {exc}") from exc
    unknown_top = set(document) - {"source"}
    if unknown_top:
        raise ConfigError(
            f"{toml_path}: unknown top-level key(s) {', '.join(sorted(unknown_top))}; "
            "expected only [[source]] tables"
        )
    entries = document.get("source")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{toml_path}: no [[source]] tables found")
    sources: list[Source] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        source = _source_from_entry(toml_path, number, entry)
        if source.id in seen:
            raise ConfigError(f"{toml_path}: source #{number}: duplicate id {source.id!r}")
        seen.add(source.id)
        sources.append(source)
    return tuple(sources)


def _source_from_entry(toml_path: Path, number: int, entry: object) -> Source:
    where = f"{toml_path}: source #{number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a [[source]] table")
    unknown = set(entry) - _KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
            f"allowed keys are {', '.join(sorted(_KEYS))}"
        )
    source_id = entry.get("id")
    if not isinstance(source_id, str) or not source_id.strip():
        raise ConfigError(f"{where}: missing id")
    where = f"{toml_path}: source {source_id!r}"
    url = _string(entry, "url", where)
    raw_path = _string(entry, "path", where)
    platform = _string(entry, "platform", where)
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}: enabled must be true or false")
    if not platform:
        raise ConfigError(f"{where}: missing platform (one of {', '.join(PLATFORMS)})")
    if platform not in PLATFORMS:
        # The published schema allows only these; an unknown one would fail its consumers.
        raise ConfigError(
            f"{where}: unknown platform {platform!r}; expected one of {', '.join(PLATFORMS)}"
        )
    if not url and not raw_path:
        raise ConfigError(f"{where}: needs a url, a path, or both")
    path: Path | None = None
    if raw_path:
        path = Path(raw_path)
        if not path.is_absolute():
            path = toml_path.parent / path
        if not path.is_file():
            raise ConfigError(f"{where}: file not found: {path}")
    return Source(source_id, url, path, platform, enabled)


def _string(entry: dict[str, object], key: str, where: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string")
    return value.strip()


def check_seed_pages(sources: Sequence[Source]) -> None:
    """Stop an offline build of the built-in sources where their seed pages are not installed.

    The seed pages come with a checkout of the project, not with the installed package, which
    can still build from the live pages or from copies named in a sources file.
    """
    seeded = [
        source.id
        for source in sources
        if source.enabled and source.path is not None and SEEDS in source.path.parents
    ]
    if seeded and not SEEDS.is_dir():
        raise ConfigError(
            f"build: this installation has no seed pages (the local copies of {', '.join(seeded)} "
            "come with a checkout of the project): build from the live pages with "
            "`build --remote`, or from local copies listed in a file with `build --sources FILE`"
        )


def select_sources(sources: tuple[Source, ...], only: list[str] | None) -> tuple[Source, ...]:
    """The enabled sources, or exactly those named by `--only` (an unknown id is an error)."""
    if not only:
        return tuple(source for source in sources if source.enabled)
    _require_known(sources, only, "--only")
    return tuple(source for source in sources if source.id in only)


def include_sources(
    sources: tuple[Source, ...], include: Sequence[str] = (), *, all_sources: bool = False
) -> tuple[Source, ...]:
    """The sources with those named by `--include` (or all, `--all-sources`) switched on."""
    _require_known(sources, include, "--include")
    wanted = set(include)
    return tuple(
        replace(source, enabled=True) if all_sources or source.id in wanted else source
        for source in sources
    )


def _require_known(sources: tuple[Source, ...], ids: Sequence[str], option: str) -> None:
    known = {source.id for source in sources}
    missing = [source_id for source_id in ids if source_id not in known]
    if missing:
        raise ConfigError(
            f"{option}: unknown source id(s) {', '.join(missing)}; "
            f"known ids are {', '.join(sorted(known))}"
        )
