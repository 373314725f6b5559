"""Every use of builder internals by the output tests (tests/test_rendering.py), in one place.

The tests pin what readers see: pages, print HTML and open data. They reach the pipeline only through these
functions, so a refactor that renames modules re-points this file and leaves the tests and their goldens alone.
Each function says which builder call it stands for today.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from builder import opendata, pipeline, printdocs, web

GOLDEN = Path(__file__).resolve().parent / "golden"
REGENERATE = os.environ.get("OAP_REGENERATE_EXPECTED") == "1"
"""OAP_REGENERATE_EXPECTED=1 rewrites every golden from the current output, for review as a diff."""


@dataclass(frozen=True)
class Gathered:
    """One edition, loaded and checked: what the renderers are given."""

    edition: Any

    @property
    def corpus(self) -> Any:
        return self.edition.corpus


def gather(root: Path, council: Path | None) -> Gathered:
    """Load and check a project and, optionally, a council folder (builder.pipeline.gather)."""
    return Gathered(pipeline.gather(root, council))


def web_pages(g: Gathered, *, today: dt.date) -> dict[str, str]:
    """Every generated Markdown page by its path under docs/ (builder.web.Renderer(...).render().pages)."""
    return dict(web.Renderer(g.edition, today=today).render().pages)


def print_html(g: Gathered) -> dict[str, str]:
    """Every print document's complete HTML by its PDF's file name (builder.printdocs.print_documents)."""
    return {doc.name: doc.html for doc in printdocs.print_documents(g.edition)}


def standards_json(g: Gathered) -> dict[str, Any]:
    """The open data file data/standards.json, parsed (builder.opendata.standards_json)."""
    data: dict[str, Any] = json.loads(opendata.standards_json(g.edition))
    return data


def standard_markdown(g: Gathered, standard_id: str, *, today: dt.date) -> str:
    """One standard as the teachers' pages show it (the partial builder/templates/_standard.md.j2)."""
    renderer = web.Renderer(g.edition, today=today)
    return renderer.env.get_template("_standard.md.j2").render(s=g.corpus.by_id()[standard_id])


def standard_print_html(g: Gathered, standard_id: str) -> str:
    """One standard as the teachers' guide prints it (the partial builder/templates/print/_standard.html.j2)."""
    template = printdocs.PrintBuilder(g.edition).env.get_template("print/_standard.html.j2")
    return template.render(s=g.corpus.by_id()[standard_id], hl=3)


# -- goldens: stored expected output, compared word for word ---------------------------------------------------------
def golden(name: str, actual: str) -> None:
    """Compare with tests/golden/<name>; OAP_REGENERATE_EXPECTED=1 rewrites it, for review as a diff."""
    path = GOLDEN / name
    if REGENERATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"no {path.name} yet: run with OAP_REGENERATE_EXPECTED=1 and review it"
    assert actual == path.read_text(encoding="utf-8")


def golden_tree(name: str, actual: dict[str, str]) -> None:
    """Compare a folder of goldens, one file per output, with tests/golden/<name>/; a file appearing or going is a difference.

    OAP_REGENERATE_EXPECTED=1 replaces the folder whole, so a page that is no longer made disappears from it too.
    """
    folder = GOLDEN / name
    if REGENERATE:
        shutil.rmtree(folder, ignore_errors=True)
        for rel, text in actual.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(text, encoding="utf-8")
    assert folder.is_dir(), f"no {folder.name}/ yet: run with OAP_REGENERATE_EXPECTED=1 and review it"
    stored = {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file()}
    changed = sorted(rel for rel in actual.keys() & stored.keys() if actual[rel] != stored[rel])
    problems = [f"new, not in the golden: {rel}" for rel in sorted(actual.keys() - stored.keys())]
    problems += [f"in the golden, no longer made: {rel}" for rel in sorted(stored.keys() - actual.keys())]
    problems += [f"changed: {rel}" for rel in changed]
    if changed:  # the first difference in full, so the failure says what changed, not only where
        rel = changed[0]
        diff = difflib.unified_diff(stored[rel].splitlines(), actual[rel].splitlines(), f"golden/{name}/{rel}", "actual", lineterm="", n=2)
        problems.append("\n".join(list(diff)[:60]))
    assert not problems, f"{name} differs from tests/golden/{name}/ (OAP_REGENERATE_EXPECTED=1 rewrites it):\n" + "\n".join(problems)
