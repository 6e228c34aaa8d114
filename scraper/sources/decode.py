"""Bytes to text: BOM, then the declared charset, then `<meta charset>`, then detection.

This is the order browsers use (the HTML standard's encoding sniffing), so a page decodes here
as it displays on the site. Pages over `MAX_PAGE_BYTES` are refused before any work is done.
"""

from __future__ import annotations

import codecs
import re

from scraper.errors import ReadError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# Documentation pages are tens of KiB; this is far above any real one and keeps memory bounded.
MAX_PAGE_BYTES = 32 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
# A <meta> that was readable as ASCII cannot be UTF-16/32: browsers read such pages as UTF-8.
_ASCII_INCOMPATIBLE = {"utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"}
# GBK and GB2312 pages are decoded as GB18030, their superset, so rare characters survive.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "x-gbk": "gb18030", "ascii": "utf-8"}

# The WHATWG Encoding Standard's encodings (https://encoding.spec.whatwg.org/#names-and-labels),
# as Python names them: only these decode a page, as only these decode one in a browser. A
# Python-only codec (unicode_escape, utf-7, punycode...) would turn a page's literal `\x1b` into
# a real ESC. Its labels map to these through `codecs.lookup`, with the standard's own
# exceptions below; ASCII is read as UTF-8 (above), its superset in practice.
_WEB_ENCODINGS = frozenset(
    {
        "utf-8",
        "utf-16-le",
        "utf-16-be",
        "gb18030",
        "big5hkscs",
        "euc_jp",
        "iso2022_jp",
        "cp932",
        "cp949",
        "cp866",
        "koi8-r",
        "koi8-u",
        "mac-roman",
        "mac-cyrillic",
        "cp874",
    }
    | {f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)}
    | {f"cp{n}" for n in range(1250, 1259)}
)
_WEB_SUBSTITUTES = {  # Python's codec for a label -> the one the standard reads it with
    "utf-16": "utf-16-le",  # UTF-16 without a BOM is little-endian
    "iso8859-1": "cp1252",  # Latin-1 labels are windows-1252
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}


def decode_page(data: bytes, where: str, declared: str | None = None) -> str:
    """Decode a page's bytes; `where` names the source in errors."""
    check_size(len(data), where)
    if data.startswith(_GZIP_MAGIC):
        raise ReadError(
            f"{where}: looks gzip-compressed, not a text page; decompress it (gunzip) first"
        )
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data, encoding, where, by_bom=True)
    if declared and _web_name(declared).startswith("utf-16"):
        return _decode(data, declared, where)  # no BOM, but the header says so: NULs are text
    if b"\x00" in data[:8192]:
        raise ReadError(f"{where}: looks like a binary file, not a text page")
    if declared:
        return _decode(data, declared, where)
    meta = _META_CHARSET.search(data[:4096])
    if meta:
        declared_in_page = meta.group(1).decode("ascii")
        if _canonical(declared_in_page) in _ASCII_INCOMPATIBLE:
            declared_in_page = "utf-8"
        return _decode(data, declared_in_page, where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_detected(data, where)


def _decode(data: bytes, encoding: str, where: str, *, by_bom: bool = False) -> str:
    """`data` decoded as a browser reads `encoding`; a BOM names its exact Python codec."""
    name = encoding if by_bom else _web_name(encoding)
    shown = repr(encoding[:40] + ("..." if len(encoding) > 40 else ""))
    try:
        codec = codecs.lookup(name)
    except (LookupError, ValueError) as exc:
        raise ReadError(f"{where}: unknown character encoding {shown}") from exc
    if not codec._is_text_encoding:
        raise ReadError(
            f"{where}: the declared charset {shown} names no text encoding (it is a "
            "bytes-to-bytes codec); fix the page's charset"
        )
    if not by_bom and name not in _WEB_ENCODINGS and codec.name != "undefined":
        raise ReadError(
            f"{where}: the declared charset {shown} is not an encoding of the web (the WHATWG "
            "Encoding Standard's list, which browsers use); fix the page's charset"
        )
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"{where}: bytes do not match the declared encoding {encoding!r} "
            f"(first bad byte at offset {exc.start}); the file may be truncated or saved in "
            "another encoding: re-save it as UTF-8, or fix its <meta charset>"
        ) from exc
    except UnicodeError as exc:  # the "undefined" codec, which refuses everything
        raise ReadError(
            f"{where}: the declared charset {shown} names no text encoding that can decode a "
            "page; fix the page's charset"
        ) from exc


def check_size(size: int, where: str) -> None:
    """Refuse a page over MAX_PAGE_BYTES (bytes, or characters of text already decoded)."""
    if size > MAX_PAGE_BYTES:
        raise ReadError(
            f"{where}: the page is {size / 2**20:.1f} MiB, more than the "
            f"{MAX_PAGE_BYTES // 2**20} MiB limit (documentation pages are tens of KiB); "
            "check that this is the right file"
        )


def _canonical(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return encoding
    return _SUPERSETS.get(name, name)


def _web_name(encoding: str) -> str:
    """The Python codec that decodes `encoding` as a browser would, or its Python name."""
    name = _canonical(encoding)
    return _WEB_SUBSTITUTES.get(name, name)


def _decode_detected(data: bytes, where: str) -> str:
    from charset_normalizer import from_bytes  # only needed for pages that are not UTF-8

    best = from_bytes(data).best()
    if best is None:
        raise ReadError(f"{where}: cannot detect the character encoding; the page is not text")
    return _decode(data, best.encoding, where)
