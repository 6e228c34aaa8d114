"""Bytes to text: BOM, then the declared charset, then `<meta charset>`, then detection."""

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
# GBK and GB2312 pages are decoded as GB18030, their superset, so rare characters survive.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "x-gbk": "gb18030", "ascii": "utf-8"}


def decode_page(data: bytes, where: str, declared: str | None = None) -> str:
    """Decode a page's bytes; `where` names the source in errors."""
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ReadError(f"{where}: looks like a binary file, not a text page")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode(data, encoding, where)
    if declared:
        return _decode(data, declared, where)
    meta = _META_CHARSET.search(data[:4096])
    if meta:
        return _decode(data, meta.group(1).decode("ascii"), where)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_detected(data, where)


def _decode(data: bytes, encoding: str, where: str) -> str:
    name = _canonical(encoding)
    try:
        return data.decode(name)
    except LookupError as exc:
        raise ReadError(f"{where}: unknown character encoding {encoding!r}") from exc
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"{where}: bytes do not match the declared encoding {encoding!r} "
            f"(first bad byte at offset {exc.start})"
        ) from exc


def _canonical(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding.strip().strip("\"'")).name
    except LookupError:
        return encoding
    return _SUPERSETS.get(name, name)


def _decode_detected(data: bytes, where: str) -> str:
    from charset_normalizer import from_bytes  # only needed for pages that are not UTF-8

    best = from_bytes(data).best()
    if best is None:
        raise ReadError(f"{where}: cannot detect the character encoding; the page is not text")
    return _decode(data, best.encoding, where)
