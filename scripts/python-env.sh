#!/usr/bin/env bash
# Create the virtual environment (default .venv/) and install exactly the hashed lock, then the project itself.
#   PYTHON=/path/to/python3.x   the interpreter to use (default: python3 on PATH, the system's own on Debian/Ubuntu)
#   VENV=dir                    where to put the environment (default: .venv)
# Supported: Python 3.11.2 to 3.13. Any failure stops here with pip's own message and a hint; the caller (make)
# then marks nothing as installed, so the next run tries again.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-python3}
venv=${VENV:-.venv}

fail() {
  echo >&2
  echo "error: $1" >&2
  exit 1
}

command -v "$py" >/dev/null 2>&1 || fail "no '$py' found. Install Python 3.11 to 3.13, or set PYTHON=/path/to/python3."
if ! "$py" -c 'import sys; sys.exit(not ((3, 11, 2) <= sys.version_info[:3] < (3, 14)))'; then
  fail "$("$py" -c 'import sys; print(sys.executable, sys.version.split()[0])' 2>/dev/null || echo "$py") is not supported: \
this project needs Python 3.11.2 to 3.13. On an older system, install a newer python3 (for example from your distribution's \
backports or pyenv) and run again with PYTHON=/path/to/python3.13."
fi
want=$("$py" -c 'import sys; print(".".join(map(str, sys.version_info[:3])))')

# A venv made by another interpreter (or half made by an interrupted run) is replaced, not patched.
if [ -e "$venv" ]; then
  have=$("$venv/bin/python" -c 'import sys; print(".".join(map(str, sys.version_info[:3])))' 2>/dev/null || echo none)
  if [ "$have" != "$want" ]; then
    echo "Replacing $venv (made with Python $have; now using $want)"
    rm -rf "$venv"
  fi
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating $venv with Python $want ($py)"
  "$py" -m venv "$venv" || fail "could not create $venv. On Debian or Ubuntu: apt-get install python3-venv, then run make again."
fi

hint="installing the Python packages failed (pip's message is above). Fix the cause and run make again: nothing was marked as installed."
echo "Installing Python packages from requirements.lock into $venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
  --only-binary :all: -r requirements.lock || fail "$hint"
# The project itself, with the build backend from the lock (no unhashed download in an isolated build environment).
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . \
  || fail "$hint"

# Every dependency must import, not only the command's entry point: imports inside `oap` are lazy.
"$venv/bin/python" scripts/check-install.py ${CHECK_EXTRAS-test} || fail "the install is incomplete (see above). Fix the cause and run make again."
