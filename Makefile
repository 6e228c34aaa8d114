# `make dataset` and `make test` work on a machine that has only python3: each creates .venv
# and installs what it needs the first time (and again whenever pyproject.toml changes).
# `make test` also installs TypeScript into tests/ts/ with npm where npm exists; the browser
# tests use the system's Chromium (.ci/run installs it); without them those tests are skipped.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
# The hash-checked runtime dependencies that the refresh workflow installs (README: Scheduled
# refresh). `make lock` keeps the current pins where pyproject.toml allows them;
# `make lock LOCK_ARGS=--upgrade` moves every pin to the newest release.
LOCK := requirements.lock.txt
LOCK_ARGS ?=

.DEFAULT_GOAL := all
.PHONY: all dataset refresh test test-fast lint lock docs bench screenshot clean

all: test lint

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml tests/ts/package-lock.json | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	@if command -v npm >/dev/null 2>&1; then \
		cd tests/ts && npm ci --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: the TypeScript test will be skipped"; \
	fi
	touch $@ $(RUN_STAMP)

$(BENCH_STAMP): pyproject.toml $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,lint,bench]'
	touch $@

dataset: $(RUN_STAMP)
	$(BIN)/python -m scraper build

refresh: $(RUN_STAMP)
	$(BIN)/python -m scraper build --remote

test: $(DEV_STAMP)
	$(BIN)/python -m pytest

# The edit-test loop: everything but the tests marked slow.
test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest -m 'not slow'

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/cog --check README.md docs/ARCHITECTURE.md docs/CATALOG.md scraper/errors.py
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(BIN)/zizmor --offline .github
	$(BIN)/python tools/check_lock.py $(LOCK)

# One lock for every supported Python and platform (--universal), resolved from PyPI.
lock: $(DEV_STAMP)
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--output-file $(LOCK) $(LOCK_ARGS)

# Rewrite the generated blocks: the command reference and the exit-code tables.
docs: $(DEV_STAMP)
	$(BIN)/cog -r README.md docs/ARCHITECTURE.md docs/CATALOG.md scraper/errors.py

bench: $(BENCH_STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

screenshot: $(DEV_STAMP)
	$(BIN)/python docs/screenshot.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist *.egg-info
	rm -rf tests/ts/node_modules
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
