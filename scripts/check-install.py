"""Check that the installed project really works: every dependency imports, and so does every builder module.

    python scripts/check-install.py          runtime dependencies
    python scripts/check-install.py test     also the test extra's

Run by scripts/python-env.sh after installing. `oap --version` alone proves little: the command imports lazily,
so a missing package or system library only shows when a build reaches it.
"""

from __future__ import annotations

import importlib
import importlib.metadata as md
import pkgutil
import re
import sys

PROJECT = "oap-standards"


def _wanted(extras: set[str]) -> list[str]:
    """Names of the distributions the project requires, for its runtime and the given extras."""
    names = []
    for req in md.requires(PROJECT) or []:
        name, _, marker = req.partition(";")
        extra = re.search(r"""extra\s*==\s*['"]([^'"]+)['"]""", marker)
        if extra and extra.group(1) not in extras:
            continue
        names.append(re.split(r"[\s\[<>=!~(]", name.strip(), maxsplit=1)[0])
    return names


def _modules(dist: str, by_dist: dict[str, list[str]]) -> list[str]:
    """Top-level modules a distribution provides (type stubs and private modules left out)."""
    key = re.sub(r"[-_.]+", "-", dist).lower()
    mods = {m for d, ms in by_dist.items() if re.sub(r"[-_.]+", "-", d).lower() == key for m in ms}
    return sorted(m for m in mods if not m.startswith("_") and not m.endswith("-stubs") and m.isidentifier())


def main(argv: list[str]) -> int:
    extras = set(argv)
    by_dist: dict[str, list[str]] = {}
    for mod, dists in md.packages_distributions().items():
        for d in dists:
            by_dist.setdefault(d, []).append(mod)
    failed = []
    checked = 0
    for dist in _wanted(extras):
        mods = _modules(dist, by_dist)
        if not mods:
            if dist.startswith("types-"):
                continue  # stubs only: nothing to import
            failed.append(f"{dist}: not installed")
            continue
        for mod in mods:
            try:
                importlib.import_module(mod)
                checked += 1
            except Exception as exc:  # noqa: BLE001 - any failure to import is what we report
                failed.append(f"{dist}: import {mod} failed: {type(exc).__name__}: {exc}")
    import builder

    for info in pkgutil.walk_packages(builder.__path__, "builder."):
        try:
            importlib.import_module(info.name)
            checked += 1
        except Exception as exc:  # noqa: BLE001
            failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
    for line in failed:
        print(f"error: {line}", file=sys.stderr)
    if not failed:
        print(f"checked: {checked} modules import ({', '.join(sorted(extras)) or 'runtime'})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
