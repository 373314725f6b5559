#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the project needs, only if any is missing.
#   scripts/system-packages.sh          what building the site and PDFs needs (WeasyPrint's libraries)
#   scripts/system-packages.sh --test   also what the tests need (Chromium, pdftoppm, Node.js for axe-core)
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
# Debian and Ubuntu split venv (with pip) out of python3: needed to create the project's environment.
"${PYTHON:-python3}" -c 'import ensurepip, venv' >/dev/null 2>&1 || packages+=(python3-venv)
if [ "${1:-}" = "--test" ]; then
  packages+=(chromium libatomic1 poppler-utils)
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing system packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "error: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
  echo "Run as root, or ask an administrator to run: apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
