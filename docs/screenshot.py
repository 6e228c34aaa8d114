"""Take docs/lookup-page.png: the lookup page of output/ in Chromium, searching for 登录.

    make screenshot     # = .venv/bin/python docs/screenshot.py

Uses Playwright's Python client driving the system's Chromium (/usr/bin/chromium, or
$CHROMIUM), never a browser of Playwright's own; the page is opened from disk.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "output" / "index.html"
TARGET = ROOT / "docs" / "lookup-page.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> int:
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 720})
            page.goto(PAGE.as_uri())
            page.get_by_label("Code or text").fill("登录")
            page.screenshot(path=str(TARGET))
        finally:
            browser.close()
    print(f"wrote {TARGET.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
