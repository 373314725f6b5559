"""`oap new-council`: a new council repository: a valid council.yaml in which every key is explained, a README for the
council's team, the pinned national edition, and CI that checks, builds and publishes (GitHub Pages or GitLab Pages)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import unicodedata
from pathlib import Path

from . import __version__
from .errors import OapError, Problem, blame
from .markup import environment
from .overlay import COUNCIL_FILE, shown_path


def slugify(name: str) -> str:
    """'Northbrook and Fenmoor Council' -> 'northbrook-and-fenmoor': ASCII words joined by hyphens, without 'council'."""
    ascii_name = unicodedata.normalize("NFKD", name.replace("&", " and ")).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_name.lower())
    if len(words) > 1 and words[-1] == "council":
        words.pop()
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 40:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug


SYSTEM_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
"""The Debian and Ubuntu packages WeasyPrint needs for the PDFs (as scripts/system-packages.sh installs them)."""
REQUIREMENTS = "requirements.txt"
GITHUB_WORKFLOW = ".github/workflows/publish.yml"
GITLAB_CI = ".gitlab-ci.yml"
FILES = {
    COUNCIL_FILE: "council.yaml.j2",
    "README.md": "council/README.md.j2",
    REQUIREMENTS: "council/requirements.txt.j2",
    ".gitignore": "council/gitignore.j2",
    GITHUB_WORKFLOW: "council/github-publish.yml.j2",
    GITLAB_CI: "council/gitlab-ci.yml.j2",
}
"""Every file of a new council repository, council.yaml first, and the template each is written from."""


def scaffold(folder: Path, name: str) -> Path:
    """Write a council repository into folder (FILES); return its council.yaml. Never overwrite a file: if any of
    them exists, nothing is written."""
    path = folder / COUNCIL_FILE
    slug = slugify(name)
    if not slug:
        raise OapError(
            [
                Problem(
                    "--name",
                    message=f"'{name}' has no letters or digits to make a slug from (give the council's name, e.g. \"Example Borough Council\")",
                )
            ]
        )
    try:
        os.fsencode(folder).decode("utf-8")
    except UnicodeDecodeError:  # the folder's name would end up, undecodable, in the file's comments and in every message
        shown = os.fsencode(folder).decode("utf-8", "backslashreplace")
        raise OapError(
            [Problem(shown, message="the folder's name is not UTF-8 text; choose a name of letters, digits and hyphens")]
        ) from None
    if folder.exists() and not folder.is_dir():
        raise OapError([Problem(shown_path(folder), message="is a file, not a folder; give a new folder for the council's files")])
    if path.exists():
        raise OapError(
            [
                Problem(
                    shown_path(path),
                    message="already exists; oap new-council never overwrites a council's file (edit it, or choose a new folder)",
                )
            ]
        )
    there = [rel for rel in FILES if os.path.lexists(folder / rel)]
    if there:
        raise OapError(
            [
                Problem(
                    shown_path(folder / rel),
                    message="already exists; oap new-council never overwrites a file (move it aside, or choose a new folder)",
                )
                for rel in there
            ]
        )
    env = environment("text")
    values = {
        # YAML values are written as JSON strings, which are valid double-quoted YAML whatever the name holds.
        "name_yaml": json.dumps(name, ensure_ascii=False),
        "slug": slug,
        "send_team_yaml": json.dumps(f"{name} SEND team", ensure_ascii=False),
        "folder": shlex.quote(folder.as_posix()),
        "name": " ".join(name.split()),  # the README's title: one line
        "version": __version__,
        "system_packages": SYSTEM_PACKAGES,
    }
    # Every file rendered before anything is made: nothing is left half-written.
    data = {rel: env.get_template(template).render(**values).encode("utf-8") for rel, template in FILES.items()}
    targets = [folder / rel for rel in FILES]
    made = sorted({p for t in targets for p in t.parents if not p.exists()}, key=lambda p: len(p.parts), reverse=True)
    written: list[Path] = []
    try:
        with blame(folder):
            for target in targets:
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "xb") as fh:  # x: never overwrite, even a file made since the check above
                    written.append(target)
                    fh.write(data[target.relative_to(folder).as_posix()])
    except BaseException:  # a full disk: no empty or cut-short file is left behind
        for target in written:
            target.unlink(missing_ok=True)
        _remove_empty(made)
        raise
    return path


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders this command made (innermost first), if they are still empty."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()
