#!/usr/bin/env bash
# `make lock`: resolve pyproject.toml (runtime and test dependencies) and the build backend into requirements.lock,
# one hashed lock for every supported Python (3.11.2 to 3.13), with environment markers where versions must differ.
# Reproducible: uv is pinned, and nothing released after LOCK_DATE is considered. To take newer releases, move
# LOCK_DATE forward, run `make lock`, and review the diff. Needs network access to the Python package index.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
LOCK_DATE=2026-11-28T00:00:00Z
py=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q "uv==$UV_VERSION"
"$tmp/venv/bin/uv" pip compile pyproject.toml scripts/build-requirements.in \
  --extra test --universal --python-version 3.11.2 --generate-hashes \
  --exclude-newer "$LOCK_DATE" --no-config --custom-compile-command "make lock" \
  --quiet -o "$tmp/requirements.lock"
mv "$tmp/requirements.lock" requirements.lock
echo "wrote requirements.lock ($(grep -c '^[a-z0-9]' requirements.lock) packages)"
