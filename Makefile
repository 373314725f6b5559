# Quick start: `make build` (site and PDFs into site/) and `make test` (every check).
# Each installs what it needs first: Debian packages, a .venv/ from the hashed lock, npm assets.
VENV  := .venv
STAMP := $(VENV)/.installed-stamp
export NO_MKDOCS_2_WARNING := 1

.PHONY: build preview serve check test lint bench setup clean

$(STAMP): requirements.lock pyproject.toml scripts/python-env.sh
	bash scripts/system-packages.sh
	bash scripts/python-env.sh
	touch $(STAMP)

setup: $(STAMP)

node_modules/.installed-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

build: $(STAMP)
	$(VENV)/bin/oap build

preview: $(STAMP)
	$(VENV)/bin/oap build --no-pdf

serve: $(STAMP)
	$(VENV)/bin/mkdocs serve

check: $(STAMP)
	$(VENV)/bin/oap check

lint: $(STAMP)
	$(VENV)/bin/ruff check builder tests
	$(VENV)/bin/ruff format --check builder tests
	$(VENV)/bin/mypy

test: $(STAMP)
	bash scripts/system-packages.sh --test
	$(MAKE) --no-print-directory node_modules/.installed-stamp
	$(VENV)/bin/oap check
	$(MAKE) --no-print-directory lint
	$(VENV)/bin/pytest

bench: $(STAMP)
	$(VENV)/bin/python -m tests.bench

clean:
	rm -rf site .pytest_cache .mypy_cache .ruff_cache
