"""`python -m scraper`: the command line."""

from __future__ import annotations

import sys

from scraper.cli import main

sys.exit(main())
