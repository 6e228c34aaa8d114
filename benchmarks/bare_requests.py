"""The floor of a no-change refresh: start Python, import httpx, send every conditional GET at
once, and check each answers 304. Usage: bare_requests.py REQUESTS_JSON, a list of
{"url": ..., "etag": ...}.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx


def main() -> int:
    requests = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    with httpx.Client() as client, ThreadPoolExecutor(max_workers=len(requests)) as pool:
        statuses = list(
            pool.map(
                lambda request: (
                    client.get(
                        request["url"], headers={"If-None-Match": request["etag"]}
                    ).status_code
                ),
                requests,
            )
        )
    return 0 if all(status == 304 for status in statuses) else 1


if __name__ == "__main__":
    sys.exit(main())
