# Quick start: `make build` (site and PDFs into site/) and `make test` (every check).
# Each installs what it needs first: Debian packages, a virtual environment from the hashed lock, npm assets.
#   PYTHON=/path/to/python3.x make build   use another interpreter (3.11.2 to 3.13; default: python3 on PATH)
PYTHON ?= python3
VENV   ?= .venv
STAMP  := $(VENV)/.installed-stamp
export PYTHON VENV
export NO_MKDOCS_2_WARNING := 1

# The stamp holds the Python version the environment was made with: another interpreter means installing again.
PY_WANT := $(shell $(PYTHON) -c 'import sys; print(sys.executable, sys.version.split()[0])' 2>/dev/null)
ifneq ($(PY_WANT),$(shell cat $(STAMP) 2>/dev/null))
.PHONY: $(STAMP)
endif

.PHONY: build preview serve check test test-fast lint bench setup clean lock schema wheel

$(STAMP): requirements.lock pyproject.toml scripts/python-env.sh scripts/check-install.py
	bash scripts/system-packages.sh
	bash scripts/python-env.sh
	echo "$(PY_WANT)" > $(STAMP)

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

# The edit loop: lint, oap check and every test but the slow and browser ones (no PDFs, no browser, no whole
# national site). scripts/test-fast.sh runs one share of the tests per core; OAP_TEST_JOBS=1 runs one plain pytest.
test-fast: $(STAMP) lint
	$(VENV)/bin/oap check
	bash scripts/test-fast.sh $(VENV)

# The schemas' enums of areas, phases, tiers, need types and contact roles, rewritten from where they are defined.
schema: $(STAMP)
	$(VENV)/bin/python scripts/sync-schema.py

# The national edition as a package: dist/oap_standards-X.Y.Z-py3-none-any.whl, with the national standards,
# vocabularies, schemas, site configuration and templates as package data (the package version is the edition).
# A council installs it with `pip install oap-standards==X.Y.Z` (README, "For councils"). build/ goes first: setuptools
# would otherwise copy files deleted since the last wheel. tests/test_wheel.py installs it into a fresh venv.
wheel: $(STAMP)
	rm -rf build
	$(VENV)/bin/python -m pip wheel --no-deps --no-build-isolation --no-index -q -w dist .
	rm -rf build
	@ls dist/oap_standards-*.whl

bench: $(STAMP)
	$(VENV)/bin/python -m tests.bench

lock:
	bash scripts/lock.sh

clean:
	rm -rf site .oap-cache .pytest_cache .mypy_cache .ruff_cache build dist
