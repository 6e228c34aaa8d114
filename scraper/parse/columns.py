"""Which column of a table holds which role: the code, its name, message, texts, HTTP status.

A column's role comes from its header text first and from its cells second:

- The header names a role by a word (ASCII words match whole, so "encoded" or ".../v1/codes"
  names no code column; Chinese words match as substrings). The roles are tried in the order
  of `HEADER_WORDS`, so 错误码描述 is a description and HTTP Status Code an HTTP status.
- The code column is a column whose header names a code and whose cells are codes. Where two
  headers name a code (错误码 | Code on JIoT's C SDK page), the one holding symbolic constants
  (JIOT_SUCCESS) is the name column. An HTTP column is the HTTP status whenever another code
  column exists, else it is the code column (JPush's HTTP status page).
- A table whose code column holds no codes is not an error-code table: a parameter table
  (`CODE | TYPE | DESCRIPTION` listing msgId, phone) is skipped without a word; one that has
  no such sign is reported, because it may be an error-code table the rules read wrong.

A source may name the header of any role (`columns = { code = "发送状态" }`); a named code
column takes every non-empty cell as a code, a number or a word.

This module is pure: header texts and cell texts in, a `Columns` out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from scraper.model import ROLES, parse_code

# Tried in this order; the first role whose words a header holds is its role.
HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("http_status", ("http",)),
    (
        "detail",
        (
            *("详细解释", "详细说明", "detailed explanation", "explanation"),
            *("备注", "remarks", "remark", "note", "notes"),
        ),
    ),
    ("advice", ("操作建议", "建议", "advice", "suggestion", "solution")),
    ("description", ("说明", "描述", "含义", "description", "desc", "instruction", "meaning")),
    (
        "message",
        ("message", "msg", "content", "错误信息", "错误消息", "提示信息", "信息"),
    ),
    (
        "code",
        ("code", "errcode", "错误码", "错误代码", "返回码", "状态码", "代码", "返回值"),
    ),
    ("name", ("符号", "key", "symbol", "constant", "name", "常量", "枚举值", "error")),
)
# Headers of a table that describes fields or parameters, not codes.
PARAMETER_WORDS = (
    "type",
    "require",
    "required",
    "类型",
    "必填",
    "必须",
    "是否必需",
    "选项",
    "参数",
    "value",
)
_HEADER_NOISE = str.maketrans({"*": None, "`": None, ":": None, "：": None})
_ASCII_WORD = re.compile(r"[a-z]+")
_PATH = re.compile(r"\S*/\S*")
_CONSTANT_MAX = 200  # a symbolic name is never longer
# A symbolic constant: JIOT_ERR_AUTH_ERR, kJMSGErrorSDKNetworkDownloadFailed, ERR_TIMEOUT.
_CONSTANT = re.compile(r"(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|k[A-Z][A-Za-z0-9]+|[A-Z]{2,}[A-Z0-9]*)")


def header_words(header: str) -> tuple[str, set[str]]:
    """The header folded for matching, and its ASCII words; a url or path names nothing
    (".../v1/codes")."""
    folded = " ".join(header.translate(_HEADER_NOISE).casefold().split())
    folded = _PATH.sub(" ", folded)
    return folded, set(_ASCII_WORD.findall(folded))


def _holds(folded: str, words: set[str], word: str) -> bool:
    """Whether a header holds a word: an ASCII word whole or as its plural ("Instructions",
    "Error Codes"), a phrase as whole words in order, a Chinese word anywhere."""
    if word.isascii():
        if " " in word:
            return re.search(rf"(?<![a-z]){re.escape(word)}s?(?![a-z])", folded) is not None
        return word in words or f"{word}s" in words
    return word in folded


def header_role(header: str) -> str | None:
    """The role a header names (see `HEADER_WORDS`), or None for any other column."""
    folded, words = header_words(header)
    for role, names in HEADER_WORDS:
        if any(_holds(folded, words, name) for name in names):
            return role
    return None


def is_parameter_header(header: str) -> bool:
    folded, words = header_words(header)
    return any(_holds(folded, words, word) for word in PARAMETER_WORDS)


@dataclass(frozen=True, slots=True)
class Columns:
    """The column of each role in a table (code always), the header texts, and whether the
    code column holds words as well as numbers (a code column a source named)."""

    roles: Mapping[str, int]
    headers: tuple[str, ...]
    text_codes: bool = False

    @property
    def code(self) -> int:
        return self.roles["code"]

    def extra_names(self, width: int) -> list[str | None]:
        """For each of `width` cells, the name its text is kept under in `extra`, or None for
        the columns that have a role; unique names, so no cell overwrites another."""
        taken = set(self.roles.values())
        names: list[str | None] = []
        seen: set[str] = set()
        for index in range(width):
            if index in taken:
                names.append(None)
                continue
            header = self.headers[index] if index < len(self.headers) else ""
            name = header or f"column {index + 1}"
            if name in seen:
                name = f"{name} (column {index + 1})"
            seen.add(name)
            names.append(name)
        return names


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rules make of a table: its columns, or why it is no error-code table.

    `problem` is set for a table that looks like an error-code table but yields no codes;
    a table that is plainly something else (parameters, layout) has neither.
    """

    columns: Columns | None
    problem: str | None = None


Named = Mapping[str, tuple[str, ...]]


def named_columns(header: Sequence[str], named: Named) -> dict[str, int]:
    """The roles a source named by header text that this header row holds (case-insensitive)."""
    folded = [" ".join(cell.casefold().split()) for cell in header]
    found: dict[str, int] = {}
    for role, texts in named.items():
        for text in texts:
            want = " ".join(text.casefold().split())
            if want in folded:
                found[role] = folded.index(want)
                break
    return found


def names_a_code(header: Sequence[str], named: Named | None = None) -> bool:
    """True when a header row names a code column (by the rules or by the source's names)."""
    if named and "code" in named_columns(header, named):
        return True
    return any(header_role(cell) in ("code", "http_status") for cell in header)


def assign_columns(
    header: Sequence[str],
    body: Sequence[Sequence[str]],
    named: Named | None = None,
) -> Verdict:
    """The roles of a table's columns from its header row and its body rows' cells."""
    header = tuple(header)
    chosen = named_columns(header, named or {})
    if "code" in chosen:
        roles = _by_header(header, chosen)
        return Verdict(Columns(roles, header, text_codes=True))
    by_header = [header_role(cell) for cell in header]
    numeric = [_numeric_share(body, index) for index in range(len(header))]
    coded = [i for i, role in enumerate(by_header) if role == "code" and i not in chosen.values()]
    http = [i for i, role in enumerate(by_header) if role == "http_status"]
    # A code-headed column of constants beside a code-headed column of numbers is the names.
    numbers = [i for i in coded if numeric[i] > 0]
    constants = [i for i in coded if _constant_share(body, i) >= 0.5 and numeric[i] == 0]
    code: int | None = None
    if numbers:
        code = max(numbers, key=lambda index: numeric[index])
    elif http and numeric[http[0]] > 0 and not coded:
        code = http[0]  # the only code-like column: its codes are HTTP statuses
    if code is None:
        if not coded and not http:
            return Verdict(None)
        return Verdict(None, _no_codes_problem(header, body, coded or http))
    if numeric[code] < 0.5:
        return Verdict(None, _no_codes_problem(header, body, [code]))
    roles = dict(chosen)
    roles["code"] = code
    for index in constants:
        roles.setdefault("name", index)
    if code not in http:
        for index in http:
            roles.setdefault("http_status", index)
            break
    return Verdict(Columns(_by_header(header, roles), header))


def _by_header(header: tuple[str, ...], fixed: Mapping[str, int]) -> dict[str, int]:
    """`fixed` roles plus, for each role still free, the first free column whose header names it."""
    roles = dict(fixed)
    used = set(roles.values())
    for index, cell in enumerate(header):
        if index in used:
            continue
        role = header_role(cell)
        if role is None or role in roles or role in ("code", "http_status"):
            continue  # a second code or HTTP column is kept under its header
        roles[role] = index
        used.add(index)
    return {role: roles[role] for role in ROLES if role in roles}


def _cells(body: Sequence[Sequence[str]], index: int) -> list[str]:
    return [row[index] for row in body if index < len(row) and row[index]]


def _numeric_share(body: Sequence[Sequence[str]], index: int) -> float:
    cells = _cells(body, index)
    if not cells:
        return 0.0
    return sum(parse_code(cell) is not None for cell in cells) / len(cells)


def _constant_share(body: Sequence[Sequence[str]], index: int) -> float:
    cells = _cells(body, index)
    if not cells:
        return 0.0
    return sum(
        len(cell) <= _CONSTANT_MAX and _CONSTANT.fullmatch(cell.strip("`*")) is not None
        for cell in cells
    ) / len(cells)


def _no_codes_problem(
    header: tuple[str, ...], body: Sequence[Sequence[str]], candidates: list[int]
) -> str | None:
    """Why a table with a code header yields no codes, or None when it is a parameter table."""
    if any(is_parameter_header(cell) for cell in header):
        return None
    cells = [cell for index in candidates for cell in _cells(body, index)]
    named = " | ".join(header[index] for index in candidates)
    if not cells:
        rows = sum(1 for row in body if any(row))
        if not rows:
            return None  # a header with nothing under it: a layout table, not a list of codes
        return (
            f"the column '{named}' is empty in all {rows} row(s) with text; if another column "
            'holds the codes, name it in the source (columns = { code = "..." })'
        )
    return (
        f"the column '{named}' holds no codes ({len(cells)} cell(s), none a number); if this "
        'table lists codes, name its columns in the source (columns = { code = "..." })'
    )
