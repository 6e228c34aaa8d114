"""Where pages come from: the built-in catalog of JiGuang's pages and `--sources` TOML files.

The catalog (`catalog.toml`, package data) is read by the same loader as a sources file, so
its entries are checked like any other."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path

from scraper.errors import ConfigError
from scraper.model import PLATFORMS, PRODUCTS, ROLES, Source

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The local copies of the catalog's pages come with a checkout of the project, not with the
# installed package (which can still build from the live pages or a sources file).
FIXTURES = PROJECT_ROOT / "fixtures"
SEEDS = FIXTURES / "seeds"
CATALOG_NAME = "catalog.toml"

_KEYS = {"id", "url", "path", "platform", "product", "enabled", "columns", "note"}


def load_sources(toml_path: Path) -> tuple[Source, ...]:
    """Read a TOML file of `[[source]]` tables; relative paths resolve against its folder."""
    try:
        text = toml_path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{toml_path}: sources file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{toml_path}: cannot read sources file: {exc}") from exc
    return parse_sources(text, str(toml_path), toml_path.parent)


def parse_sources(
    text: str, where: str, base: Path, *, check_paths: bool = True
) -> tuple[Source, ...]:
    """The `[[source]]` tables of a TOML text; relative paths resolve against `base`."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: not valid TOML: {exc}") from exc
    unknown_top = set(document) - {"source"}
    if unknown_top:
        raise ConfigError(
            f"{where}: unknown top-level key(s) {', '.join(sorted(unknown_top))}; "
            "expected only [[source]] tables"
        )
    entries = document.get("source")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}: no [[source]] tables found")
    sources: list[Source] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        source = _source_from_entry(where, base, number, entry, check_paths)
        if source.id in seen:
            raise ConfigError(f"{where}: source #{number}: duplicate id {source.id!r}")
        seen.add(source.id)
        sources.append(source)
    return tuple(sources)


def _source_from_entry(
    toml_path: str, base: Path, number: int, entry: object, check_paths: bool
) -> Source:
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
    product = _string(entry, "product", where)
    note = _string(entry, "note", where)  # why the entry needs what it has: for readers
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
    if not product:
        raise ConfigError(
            f"{where}: missing product: the product the page documents, one of "
            f'{", ".join(PRODUCTS)}, or another vendor\'s product name (product = "JPush")'
        )
    if not url and not raw_path:
        raise ConfigError(f"{where}: needs a url, a path, or both")
    path: Path | None = None
    if raw_path:
        path = Path(raw_path)
        if not path.is_absolute():
            path = base / path
        if check_paths and not path.is_file():
            raise ConfigError(f"{where}: file not found: {path}")
    columns = _columns(entry.get("columns", {}), where)
    return Source(source_id, url, path, platform, enabled, product, columns, note)


def _columns(value: object, where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`columns = { code = "值", name = ["符号", "Symbol"] }`: the header text (or texts, for
    pages whose tables name a column differently) of each role's column."""
    example = '{ code = "值" }'
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: columns must be a table such as {example}")
    unknown = set(value) - set(ROLES)
    if unknown:
        raise ConfigError(
            f"{where}: columns: unknown role(s) {', '.join(sorted(unknown))}; "
            f"the roles are {', '.join(ROLES)}"
        )
    headers: dict[str, tuple[str, ...]] = {}
    for role in ROLES:
        if role not in value:
            continue
        texts = value[role] if isinstance(value[role], list) else [value[role]]
        if not texts or not all(isinstance(text, str) and text.strip() for text in texts):
            raise ConfigError(
                f"{where}: columns: {role} must be a header text or a list of header texts"
            )
        headers[role] = tuple(" ".join(text.split()) for text in texts)
    seen = [text.casefold() for texts in headers.values() for text in texts]
    if len(set(seen)) != len(seen):
        raise ConfigError(f"{where}: columns: two roles name the same header")
    return tuple(headers.items())


def _catalog() -> tuple[Source, ...]:
    text = resources.files("scraper.sources").joinpath(CATALOG_NAME).read_text("utf-8")
    # The copies are only there in a checkout: `check_seed_pages` says so when they are missing.
    return parse_sources(text, CATALOG_NAME, FIXTURES, check_paths=False)


def _string(entry: dict[str, object], key: str, where: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key} must be a string")
    return value.strip()


def check_seed_pages(sources: Sequence[Source]) -> None:
    """Stop an offline build of the built-in sources where their local copies are not installed.

    The copies come with a checkout of the project, not with the installed package, which can
    still build from the live pages or from copies named in a sources file.
    """
    seeded = [
        source.id
        for source in sources
        if source.enabled and source.path is not None and FIXTURES in source.path.parents
    ]
    if seeded and not FIXTURES.is_dir():
        named = ", ".join(seeded[:3]) + (f" and {len(seeded) - 3} more" if len(seeded) > 3 else "")
        raise ConfigError(
            f"build: this installation has no local copies of the built-in pages (those of "
            f"{named} come with a checkout of the project): build from the live pages with "
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


CATALOG: tuple[Source, ...] = _catalog()
# The built-in sources a build reads by default: every Chinese page. The English pages are
# built in but off (switched on by --include ID or --all-sources).
BUILTIN_SOURCES: tuple[Source, ...] = tuple(source for source in CATALOG if source.enabled)
OPTIONAL_SOURCES: tuple[Source, ...] = tuple(source for source in CATALOG if not source.enabled)
# The two JMessage pages the project started from: the smallest full build, used by tests.
SEED_SOURCES: tuple[Source, ...] = tuple(
    source for source in CATALOG if source.id in ("jmessage-ios", "jmessage-android")
)
