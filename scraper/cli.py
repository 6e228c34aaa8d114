"""The command line: parse arguments, run a stage, print, and map errors to exit codes.

Exit codes: 0 success; 1 data changed (build --exit-code); 2 usage or configuration error;
3 a source could not be read or parsed, or the output could not be locked or written.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from scraper import __version__
from scraper.errors import ScraperError
from scraper.remote import add_remote_arguments, remote_options

DEFAULT_OUT = Path("output")


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m scraper",
        description="Build the JMessage SDK error-code dataset from its documentation pages.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="read the sources and publish the dataset")
    build.add_argument(
        "--sources",
        type=Path,
        metavar="FILE",
        help="TOML file of [[source]] tables to read instead of the built-in list",
    )
    build.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        metavar="DIR",
        help="output folder (default: output/)",
    )
    build.add_argument(
        "--lock-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wait at most this long for another build on the same folder (default: 60)",
    )
    build.add_argument(
        "--only",
        type=_source_ids,
        action="extend",
        metavar="ID[,ID...]",
        help="rebuild only these sources; the others keep their records from the previous build",
    )
    add_remote_arguments(build)
    build.set_defaults(handler=_run_build)
    _add_lookup_command(commands)
    return parser


def _run_build(args: argparse.Namespace) -> int:
    from scraper.build import BuildOptions, run_build
    from scraper.sources import BUILTIN_SOURCES, load_sources

    sources = load_sources(args.sources) if args.sources else BUILTIN_SOURCES
    options = BuildOptions(
        sources=sources,
        out_dir=args.out,
        lock_timeout=args.lock_timeout,
        only=tuple(dict.fromkeys(args.only or ())),
        remote=remote_options(args),
    )
    result = run_build(options, _stderr)
    for page in result.pages:
        for anomaly in page.report.anomalies + page.report.duplicates:
            _stderr(f"warning: {anomaly.describe()}")
    groups = Counter(f"{record.platform}/{record.sdk}" for record in result.records)
    reports = [page.report for page in result.pages]
    _stderr(
        f"{len(result.records)} records ("
        + ", ".join(f"{name}: {count}" for name, count in sorted(groups.items()))
        + f"); {sum(report.blank_rows for report in reports)} blank rows skipped, "
        f"{sum(len(report.anomalies) for report in reports)} anomalies, "
        f"{sum(len(report.duplicates) for report in reports)} duplicates"
    )
    if result.changed:
        _stderr(f"wrote {', '.join(result.written)} to {args.out}")
    else:
        _stderr(f"no change: nothing written to {args.out}")
    return 0


def _source_ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",")]
    if not all(ids):
        raise argparse.ArgumentTypeError(f"expected source ids separated by commas: {text!r}")
    return ids


def _add_lookup_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lookup = commands.add_parser(
        "lookup",
        help="print the entries of an error code, or those whose text matches",
        description="Look an error code up in the dataset (offline). Exit 1 when nothing matches.",
    )
    lookup.add_argument(
        "query",
        metavar="QUERY",
        help="an error code (871302) or words to find in messages and descriptions (登录, login)",
    )
    lookup.add_argument("--platform", metavar="P", help="only entries of this platform (ios, ...)")
    lookup.add_argument("--sdk", metavar="S", help="only entries of this sdk (JMessage, JMRTC)")
    lookup.add_argument(
        "--json",
        action="store_true",
        dest="as_json",
        help="print the matches as a JSON array of records ([] when none)",
    )
    lookup.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="folder holding errorcodes.sqlite (default: the project's committed output/)",
    )
    lookup.set_defaults(handler=_run_lookup)


def _run_lookup(args: argparse.Namespace) -> int:
    import json

    from scraper.errors import ConfigError
    from scraper.search import describe, find, no_match_message

    if not args.query.strip():
        raise ConfigError("lookup: the query is empty; give an error code (871302) or a word")
    matches = find(args.data, args.query, platform=args.platform, sdk=args.sdk)
    if args.as_json:
        records = [record.as_dict() for record in matches.records]
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        print("\n".join(describe(record) for record in matches.records), end="")
    if matches.records:
        return 0
    _stderr(no_match_message(args.query, matches, platform=args.platform, sdk=args.sdk))
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except ScraperError as error:
        _stderr(f"error: {error}")
        return error.exit_code
    except KeyboardInterrupt:
        _stderr("interrupted")
        return 130
    return code
