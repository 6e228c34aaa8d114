"""Generated documentation pages: error-code tables of any size inside realistic page chrome.

A page has a `<head>` with scripts and styles, a navigation menu, a layout table (no code
column, so parsers must skip it) wrapping the content, and error-code tables under headings,
with a blank placeholder row every 20 rows, `<br>` inside cells and full-width punctuation.
"""

from __future__ import annotations

from html import escape

ROWS_PER_TABLE = 2_000
BLANK_EVERY = 20

_HEAD = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="/assets/site.css">
<style>body {{ font-family: sans-serif; }} table {{ border-collapse: collapse; }}</style>
<script>window.__CONFIG__ = {{"search": true, "version": "3.9.0", "items": [1, 2, 3]}};</script>
<script src="/assets/vendor.js" defer></script>
</head>
<body>
<header class="site-header">
  <nav class="menu"><ul>
{menu}
  </ul></nav>
  <form class="search"><input type="search" name="q" placeholder="搜索文档"></form>
</header>
<table class="layout" width="100%"><tr>
<td class="sidebar"><ul>
{sidebar}
</ul></td>
<td class="content">
<h1 id="title">{title}</h1>
<p>以下为 SDK 返回的错误码及说明。Error codes returned by the SDK.</p>
"""

_FOOT = """</td></tr></table>
<footer><p>© 2024 Example Docs · <a href="/privacy">隐私政策</a></p></footer>
<script>document.querySelectorAll("a").forEach(function (a) {{ a.rel = "noopener"; }});</script>
</body>
</html>
"""


def error_page(rows: int, *, title: str = "IM 错误码列表", seed: int = 0) -> str:
    """A page whose error-code tables hold `rows` rows in total (blank placeholders included)."""
    menu = "\n".join(
        f'    <li><a href="/docs/section-{n}/">栏目 {n}</a></li>' for n in range(1, 13)
    )
    sidebar = "\n".join(f'<li><a href="#s{n}">Section {n}</a></li>' for n in range(1, 31))
    parts = [_HEAD.format(title=escape(title), menu=menu, sidebar=sidebar)]
    written = 0
    table_number = 0
    while written < rows:
        table_number += 1
        count = min(ROWS_PER_TABLE, rows - written)
        platform = "iOS" if table_number % 2 else "Android"
        parts.append(f'<h2 id="s{table_number}">{platform} 错误码 {table_number}</h2>\n')
        parts.append(
            "<table>\n<thead><tr><th>Code</th><th>Error Message</th><th>说明</th></tr></thead>"
            "\n<tbody>\n"
        )
        for index in range(written, written + count):
            if index % BLANK_EVERY == BLANK_EVERY - 1:
                parts.append("<tr><td></td><td></td><td></td></tr>\n")
                continue
            code = 800_000 + seed * 1_000_000 + index
            parts.append(
                f"<tr><td>{code}</td>"
                f"<td>Request failed, please check parameter {index} (%@).</td>"
                f"<td>请求失败，参数 {index} 不合法<br>请检查后重试。</td></tr>\n"
            )
        parts.append("</tbody>\n</table>\n")
        written += count
    parts.append(_FOOT)
    return "".join(parts)


def data_rows(rows: int) -> int:
    """How many of a page's `rows` rows carry an error code (the rest are blank)."""
    return rows - rows // BLANK_EVERY
