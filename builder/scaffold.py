"""`oap new-council`: a new council folder with a valid council.yaml in which every key is explained."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import unicodedata
from pathlib import Path

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


def scaffold(folder: Path, name: str) -> Path:
    """Write a valid, fully commented council.yaml into folder; never overwrite one."""
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
    env = environment("text")
    # YAML values are written as JSON strings, which are valid double-quoted YAML whatever the name holds.
    text = env.get_template("council.yaml.j2").render(
        name_yaml=json.dumps(name, ensure_ascii=False),
        slug=slug,
        send_team_yaml=json.dumps(f"{name} SEND team", ensure_ascii=False),
        folder=shlex.quote(folder.as_posix()),
    )
    data = text.encode("utf-8")  # before anything is made: nothing is left half-written
    made = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(path, "xb")  # x: never overwrite, even a file made since the check above
    except BaseException:
        _remove_empty(made)
        raise
    try:
        with fh, blame(folder):
            fh.write(data)
    except BaseException:  # a full disk: no empty or cut-short council.yaml is left behind
        path.unlink(missing_ok=True)
        _remove_empty(made)
        raise
    return path


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders this command made (innermost first), if they are still empty."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()
