"""What a user would write instead of our build: pandas.read_html on both seed pages (or the
pages given with `--page PATH PLATFORM`, or every enabled page of the catalog with `--catalog`),
then JSON, CSV and SQLite. Run as its own process by
`build_bench.py` and `tree_bench.py`; `--out DIR` must not exist.

It renders the Markdown seeds with Python-Markdown as our build does, keeps the tables that have
a code column, drops blank rows, adds the platform, and writes the three exports.
"""

from __future__ import annotations

import argparse
import sqlite3
from io import StringIO
from pathlib import Path

import markdown
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
PAGES = {"ios": SEEDS / "im_errorcode_ios.md", "android": SEEDS / "im_errorcode_android.md"}


def catalog_pages() -> dict[str, Path]:
    """Every enabled catalog entry's local copy, by id (the catalog TOML, read with tomllib)."""
    import tomllib

    catalog = tomllib.loads((ROOT / "scraper" / "sources" / "catalog.toml").read_text("utf-8"))
    return {
        entry["id"]: ROOT / "fixtures" / entry["path"]
        for entry in catalog["source"]
        if entry.get("enabled", True)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--page", nargs=2, action="append", metavar=("PATH", "PLATFORM"))
    parser.add_argument("--catalog", action="store_true", help="every enabled catalog page")
    args = parser.parse_args()
    out = args.out
    if args.catalog:
        pages = catalog_pages()
    elif args.page:
        pages = {platform: Path(path) for path, platform in args.page}
    else:
        pages = PAGES
    out.mkdir(parents=True)
    frames = []
    for platform, path in pages.items():
        text = path.read_text(encoding="utf-8")
        html = (
            text
            if path.suffix == ".html"
            else markdown.markdown(text, extensions=["tables", "toc"], output_format="html")
        )
        try:
            tables = pd.read_html(StringIO(html), match="Code|错误码", flavor="lxml")
        except ValueError:  # no table on this page mentions a code
            continue
        for table in tables:
            table = table.dropna(how="all")
            names = ["code", "message", "description"][: len(table.columns)]
            table.columns = [*names, *table.columns[len(names) :]]
            table = table.reindex(columns=["code", "message", "description"]).fillna("")
            table.insert(0, "platform", platform)
            frames.append(table)
    data = pd.concat(frames, ignore_index=True)
    data["code"] = pd.to_numeric(data["code"], errors="coerce")
    data = data.dropna(subset=["code"]).astype({"code": "int64"})
    data = data.drop_duplicates(["platform", "code"]).sort_values(["platform", "code"])
    data.to_json(out / "errorcodes.json", orient="records", force_ascii=False, indent=2)
    data.to_csv(out / "errorcodes.csv", index=False, lineterminator="\r\n")
    with sqlite3.connect(out / "errorcodes.sqlite") as connection:
        data.to_sql("error_codes", connection, index=False)
    connection.close()


if __name__ == "__main__":
    main()
