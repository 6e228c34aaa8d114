"""The command line: parse arguments, run a stage, print, and map errors to exit codes.

Exit codes are declared in `scraper.errors` (each error class names its own) and mapped here
and nowhere else. An internal error (a bug) prints its traceback only under --debug or
JMESSAGE_ERRORCODES_DEBUG=1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import TypeVar

from scraper.about import PROJECT_URL
from scraper.about import VERSION as __version__
from scraper.errors import (
    BROKEN_PIPE,
    INTERNAL_ERROR,
    INTERRUPTED,
    TERMINATED,
    ConfigError,
    ScraperError,
    Terminated,
)
from scraper.sources.options import (
    DEFAULT_CACHE_DIR,
    DEFAULT_MAX_REFRESH_TIME,
    DEFAULT_MAX_TIME,
    DEFAULT_TIMEOUT,
    MAX_BODY,
    MAX_RETRIES,
    MAX_SECONDS,
    MIB,
    RemoteOptions,
)
from scraper.sources.retry import RetryPolicy

_T = TypeVar("_T")
DEFAULT_OUT = Path("output")
_DEFAULT_RETRY = RetryPolicy()
DEBUG_ENV = "JMESSAGE_ERRORCODES_DEBUG"


# Progress comes from the fetching threads too: one lock, so each line is written whole.
_LOG_LOCK = threading.Lock()


def _stderr(text: str) -> None:
    """Lines of progress or diagnosis, each written whole (one write, flushed) and inert: text
    from pages in them can neither drive the terminal nor command a CI runner reading the log."""
    from scraper.report import inert_log_line
    from scraper.text import printable

    block = "".join(inert_log_line(printable(line)) + "\n" for line in text.split("\n"))
    with _LOG_LOCK:
        sys.stderr.write(block)
        sys.stderr.flush()


def _stdout(text: str, *, escaped: bool = False) -> None:
    """Text for the user; control characters from pages are shown escaped on a terminal, and
    wherever the output goes when `escaped`."""
    from scraper.text import printable

    sys.stdout.write(printable(text) if escaped or sys.stdout.isatty() else text)


def invoked_as(argv0: str) -> str:
    """The program's name for usage lines: the console script's, or `python -m scraper`."""
    name = Path(argv0).name
    return "python -m scraper" if name in {"", "-c", "__main__.py"} else name


class _Version(argparse.Action):
    """`--version`: the tool's version, and the version and date of the dataset it reads."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS)
        self.help = "print the tool's version and the dataset's version and date, then exit"

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        from scraper.consume.lookup import DEFAULT_DATA_DIR
        from scraper.consume.version import describe_dataset

        print(f"{parser.prog} {__version__}\n{describe_dataset(DEFAULT_DATA_DIR)}")
        parser.exit()


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or invoked_as(sys.argv[0] if sys.argv else ""),
        description="Build the JMessage SDK error-code dataset from its documentation pages.",
    )
    parser.add_argument("--version", action=_Version)
    parser.add_argument(
        "--debug",
        action="store_true",
        help=f"print the traceback of an internal error (or set {DEBUG_ENV}=1)",
    )
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
        type=_seconds,
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
    build.add_argument(
        "--include",
        type=_source_ids,
        action="extend",
        default=[],
        metavar="ID[,ID...]",
        help="also build these sources that are off by default (server, js)",
    )
    build.add_argument(
        "--all-sources",
        action="store_true",
        help="build every source, including those off by default",
    )
    build.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit 3) on any skipped row, duplicate key or parse warning",
    )
    _add_remote_arguments(build)
    _add_change_arguments(build)
    build.set_defaults(handler=_run_build)
    _add_lookup_command(commands)
    _add_diff_command(commands)
    return parser


def _run_build(args: argparse.Namespace) -> int:
    from scraper.build import BuildOptions, run_build
    from scraper.publish.diff import summary
    from scraper.publish.history import run_time
    from scraper.report import Reporter
    from scraper.sources.catalog import (
        BUILTIN_SOURCES,
        OPTIONAL_SOURCES,
        check_seed_pages,
        include_sources,
        load_sources,
    )

    sources = include_sources(
        load_sources(args.sources) if args.sources else BUILTIN_SOURCES + OPTIONAL_SOURCES,
        args.include,
        all_sources=args.all_sources,
    )
    options = BuildOptions(
        sources=sources,
        out_dir=args.out,
        lock_timeout=args.lock_timeout,
        only=tuple(dict.fromkeys(args.only or ())),
        remote=_remote_options(args),
        max_shrink=args.max_shrink,
        allow_shrink=args.allow_shrink,
        now=_build_time(run_time(os.environ)),
        strict=args.strict,
    )
    if args.sources is None and options.remote is None:
        check_seed_pages(sources)
    reporter = Reporter(_stderr)
    result = run_build(options, reporter)
    groups = Counter(f"{record.platform}/{record.sdk}" for record in result.records)
    counted = (
        f"{len(result.records)} records ("
        + ", ".join(f"{name}: {count}" for name, count in sorted(groups.items()))
        + ")"
    )
    # The same counts as the warnings printed above and the manifest's `run`.
    counts = reporter.counters
    blank_rows = sum(entry.blank_rows for entry in result.entries)
    if result.inputs_unchanged:
        _stderr(f"{counted}, as the last build published them")
    else:
        _stderr(
            f"{counted}; {blank_rows} blank rows skipped, "
            f"{counts['warnings.anomaly']} anomalies, {counts['warnings.duplicate']} duplicates"
        )
    if result.changed:
        # An empty diff here means the build completed the files an interrupted build left old.
        _stderr(summary(result.diff) if not result.diff.is_empty else "no data change")
        _stderr(f"wrote {', '.join(result.written)} to {args.out}")
    else:
        _stderr(f"no change: nothing written to {args.out}")
    return 1 if args.exit_code and result.changed else 0


def _build_time(moment: datetime) -> datetime:
    """The build's time, when it is one every reader of the dataset can read back."""
    if not 1970 <= moment.year <= 9999:
        raise ConfigError(
            f"SOURCE_DATE_EPOCH must be a time from 1970 to 9999; got "
            f"{os.environ.get('SOURCE_DATE_EPOCH', '').strip()!r} (the year {moment.year})"
        )
    return moment


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
        nargs="+",
        help="an error code (871302) or its first digits (8713), several codes (871302 871303), "
        "or words to find in messages and descriptions (登录, login)",
    )
    lookup.add_argument("--platform", metavar="P", help="only entries of this platform (ios, ...)")
    lookup.add_argument("--sdk", metavar="S", help="only entries of this sdk (JMessage, JMRTC)")
    lookup.add_argument(
        "--product", metavar="P", help="only entries of this product (JPush, JSMS, ...)"
    )
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
        help="the dataset folder, or any file in it (default: the project's committed output/)",
    )
    lookup.set_defaults(handler=_run_lookup)


def _run_lookup(args: argparse.Namespace) -> int:
    import json

    from scraper.consume.lookup import describe, find, no_match_message
    from scraper.model import parse_code

    for query in args.query:
        _check_text_argument(query, "QUERY")
    for name in ("platform", "sdk", "product"):
        _check_text_argument(getattr(args, name), name.upper())
    words = " ".join(args.query).split()
    if not words:
        raise ConfigError("lookup: the query is empty; give an error code (871302) or a word")
    # Several codes are looked up one by one; anything else is one text of words.
    codes = len(words) > 1 and all(parse_code(word) is not None for word in words)
    queries = words if codes else [" ".join(words)]
    filters = {"platform": args.platform, "sdk": args.sdk, "product": args.product}
    found = [find(args.data, query, **filters) for query in queries]
    records = list(dict.fromkeys(record for matches in found for record in matches.records))
    if args.as_json:
        print(json.dumps([record.as_dict() for record in records], ensure_ascii=False, indent=2))
    else:
        # Escaped wherever it goes: page text must not forge lines in a pipe or a log either.
        _stdout("\n".join(describe(record) for record in records), escaped=True)
    for query, matches in zip(queries, found, strict=True):
        if not matches.records:
            _stderr(no_match_message(query, matches, **filters))
    return 0 if records else 1


def _check_text_argument(value: str | None, name: str) -> None:
    """Refuse an argument that is not valid UTF-8 (Python keeps such bytes as surrogates)."""
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        try:
            raw = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            raw = value.encode("utf-8", "backslashreplace")
        shown = raw.decode("ascii", "backslashreplace")
        raise ConfigError(
            f"lookup: {name} '{shown}' is not valid UTF-8; check the terminal's or the "
            "script's character encoding"
        ) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code. A reader that closes the pipe early (`| head -1`) ends
    the command quietly, with the status `ls | head` gives."""
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()  # a closed pipe shows here, while it can still be handled
    except BrokenPipeError:
        _discard_output()
        return BROKEN_PIPE


def _discard_output() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail on the pipe."""
    try:
        descriptor = sys.stdout.fileno()
    except (OSError, ValueError):  # not a real file (a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = args.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0")
    try:
        with _terminate_on_sigterm():
            code: int = args.handler(args)
    except BrokenPipeError:
        raise
    except ScraperError as error:
        # Each line of its own is an error (one per failed source); indented ones continue it.
        lines = str(error).split("\n")
        _stderr("\n".join(line if line[:1].isspace() else f"error: {line}" for line in lines))
        return error.exit_code
    except KeyboardInterrupt:
        _stderr("interrupted: stopped, nothing was written")
        return INTERRUPTED
    except Terminated:
        _stderr("terminated: stopped, nothing was written")
        return TERMINATED
    except Exception as exc:
        if debug:
            traceback.print_exc()
        _stderr(internal_error(exc))
        return INTERNAL_ERROR
    return code


def internal_error(exc: BaseException) -> str:
    """The one line an unexpected exception gets: what it was, and where to report it."""
    name = type(exc).__qualname__
    what = f"{name}: {exc}" if str(exc) else name
    return (
        f"internal error (a bug in the tool): {' '.join(what.split())[:300]}; please report it "
        f"at {PROJECT_URL}/issues with the command that failed (for the traceback, run again "
        f"with --debug or {DEBUG_ENV}=1)"
    )


@contextlib.contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    """While the command runs, SIGTERM raises Terminated, so work unwinds and rolls back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(_signum: int, _frame: FrameType | None) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _add_change_arguments(build: argparse.ArgumentParser) -> None:
    build.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 1 when the build changed the output folder, 0 when it did not (for jobs)",
    )
    build.add_argument(
        "--max-shrink",
        type=_fraction,
        default=0.2,
        metavar="FRACTION",
        help="refuse to publish when a source lost more than this fraction of its records "
        "(default: 0.2, i.e. 20%%)",
    )
    build.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even when a source shrank beyond --max-shrink or now gives no records",
    )


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(
            f"expected a fraction from 0 to 1 (0.2 means 20%), got {text!r}"
        )
    return value


def _add_diff_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from scraper.publish.diff import DIFF_FORMATS

    diff = commands.add_parser(
        "diff",
        help="compare two errorcodes.json files",
        description="Compare two versions of errorcodes.json (from two git revisions, say). "
        "Exit 0 when they are equal, 1 when they differ, 2 when a file cannot be read.",
    )
    diff.add_argument("old", type=Path, metavar="OLD", help="the earlier errorcodes.json")
    diff.add_argument("new", type=Path, metavar="NEW", help="the later errorcodes.json")
    diff.add_argument(
        "--format",
        dest="output_format",
        choices=DIFF_FORMATS,
        default="text",
        help="text (default), markdown (for a pull request or change log) or json (as diff.json)",
    )
    diff.set_defaults(handler=_run_diff)


def _run_diff(args: argparse.Namespace) -> int:
    from scraper.publish.diff import compare, read_dataset_file, render

    old, old_sha256 = read_dataset_file(args.old)
    new, new_sha256 = read_dataset_file(args.new)
    result = compare(old, new, names=(str(args.old), str(args.new)))
    _stdout(render(result, args.output_format, old_sha256, new_sha256))
    return 0 if result.is_empty else 1


def _add_remote_arguments(build: argparse.ArgumentParser) -> None:
    """The `build` flags of a live refresh; the tuning flags need --remote."""
    group = build.add_argument_group("live refresh (with --remote)")
    group.add_argument(
        "--remote",
        action="store_true",
        help="fetch every source's url over HTTP instead of reading its local copy",
    )
    group.add_argument(
        "--cache",
        type=Path,
        metavar="DIR",
        help=f"keep ETag / Last-Modified and page bodies here (default: {DEFAULT_CACHE_DIR}/)",
    )
    group.add_argument(
        "--no-cache",
        action="store_true",
        default=None,
        help="neither read nor write the cache: fetch every page in full",
    )
    group.add_argument(
        "--connect-timeout",
        type=_timeout,
        metavar="SECONDS",
        help=f"give up connecting after this long (default: {DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--read-timeout",
        type=_timeout,
        metavar="SECONDS",
        help=f"give up when the site sends nothing for this long (default: {DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--max-time",
        type=_timeout,
        metavar="SECONDS",
        help="give up on a request that has not completed after this long, however the site "
        f"sends it (default: {DEFAULT_MAX_TIME:g})",
    )
    group.add_argument(
        "--max-refresh-time",
        type=_timeout,
        metavar="SECONDS",
        help="stop the refresh (exit 3, nothing written) when fetching has taken this long, "
        f"retries included (default: {DEFAULT_MAX_REFRESH_TIME:g})",
    )
    group.add_argument(
        "--retries",
        type=_count,
        metavar="N",
        help=f"retry a transient failure at most N times (default: {_DEFAULT_RETRY.retries})",
    )
    group.add_argument(
        "--retry-backoff",
        type=_seconds,
        metavar="SECONDS",
        help="wait about this long before the first retry, doubling each time, with jitter "
        f"(default: {_DEFAULT_RETRY.backoff:g}, at most {_DEFAULT_RETRY.max_backoff:g})",
    )
    group.add_argument(
        "--max-retry-after",
        type=_seconds,
        metavar="SECONDS",
        help="honour a Retry-After up to this long; a longer one gives up "
        f"(default: {_DEFAULT_RETRY.max_retry_after:g})",
    )
    group.add_argument(
        "--max-body-size",
        type=_size,
        metavar="BYTES",
        help="refuse a page larger than this; suffixes K, M (KiB, MiB) allowed (default: 5M)",
    )


_TUNING = (
    "cache",
    "no_cache",
    "connect_timeout",
    "read_timeout",
    "max_time",
    "max_refresh_time",
    "retries",
    "retry_backoff",
    "max_retry_after",
    "max_body_size",
)


def _remote_options(args: argparse.Namespace) -> RemoteOptions | None:
    """The options of `--remote`, or None for an offline build (tuning flags then are errors)."""
    if not args.remote:
        given = [name for name in _TUNING if getattr(args, name) is not None]
        if given:
            flags = ", ".join("--" + name.replace("_", "-") for name in given)
            verb = "applies" if len(given) == 1 else "apply"
            raise ConfigError(f"{flags} only {verb} to a live refresh; add --remote")
        return None
    if args.no_cache and args.cache is not None:
        raise ConfigError("--cache and --no-cache contradict each other; give one of them")
    defaults = RemoteOptions()
    policy = RetryPolicy(
        retries=_given(args.retries, defaults.retry.retries),
        backoff=_given(args.retry_backoff, defaults.retry.backoff),
        max_retry_after=_given(args.max_retry_after, defaults.retry.max_retry_after),
    )
    return RemoteOptions(
        connect_timeout=_given(args.connect_timeout, defaults.connect_timeout),
        read_timeout=_given(args.read_timeout, defaults.read_timeout),
        retry=policy,
        max_body_size=_given(args.max_body_size, defaults.max_body_size),
        cache_dir=None if args.no_cache else (args.cache or defaults.cache_dir),
        max_time=_given(args.max_time, defaults.max_time),
        max_refresh_time=_given(args.max_refresh_time, defaults.max_refresh_time),
    )


def _given(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def _seconds(text: str) -> float:
    """A command-line number of seconds: finite, from 0 to a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= MAX_SECONDS:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(
            f"must be a finite number of seconds from 0 to {MAX_SECONDS:g} (a day): {text!r}"
        )
    return value


def _timeout(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"a timeout must be more than 0 seconds: {text!r}")
    return value


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"not a whole number >= 0: {text!r}")
    if len(text) > 3 or int(text) > MAX_RETRIES:
        raise argparse.ArgumentTypeError(f"at most {MAX_RETRIES}: {text!r}")
    return int(text)


_SIZE = re.compile(r"^([0-9]{1,12})\s*(|b|k|kb|kib|m|mb|mib)$", re.I)


def _size(text: str) -> int:
    match = _SIZE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size in bytes (e.g. 5242880, 512K, 5M): {text!r}")
    number, unit = int(match.group(1)), match.group(2).lower()
    value = number * (MIB if unit.startswith("m") else 1024 if unit.startswith("k") else 1)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 bytes: {text!r}")
    if value > MAX_BODY:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_BODY // MIB}M: {text!r}")
    return value
