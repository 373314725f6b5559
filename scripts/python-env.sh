#!/usr/bin/env bash
# Create .venv/ with Python 3.11 and install exactly the hashed lock, then the project itself.
set -euo pipefail
py=${PYTHON:-}
if [ -z "$py" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      py=$candidate; break
    fi
  done
fi
[ -n "$py" ] || { echo "Python 3.11 is needed (set PYTHON=/path/to/python3.11)." >&2; exit 1; }
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install -q --upgrade "pip>=24" 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m pip install -q --require-hashes -r requirements.lock 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m pip install -q --no-deps -e . 2>&1 | grep -v "is ignored" || true
.venv/bin/oap --version >/dev/null
