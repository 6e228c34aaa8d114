"""App resources under `app/`, each parsed strictly: Android string resources with lxml and
Android's own escaping rules, iOS `.strings` with a strict parser written here, and
`errorcodes.ts` type-checked by `tsc --strict` and run by Node.

Hostile texts (quotes, apostrophes, backslashes, `@`/`?` first, `%`, markup, newlines,
control characters, runs of spaces) must come back exactly as the record holds them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from scraper.model import Record
from scraper.publish.app import (
    ANDROID_EN,
    ANDROID_ZH,
    IOS_EN,
    IOS_ZH,
    TYPESCRIPT,
    app_files,
    chinese_text,
    english_text,
    resource_key,
)
from tests.conftest import PROJECT_ROOT
from tests.datasets import jmessage_record, record

HOSTILE_TEXTS = [
    'It\'s "quoted" and \\back\\slashed',
    "@string/app_name",
    "?attr/colorPrimary",
    "100% of %d %1$s %@",
    "<b>bold</b> & <![CDATA[x]]> &amp;",
    "line one\nline two\ttabbed\r",
    "  spaced   out  ",
    "control \x01\x1f\x7f end",
    "*/ /* // \u2028\u2029 ${x} `tick`",
    "",
]


def _hostile_records() -> list[Record]:
    records = []
    for index, text in enumerate(HOSTILE_TEXTS):
        records.append(record("android", "JMessage", index, text, text[::-1]))
        records.append(record("ios", "JMRTC", index, "", text))
        records.append(record("server", "JMessage", -index - 1, text, ""))
    records.append(record("web", "JMessage", 880001, "web only", "网页"))
    return sorted(records, key=lambda record: record.order)


HOSTILE = _hostile_records()


@pytest.fixture(scope="module")
def seeds_app(seed_build: Path) -> Path:
    """The session's build of the seed pages (read only)."""
    return seed_build


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile-app")
    for name, data in app_files(HOSTILE, "1.0.0+abc").items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    return out


def _seed_records(folder: Path) -> list[Record]:
    from scraper.consume.dataset import load_records

    return load_records(folder / "errorcodes.json")


# --- Android -----------------------------------------------------------------------------------

_ANDROID_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "@": "@", "?": "?"}
_RESOURCE_NAME = re.compile(r"[a-z][a-z0-9_]*")


def android_unescape(text: str) -> str:
    """A `<string>`'s XML text as aapt2 reads it, refusing whatever aapt2 would change or reject.

    aapt2 rejects an apostrophe without a backslash, takes an unescaped `"` as quoting,
    collapses runs of whitespace and trims the ends, reads `@`/`?` first as a reference.
    """
    if text.startswith(("@", "?")):
        raise AssertionError(f"unescaped reference character first: {text!r}")
    # aapt2's whitespace is ASCII whitespace (C isspace() on the UTF-8 bytes).
    if re.search(r"^[ \t\n\r\f\v]|[ \t\n\r\f\v]$|  |[\t\n\r\f\v]", text):
        raise AssertionError(f"whitespace aapt2 would collapse or trim: {text!r}")
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in "'\"":
            raise AssertionError(f"unescaped {char!r} at {index}: {text!r}")
        if char != "\\":
            out.append(char)
            index += 1
            continue
        following = text[index + 1 : index + 2]
        if following == "u":
            digits = text[index + 2 : index + 6]
            if not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
                raise AssertionError(f"bad \\u escape at {index}: {text!r}")
            out.append(chr(int(digits, 16)))
            index += 6
        elif following in _ANDROID_ESCAPES:
            out.append(_ANDROID_ESCAPES[following])
            index += 2
        else:
            raise AssertionError(f"unknown escape \\{following} at {index}: {text!r}")
    return "".join(out)


def parse_android(data: bytes) -> dict[str, str]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(data, parser)
    assert root.tag == "resources"
    strings: dict[str, str] = {}
    for element in root:
        assert element.tag == "string", element.tag
        assert len(element) == 0, "markup inside a string"
        name = element.get("name")
        assert name is not None
        assert _RESOURCE_NAME.fullmatch(name), name
        assert name not in strings, f"duplicate name {name}"
        text = element.text or ""
        value = android_unescape(text)
        if "%" in value:
            assert element.get("formatted") == "false", f"{name}: % in a formatted string"
        strings[name] = value
    return strings


def _expected(records: list[Record], platforms: tuple[str, ...], text: Callable[[Record], str]):
    return {resource_key(item): text(item) for item in records if item.platform in platforms}


@pytest.mark.parametrize(
    ("name", "text"), [(ANDROID_EN, english_text), (ANDROID_ZH, chinese_text)], ids=["en", "zh"]
)
def test_android_strings_read_back_exactly(
    hostile_app: Path, name: str, text: Callable[[Record], str]
) -> None:
    strings = parse_android((hostile_app / name).read_bytes())
    assert strings == _expected(HOSTILE, ("android", "server"), text)


@pytest.mark.parametrize(("name", "language"), [(ANDROID_EN, "en"), (ANDROID_ZH, "zh")])
def test_android_strings_of_the_seed_build(seeds_app: Path, name: str, language: str) -> None:
    records = _seed_records(seeds_app)
    strings = parse_android((seeds_app / name).read_bytes())
    text = english_text if language == "en" else chinese_text
    assert strings == _expected(records, ("android", "server"), text)
    assert strings["jmessage_android_871302"] == (
        "Message content exceeds its max length."
        if language == "en"
        else "发送消息的消息体过大，整个消息体大小不能超过4k"
    )


def test_the_checker_refuses_what_aapt2_refuses() -> None:
    for bad in ["it's", 'say "hi"', "@string/x", "a  b", " lead", "\\x", "\\u12"]:
        with pytest.raises(AssertionError):
            android_unescape(bad)


# --- iOS ---------------------------------------------------------------------------------------

_STRINGS_ESCAPES = {"\\": "\\", '"': '"', "n": "\n", "t": "\t", "r": "\r"}


class StringsError(AssertionError):
    """The file is not a strictly well-formed `.strings` table."""


def parse_strings(text: str) -> dict[str, str]:
    """`"key" = "value";` entries with /* */ comments between them; anything else is an error."""
    entries: dict[str, str] = {}
    index = 0

    def skip() -> None:
        nonlocal index
        while index < len(text):
            if text[index] in " \n":
                index += 1
            elif text.startswith("/*", index):
                end = text.find("*/", index + 2)
                if end < 0:
                    raise StringsError(f"unclosed comment at {index}")
                index = end + 2
            else:
                return

    def quoted() -> str:
        nonlocal index
        if text[index : index + 1] != '"':
            raise StringsError(f"expected a quoted string at {index}")
        index += 1
        out: list[str] = []
        while True:
            if index >= len(text):
                raise StringsError("unclosed string")
            char = text[index]
            if char == '"':
                index += 1
                return "".join(out)
            if char in "\n\r" or ord(char) < 0x20:
                raise StringsError(f"raw control character {char!r} at {index}")
            if char == "\\":
                following = text[index + 1 : index + 2]
                if following == "U":
                    digits = text[index + 2 : index + 6]
                    if not re.fullmatch(r"[0-9a-fA-F]{4}", digits):
                        raise StringsError(f"bad \\U escape at {index}")
                    out.append(chr(int(digits, 16)))
                    index += 6
                    continue
                if following not in _STRINGS_ESCAPES:
                    raise StringsError(f"unknown escape \\{following} at {index}")
                out.append(_STRINGS_ESCAPES[following])
                index += 2
                continue
            out.append(char)
            index += 1

    def expect(char: str) -> None:
        nonlocal index
        skip()
        if text[index : index + 1] != char:
            raise StringsError(f"expected {char!r} at {index}")
        index += 1

    skip()
    while index < len(text):
        key = quoted()
        expect("=")
        skip()
        value = quoted()
        expect(";")
        if key in entries:
            raise StringsError(f"duplicate key {key!r}")
        entries[key] = value
        skip()
    return entries


@pytest.mark.parametrize(
    ("name", "text"), [(IOS_EN, english_text), (IOS_ZH, chinese_text)], ids=["en", "zh"]
)
def test_ios_strings_read_back_exactly(
    hostile_app: Path, name: str, text: Callable[[Record], str]
) -> None:
    data = (hostile_app / name).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert parse_strings(data.decode("utf-8")) == _expected(HOSTILE, ("ios", "server"), text)


def test_ios_strings_of_the_seed_build(seeds_app: Path) -> None:
    records = _seed_records(seeds_app)
    english = parse_strings((seeds_app / IOS_EN).read_text(encoding="utf-8"))
    chinese = parse_strings((seeds_app / IOS_ZH).read_text(encoding="utf-8"))
    assert english == _expected(records, ("ios", "server"), english_text)
    assert chinese == _expected(records, ("ios", "server"), chinese_text)
    assert (english["jmessage_ios_863004"], chinese["jmessage_ios_863004"]) == (
        "User is not at Login state",
        "用户未在登录状态",
    )
    assert "jmrtc_ios_871005" in english  # JMRTC and JMessage codes never share a key


@pytest.mark.parametrize(
    "bad",
    ['"a" = "b"', '"a" = "b\\q";', '"a" = b;', '"a" = "b";\n"a" = "c";', '/* open\n"a" = "b";'],
    ids=["no-semicolon", "bad-escape", "unquoted", "duplicate", "open-comment"],
)
def test_the_strings_parser_is_strict(bad: str) -> None:
    with pytest.raises(StringsError):
        parse_strings(bad)


# --- keys and fallbacks ------------------------------------------------------------------------


def test_keys_spell_sdk_platform_and_code() -> None:
    assert resource_key(record("android", "JMessage", 871302)) == "jmessage_android_871302"
    assert resource_key(record("ios", "JMRTC", 0)) == "jmrtc_ios_0"
    assert resource_key(record("server", "JMessage", -3)) == "jmessage_server_minus_3"


def test_an_empty_text_takes_the_other_language() -> None:
    assert english_text(record(message="", description="成功")) == "成功"
    assert chinese_text(record(message="Success", description="")) == "Success"
    empty = record("ios", "JMRTC", 7)
    assert (english_text(empty), chinese_text(empty)) == ("JMRTC error 7", "JMRTC 错误码 7")


def test_each_platform_gets_its_own_and_the_server_records(hostile_app: Path) -> None:
    android = parse_android((hostile_app / ANDROID_EN).read_bytes())
    ios = parse_strings((hostile_app / IOS_EN).read_text(encoding="utf-8"))
    assert {key.split("_")[1] for key in android} == {"android", "server"}
    assert {key.split("_")[1] for key in ios} == {"ios", "server"}


# --- TypeScript --------------------------------------------------------------------------------

TSC = PROJECT_ROOT / "tests" / "ts" / "node_modules" / ".bin" / "tsc"
USAGE = """\
import { datasetVersion, errorCodes, lookup } from "./errorcodes";
import type { ErrorCode, Platform } from "./errorcodes";

const android: ErrorCode[] = lookup(871302, "android");
const anywhere: ErrorCode[] = lookup(871302);
const written: ErrorCode[] = lookup("871302");  // the code as the page writes it
const everyFilter: ErrorCode[] = lookup(871302, "android", "JMessage", "JMessage");
const platform: Platform = "ios";
const first: ErrorCode | undefined = errorCodes[0];
// @ts-expect-error: a platform the dataset does not have is a type error
lookup(1, "tvos");
// @ts-expect-error: a product the dataset does not have is a type error
lookup(1, "android", "JMessage", "JPush");
// @ts-expect-error: a code is a number or the code as the page writes it
lookup(true);
const all = errorCodes;
console.log(
  JSON.stringify({ android, anywhere, written, everyFilter, platform, first, datasetVersion, all }),
);
"""


def _tsc_or_skip() -> tuple[str, Path]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (it runs tsc and the compiled module)")
    if not TSC.is_file():
        pytest.skip(f"TypeScript is not installed: run `npm ci` in {TSC.parents[2]}")
    return node, TSC


def _compile_and_run(folder: Path, tmp_path: Path) -> dict[str, object]:
    node, tsc = _tsc_or_skip()
    work = tmp_path / "ts"
    work.mkdir()
    shutil.copyfile(folder / TYPESCRIPT, work / "errorcodes.ts")
    (work / "usage.ts").write_text(USAGE, encoding="utf-8")
    common = [str(tsc), "--strict", "--target", "es2020", "--module", "commonjs"]
    for extra in (["--noEmit"], ["--outDir", str(work / "js")]):
        checked = subprocess.run(
            [*common, *extra, str(work / "usage.ts")],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
    ran = subprocess.run(
        [node, str(work / "js" / "usage.js")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, object] = json.loads(ran.stdout)
    return result


@pytest.mark.slow
def test_typescript_of_the_seed_build_type_checks_and_looks_up(
    seeds_app: Path, tmp_path: Path
) -> None:
    result = _compile_and_run(seeds_app, tmp_path)
    expected = [item.as_dict() for item in _seed_records(seeds_app) if item.code == 871302]
    assert result["android"] == result["anywhere"] == expected
    assert result["written"] == result["everyFilter"] == expected
    assert result["all"] == [item.as_dict() for item in _seed_records(seeds_app)]


@pytest.mark.slow
def test_typescript_keeps_hostile_texts_exactly(hostile_app: Path, tmp_path: Path) -> None:
    result = _compile_and_run(hostile_app, tmp_path)
    assert result["all"] == [item.as_dict() for item in HOSTILE]
    assert result["datasetVersion"] == "1.0.0+abc"


def test_a_tampered_sdk_cannot_break_a_key_or_a_comment() -> None:
    sdk = 'JMessage */ x="1'
    tampered = [
        jmessage_record(name, sdk, 5, "five", "五", "", name, "") for name in ("android", "ios")
    ]
    assert resource_key(tampered[0]) == "jmessagexxxxxxx1_android_5"
    files = app_files(tampered, "1.0.0+abc")
    assert parse_android(files[ANDROID_EN]) == {"jmessagexxxxxxx1_android_5": "five"}
    assert parse_strings(files[IOS_EN].decode("utf-8")) == {"jmessagexxxxxxx1_ios_5": "five"}


def _readme_typescript() -> str:
    """The README's TypeScript example (the ```ts block of "Resources for apps")."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("TypeScript (Web or Node)") :]
    return section.split("```ts\n", 1)[1].split("```", 1)[0]


# How a project compiles the README's import: an ES module package (`"type": "module"`) and
# a CommonJS one under Node's own resolution (`nodenext`), and plain CommonJS output.
TS_PROJECTS = {
    "esm-nodenext": ("module", ["--module", "nodenext", "--moduleResolution", "nodenext"]),
    "commonjs-nodenext": ("commonjs", ["--module", "nodenext", "--moduleResolution", "nodenext"]),
    "commonjs": ("commonjs", ["--module", "commonjs"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("project", list(TS_PROJECTS))
def test_the_readmes_typescript_compiles_and_runs(
    seeds_app: Path, tmp_path: Path, project: str
) -> None:
    node, tsc = _tsc_or_skip()
    package_type, options = TS_PROJECTS[project]
    shutil.copyfile(seeds_app / TYPESCRIPT, tmp_path / "errorcodes.ts")
    (tmp_path / "main.ts").write_text(_readme_typescript(), encoding="utf-8")
    (tmp_path / "package.json").write_text(json.dumps({"type": package_type}), encoding="utf-8")
    compiled = subprocess.run(
        [tsc, "--strict", "--target", "es2022", *options, "--outDir", "js", "main.ts"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    ran = subprocess.run(
        [node, "js/main.js"], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=60
    )
    assert ran.stdout.startswith("Message content exceeds its max length. 发送消息的")


def test_typescript_types_and_lookup_follow_the_models_declared_values() -> None:
    records = [record(), record(sdk="JMRTC", code=2)]
    source = app_files(records, "1.0.0+abc")[TYPESCRIPT].decode("utf-8")
    # The platforms the model declares; the products and sdks this dataset holds (the schema
    # allows any name for those), sorted.
    assert (
        'export type Platform = "ios" | "android" | "web" | "windows" | "server" | "quickapp" '
        '| "device" | "client";\n'
    ) in source
    assert 'export type Product = "JMessage";\n' in source
    assert 'export type Sdk = "JMRTC" | "JMessage";\n' in source
    assert "  readonly platform: Platform;\n  /**" in source
    assert "  readonly product: Product;\n  /**" in source
    assert "  readonly sdk: Sdk;\n  /**" in source
    assert "  readonly code: number | null;\n  /**" in source
    assert (
        "export function lookup(\n  code: number | string,\n  platform?: Platform,\n"
        "  sdk?: Sdk,\n  product?: Product,\n): ErrorCode[] {\n"
    ) in source
    empty = app_files([], "1.0.0+abc")[TYPESCRIPT].decode("utf-8")
    assert "export type Product = string;\nexport type Sdk = string;\n" in empty
