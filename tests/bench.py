"""`make bench`: how fast the edition builds, as ratios taken in one run so that machine noise cancels.

Not a pytest file and not part of `make test`: run `make bench` or `python -m tests.bench`.

Synthetic corpora are the national set cloned 1, 5 and 10 times (every real standard copied into its own cell
with a new id and title, so every page grows). Each figure compares two things measured in this run:

  overhead      `oap build --no-pdf` over plain `mkdocs build` of the same pages written out as Markdown files
  pdf_parallel  the PDF stage on one worker over the same stage on every core
  pdf_vs_raw    our PDF stage (one worker) over WeasyPrint alone rendering the same print HTML in one process
  scale10x      `oap build --no-pdf` at 10x over 1x (linear is 10)
  rebuild       `mkdocs serve` rebuilding after one YAML edit over a full `mkdocs build` (both without PDFs)
  peak_mb_10x   peak memory of the whole 10x build (every process of it, sampled)

The PDF figures are taken on the national set (1x) only: the PDFs of a 10x corpus take longer than the budget
of the whole benchmark, so the 10x builds are site-only (`--no-pdf`). The last line of output is
`bench: key=value ...`; the exit status is 1 if any target is missed.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from builder.project import load_corpus

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"}
FACTORS = (1, 5, 10)
RUNS = 3
"""Repeats of each short timing; the fastest counts, because noise from other work only ever adds time."""
FAMILY_PAGE = "families/primary/"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

TARGETS: dict[str, tuple[str, float]] = {
    "overhead": ("<=", 1.15),
    "pdf_parallel": (">=", 1.6),
    "pdf_vs_raw": ("<=", 1.1),
    "scale10x": ("<=", 11),
    "rebuild": ("<=", 1.0),
    "peak_mb_10x": ("<=", 600),
    "family_page_kb": ("<=", 400),
}
"""The issue's targets; figures without one are reported for the README."""


# -- synthetic corpora ---------------------------------------------------------------------------------------


def make_corpus(folder: Path, factor: int) -> Path:
    """A project folder whose standards are the national set cloned factor times, with the real vocabularies."""
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    for name in ("docs", "overrides", "standards/vocabularies", "standards/schema"):
        shutil.copytree(ROOT / name, folder / name)
    for source in sorted((ROOT / "standards").glob("*/*.yaml")):
        if source.parent.name.startswith(("_", ".")) or source.parent.name in ("vocabularies", "schema"):
            continue
        standards = yaml.load(source.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)["standards"]
        copies = [clone(s, k) for k in range(factor) for s in standards]
        target = folder / "standards" / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.dump({"standards": copies}, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


def clone(standard: dict[str, Any], k: int) -> dict[str, Any]:
    """Copy k of a standard: same cell, so every rule still holds; a new id and title (copy 0 is the original)."""
    if k == 0:
        return standard
    suffix = f" (copy {k})"
    return {**standard, "id": f"{standard['id']}-copy-{k}", "title": standard["title"][: 120 - len(suffix)] + suffix}


def plain_mkdocs_project(project: Path) -> Path:
    """The pages `oap` would generate, written as Markdown files with a mkdocs.yml that has no oap plugin."""
    from builder.edition import load
    from builder.render import Renderer

    edition, corpus, extra = load(project, None)
    site = Renderer(corpus, edition, **extra).render()
    docs = project / "plain-docs"
    shutil.copytree(project / "docs", docs)
    for rel, content in {**site.pages, **site.files}.items():
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    config = yaml.safe_load((project / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = "plain-docs"
    config["nav"] = site.nav
    config["plugins"] = [p for p in config["plugins"] if not (isinstance(p, dict) and "oap" in p) and p != "oap"]
    config.pop("watch", None)
    (project / "mkdocs-plain.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return project / "mkdocs-plain.yml"


# -- running and timing --------------------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float
    peak_mb: float


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (PDF workers included), in MB."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, total = {pid}, 0
    for child, parent in sorted(parents.items()):  # pids grow, so a parent is usually seen before its children
        if parent in tree:
            tree.add(child)
    for member in tree:
        try:
            total += int(Path(f"/proc/{member}/statm").read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def run(cmd: list[str], cwd: Path, *, env: dict[str, str] | None = None) -> Run:
    """Run a command to completion; its wall time and peak memory; raise with its output if it fails."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env or ENV, stdout=log, stderr=subprocess.STDOUT)
        peak, done = [0.0], threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], tree_rss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4, not proc.wait: it also reports the peak resident size of the largest process of the build.
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.join()
        if proc.returncode != 0:
            log.seek(0)
            raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{log.read().decode(errors='replace')[-3000:]}")
    return Run(seconds, max(peak[0], usage.ru_maxrss / 1024))


def fastest(runs: int, measure: Callable[[], Run]) -> Run:
    """The fastest of several runs (other work on the machine only ever adds time), with the highest peak."""
    results = [measure() for _ in range(runs)]
    return Run(min(r.seconds for r in results), max(r.peak_mb for r in results))


def oap_build(project: Path, out: Path, *, pdf: bool = False) -> Run:
    return run([PY, "-m", "builder.cli", "build", "--root", ".", "--out", str(out), *([] if pdf else ["--no-pdf"])], project)


def mkdocs_build(project: Path, out: Path, config: str = "mkdocs.yml") -> Run:
    return run([PY, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", str(out)], project, env={**ENV, "OAP_NO_PDF": "1"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the measurements ----------------------------------------------------------------------------------------


def measure_builds(projects: dict[int, Path], work: Path) -> dict[str, float]:
    """Site builds at every scale, and the overhead over plain MkDocs at 1x (runs interleaved so noise hits both)."""
    plain_config = plain_mkdocs_project(projects[1])
    ours, plain = [], []
    for _ in range(RUNS):
        ours.append(oap_build(projects[1], work / "site-1x"))
        plain.append(mkdocs_build(projects[1], work / "plain-1x", plain_config.name))
    figures = {"build_1x_s": min(r.seconds for r in ours), "plain_mkdocs_1x_s": min(r.seconds for r in plain)}
    figures["overhead"] = figures["build_1x_s"] / figures["plain_mkdocs_1x_s"]
    for factor in FACTORS[1:]:
        result = fastest(2 if factor == FACTORS[-1] else 1, partial(oap_build, projects[factor], work / f"site-{factor}x"))
        figures[f"build_{factor}x_s"] = result.seconds
        figures[f"scale{factor}x"] = result.seconds / figures["build_1x_s"]
        figures[f"peak_mb_{factor}x"] = result.peak_mb
    return figures


def measure_rebuild(project: Path, work: Path) -> dict[str, float]:
    """`mkdocs serve`: time from saving one YAML file until the server has rebuilt, against a full build."""
    full = fastest(RUNS, partial(mkdocs_build, project, work / "full-1x"))
    port = free_port()
    server = subprocess.Popen([PY, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"], cwd=project, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        base = wait_for_line(server, "Serving on").rsplit(" ", 1)[-1].strip()  # the site_url's path is kept
        times = []
        for i in range(RUNS):
            edit = project / "standards" / "cognition-and-learning" / "primary.yaml"
            data = yaml.load(edit.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            data["standards"][0]["title"] = marker = f"Bench edit {i}"
            start = time.perf_counter()
            edit.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
            wait_for_line(server, "Reloading browsers")
            times.append(time.perf_counter() - start)
            page = fetch(f"{base}standards/cognition-and-learning/primary/")
            assert marker in page, "the served page does not show the edit: the rebuild was not detected"
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"rebuild_s": min(times), "full_mkdocs_build_1x_s": full.seconds, "rebuild": min(times) / full.seconds}


def wait_for_line(proc: subprocess.Popen[str], text: str, timeout: float = 300) -> str:
    """Read the server's log until a line contains text, and return that line; fail on a build error."""
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    for line in proc.stdout:
        if "An error happened during the rebuild" in line or proc.poll() is not None:
            raise RuntimeError(f"mkdocs serve failed: {line}")
        if text in line:
            return line
        if time.monotonic() > deadline:
            break
    raise RuntimeError(f"mkdocs serve: no '{text}' line within {timeout} s")


def fetch(url: str) -> str:
    from urllib.request import urlopen

    with urlopen(url, timeout=30) as response:
        return str(response.read().decode("utf-8"))


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site and records the size of every response body it sends (and what gzip would make of it)."""

    def copyfile(self, source: Any, outputfile: Any) -> None:
        body = source.read()
        self.server.sent.append((self.path, len(body), len(gzip.compress(body, 6))))  # type: ignore[attr-defined]
        outputfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def measure_family_page(site: Path, standards: int) -> dict[str, float]:
    """Bytes a browser with a cold cache fetches for one families page, everything it loads included."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(CountingHandler, directory=str(site)))
    server.sent = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_context().new_page()  # a new context: nothing cached
            page.goto(f"http://127.0.0.1:{server.server_port}/{FAMILY_PAGE}", wait_until="networkidle")
            settled = -1
            while settled != len(server.sent):  # the search worker fetches its index after load
                settled = len(server.sent)
                page.wait_for_timeout(1500)
            browser.close()
    finally:
        server.shutdown()
    sent = server.sent  # type: ignore[attr-defined]
    index = (site / "search" / "search_index.json").stat().st_size
    return {
        "family_page_kb": sum(raw for _, raw, _ in sent) / 1024,
        "family_page_kb_gzip": sum(packed for _, _, packed in sent) / 1024,
        "family_page_requests": len(sent),
        "search_index_fetched": int(any("search_index.json" in path for path, _, _ in sent)),
        "search_index_kb_per_standard": index / 1024 / standards,
    }


def measure_pdf(project: Path, work: Path) -> dict[str, float]:
    """The PDF stage on one worker and on every core, and WeasyPrint alone on the same print HTML."""
    from builder import pdf
    from builder.edition import load

    edition, corpus, _ = load(project, None)
    weasyprint_alone([pdf.PrintDocument("warm-up", "warm-up", "<p>warm-up</p>", b"")], work / "warm-up")  # fonts, imports
    one = timed(partial(pdf.render_pdfs, corpus, edition, work / "pdf-one", workers=1))
    every = timed(partial(pdf.render_pdfs, corpus, edition, work / "pdf-all", workers=os.cpu_count() or 1))
    raw = weasyprint_alone(pdf.print_documents(corpus, edition), work / "pdf-raw")
    return {"pdf_1_worker_s": one, "pdf_all_cores_s": every, "weasyprint_alone_s": raw,
            "pdf_parallel": one / every, "pdf_vs_raw": one / raw}  # fmt: skip


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def weasyprint_alone(docs: list[Any], folder: Path) -> float:
    """Seconds for plain WeasyPrint to write each document's PDF in this process, with the same PDF options."""
    import weasyprint

    from builder.pdf import PDF_OPTIONS, prepare_assets

    base = prepare_assets(folder).resolve().as_uri() + "/"
    start = time.perf_counter()
    for doc in docs:
        (folder / doc.name).write_bytes(weasyprint.HTML(string=doc.html, base_url=base).write_pdf(**PDF_OPTIONS))
    return time.perf_counter() - start


# -- the report ----------------------------------------------------------------------------------------------


def missed(figures: dict[str, float]) -> list[str]:
    """The targets a figure misses, or that were not measured."""
    out = []
    for key, (op, limit) in TARGETS.items():
        value = figures.get(key)
        if value is None or (value > limit if op == "<=" else value < limit):
            out.append(key)
    return out


def report(figures: dict[str, float]) -> str:
    """A table of every figure with its target, then the one-line summary."""
    misses = missed(figures)
    lines = [f"{'figure':32} {'value':>10}  target"]
    for key, value in figures.items():
        op, limit = TARGETS.get(key, ("", None))
        verdict = "" if limit is None else f"{op} {limit:g}  {'MISSED' if key in misses else 'ok'}"
        lines.append(f"{key:32} {value:>10.2f}  {verdict}")
    lines += [f"{key:32} {'-':>10}  not measured" for key in misses if key not in figures]
    lines.append("bench: " + " ".join(f"{key}={value:.2f}" for key, value in figures.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF figures (their targets then count as missed)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="oap-bench-") as tmp:
        work = Path(tmp)
        projects = {f: make_corpus(Path(tempfile.mkdtemp(dir=tmp, prefix=f"corpus-{f}x-")), f) for f in FACTORS}
        standards = len(load_corpus(projects[1]).standards)
        steps: list[tuple[str, Callable[[], dict[str, float]]]] = [
            ("site builds at " + ", ".join(f"{f}x" for f in FACTORS), partial(measure_builds, projects, work)),
            ("mkdocs serve rebuild at 1x", partial(measure_rebuild, projects[1], work)),
            ("families page in Chromium", partial(measure_family_page, work / "site-1x", standards)),
        ]
        if not args.no_pdf:
            steps.append(("PDF stage at 1x", partial(measure_pdf, projects[1], work)))
        for what, measure in steps:
            print(f"[{time.perf_counter() - began:6.1f} s] {what}", file=sys.stderr, flush=True)
            found = measure()
            print("    " + " ".join(f"{k}={v:.2f}" for k, v in found.items()), file=sys.stderr, flush=True)
            figures.update(found)
    figures["bench_s"] = time.perf_counter() - began
    print(report(figures))
    return 1 if missed(figures) else 0


if __name__ == "__main__":
    sys.exit(main())
