"""`make bench`: how fast the edition builds, as ratios taken in one run so that machine noise cancels.

Not a pytest file and not part of `make test`: run `make bench`, or `python -m tests.bench` (`--profile` instead
prints where the time of one national build goes, stage by stage).

Synthetic corpora are the national set cloned 1, 5 and 10 times (every real standard copied into its own cell
with a new id and title, so every page grows), in temporary project folders. The figures with targets:

  overhead        `oap build --no-pdf` over plain `mkdocs build` of the same pages written out as Markdown files (1x),
                  in the author's case: one standards file changed (a title) since the last build, whose caches
                  (.oap-cache: pages, checked standards files) are warm; the plain build is of the same changed pages.
                  overhead_cold (no target) is the same build with .oap-cache emptied first: a first build, or CI
  pdf_parallel    the PDF stage on one worker over the same stage on every core (1x)
  pdf_vs_raw      our PDF stage on one worker over WeasyPrint alone on the same print HTML in one process (1x)
  scale10x        `oap build --no-pdf` at 10x over 1x (linear is 10), both with .oap-cache emptied first
  rebuild         `mkdocs serve` rebuilding after one YAML file is saved, over a full `mkdocs build` of the site
                  (PDFs are left out of that build: `mkdocs serve` skips them, so this is the stricter comparison)
  preview_edit_s  `mkdocs serve`: seconds from saving one standards file until its page, fetched over HTTP, shows
                  the edit (the median of ten saves: it includes the server noticing the save, which it looks for
                  every 0.1 s); preview_edit_cpu_s is the server's processor time for the same, which a busy
                  machine hardly moves
  peak_mb_10x     peak memory of the whole 10x build, every process of it
  family_page_kb  what Chromium, cache empty, fetches for one families page, everything it loads counted, from a
                  local server that compresses text as static hosts do (uncompressed size reported beside it)
  noop_build      a second `oap build` (site and PDFs) with nothing changed, over `oap build --no-pdf` (1x): the PDFs
                  all come from the cache (.oap-cache/pdf)
  one_file_pdfs   how many PDFs `oap build` renders again after one standards file changed (a title in
                  cognition-and-learning/primary.yaml): only those holding its standards, the phase's two guides and
                  the handbook's volume for that area of need
  scale10x_pdf    the print and PDF stages of `oap build` (their times as `--timings` gives them) at 10x over 1x,
                  each with an empty PDF cache (linear is 10)
  peak_mb_10x_pdf peak memory of that whole 10x build with PDFs, every process of it (PDF workers included): a
                  document of more than printdocs.MAX_STANDARDS standards is made as volumes, so this stays bounded

Wall-clock ratios decide the targets; each *_cpu twin is the same ratio in processor time, which other work on
the machine hardly moves: when the two disagree, the machine was busy and the run should be repeated.
The PDF ratios above scale10x_pdf are measured on the national set only, and the 5x and 10x site builds are
site-only (`--no-pdf`); the one 10x build with PDFs (scale10x_pdf) takes about ten times the 1x PDF stage. The last
line is `bench: key=value ...`; the exit status is 1 if any target is missed.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import os
import queue
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from builder.project import load_corpus

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "NO_MKDOCS_2_WARNING": "1"}
"""Builds run as a user's do: Python keeps compiled modules (recompiling builder/ on every run costs 30 ms)."""
FACTORS = (1, 5, 10)
RUNS = 5
"""Repeats of each short timing; the fastest counts, because noise from other work only ever adds time."""
PDF_RUNS = 2
"""The PDF stage takes about a minute a run, so fewer repeats (a shared machine's speed can drift 10-20% in minutes)."""
FAMILY_PAGE = "families/primary/"
COMPRESSED = ("text/", "application/javascript", "application/json", "image/svg+xml", "application/xml")
"""Types a static host (GitHub Pages, Netlify, nginx with gzip on) sends compressed."""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

TARGETS: dict[str, tuple[str, float]] = {
    "overhead": ("<=", 1.1),
    "pdf_parallel": (">=", 1.6),
    "pdf_vs_raw": ("<=", 1.1),
    "scale10x": ("<=", 11),
    "rebuild": ("<=", 1.0),
    "preview_edit_s": ("<=", 1.0),
    "peak_mb_10x": ("<=", 600),
    "peak_mb_1x_with_pdfs": ("<=", 600),  # the 10x build is site-only; a whole build with PDFs must fit too
    "scale10x_pdf": ("<=", 11),
    "peak_mb_10x_pdf": ("<=", 600),
    "family_page_kb": ("<=", 400),
    "noop_build": ("<=", 1.2),
    "one_file_pdfs": ("<=", 3),
}
"""The issue's targets; figures without one are reported for the README."""


# -- synthetic corpora ---------------------------------------------------------------------------------------


def make_corpus(folder: Path, factor: int) -> Path:
    """A project folder whose standards are the national set cloned factor times, with the real vocabularies."""
    folder.mkdir(parents=True)
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
    from builder.opendata import data_files
    from builder.pipeline import gather
    from builder.web import PASS_END, PASS_START, Renderer

    edition = gather(project)
    site = Renderer(edition).render()
    docs = project / "plain-docs"
    shutil.copytree(project / "docs", docs)
    pages = {rel: text.replace(PASS_START, "").replace(PASS_END, "") for rel, text in site.pages.items()}  # the plugin's marks
    # The open data too, as static files: the pages link to them, and `--strict` fails on a link to a missing file.
    written = {**{rel: text.encode("utf-8") for rel, text in pages.items()}, **site.files, **data_files(edition)}
    for rel, content in written.items():
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_bytes(content)
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
    cpu: float
    """Processor seconds of the work and its child processes. Other work on a busy machine stretches wall time but
    hardly this, so a wall-time ratio far from its processor-time twin (the *_cpu figures) was distorted by it."""
    peak_mb: float = 0.0
    output: str = ""
    """What the command printed (stdout and stderr), for the figures it reports itself (`oap build --timings`)."""


def tree_memory_mb(pid: int) -> float:
    """Memory of a process and all its descendants (PDF workers included), in MB.

    Proportional set size: a page that forked workers share with the build counts once, not once per process.
    """
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree: set[int] = set()
    grown = {pid}
    while grown != tree:
        tree, grown = grown, grown | {child for child, parent in parents.items() if parent in grown}
    kilobytes = 0
    for member in tree:
        try:
            rollup = Path(f"/proc/{member}/smaps_rollup").read_text()
            kilobytes += int(rollup.split("\nPss:", 1)[1].split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return kilobytes / 1024


@contextmanager
def peak_memory(pid: int) -> Iterator[list[float]]:
    """Sample the memory of pid's process tree every 50 ms while the block runs; the list holds the peak in MB."""
    peak, done = [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], tree_memory_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def run(cmd: list[str], cwd: Path, *, env: dict[str, str] | None = None) -> Run:
    """Run a command to completion; its wall time and peak memory; raise with its output if it fails."""
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env or ENV, stdout=log, stderr=subprocess.STDOUT)
        with peak_memory(proc.pid) as peak:
            # wait4, not proc.wait: it also gives the peak resident size of the largest single process of the build.
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read().decode(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{output[-3000:]}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, max(peak[0], usage.ru_maxrss / 1024), output)


def fastest(runs: list[Run]) -> Run:
    """The fastest of several runs (other work on the machine only ever adds time), with the highest peak."""
    return Run(min(r.seconds for r in runs), min(r.cpu for r in runs), max(r.peak_mb for r in runs))


def timed(action: Callable[[], object]) -> Run:
    """Run a function in this process; wall and processor time, its child processes (PDF workers) included."""

    def cpu() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    start, start_cpu = time.perf_counter(), cpu()
    action()
    return Run(time.perf_counter() - start, cpu() - start_cpu)


def oap_build(project: Path, out: Path, *, pdf: bool = False) -> Run:
    return run([PY, "-m", "builder.cli", "build", "--root", ".", "--out", str(out), *([] if pdf else ["--no-pdf"])], project)


def mkdocs_build(project: Path, out: Path, config: str = "mkdocs.yml") -> Run:
    return run([PY, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", str(out)], project, env={**ENV, "OAP_NO_PDF": "1"})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the measurements ----------------------------------------------------------------------------------------


def edit_one_file(project: Path, i: int) -> Callable[[], None]:
    """Change one standard's title in cognition-and-learning/primary.yaml (a new title for each i), as an author
    would; the function returned puts the file back."""
    edit = project / "standards" / "cognition-and-learning" / "primary.yaml"
    original = edit.read_text(encoding="utf-8")
    data = yaml.load(original, Loader=yaml.CSafeLoader)
    data["standards"][0]["title"] = f"{data['standards'][0]['title'][:100]} (edit {i})"
    edit.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return lambda: edit.write_text(original, encoding="utf-8")


def empty_cache(project: Path) -> None:
    """Remove the project's .oap-cache (PDFs, pages, checked standards files): the next build starts cold."""
    shutil.rmtree(project / ".oap-cache", ignore_errors=True)


def measure_builds(projects: dict[int, Path], work: Path) -> dict[str, float]:
    """Site builds at every scale, and the overhead over plain MkDocs at 1x (runs interleaved so noise hits both).

    overhead is the author's case: one standards file changed since the last build, whose caches are warm (the
    plain MkDocs build is of the same changed pages); overhead_cold the same build with the cache emptied first."""
    one_project = projects[1]
    oap_build(one_project, work / "site-1x")  # the last build before the author's edit: its caches are warm
    warm, cold, plain = [], [], []
    for i in range(RUNS):
        undo = edit_one_file(one_project, i)
        try:
            shutil.rmtree(one_project / "plain-docs", ignore_errors=True)
            plain_config = plain_mkdocs_project(one_project)
            warm.append(oap_build(one_project, work / "site-1x"))
            plain.append(mkdocs_build(one_project, work / "plain-1x", plain_config.name))
            empty_cache(one_project)
            cold.append(oap_build(one_project, work / "site-1x-cold"))
        finally:
            undo()
    oap_build(one_project, work / "site-1x")  # the site (and caches) of the project as it was made, for later steps
    one, first, bare = fastest(warm), fastest(cold), fastest(plain)
    figures = {"build_1x_s": one.seconds, "build_1x_cold_s": first.seconds, "plain_mkdocs_1x_s": bare.seconds,
               "overhead": one.seconds / bare.seconds, "overhead_cpu": one.cpu / bare.cpu,
               "overhead_cold": first.seconds / bare.seconds, "overhead_cold_cpu": first.cpu / bare.cpu}  # fmt: skip
    one = first  # the larger corpora are built cold: compare them with a cold 1x build
    for factor in FACTORS[1:]:
        runs = []
        for _ in range(2 if factor == FACTORS[-1] else 1):
            empty_cache(projects[factor])
            runs.append(oap_build(projects[factor], work / f"site-{factor}x"))
        result = fastest(runs)
        figures[f"build_{factor}x_s"] = result.seconds
        figures[f"scale{factor}x"] = result.seconds / one.seconds
        figures[f"scale{factor}x_cpu"] = result.cpu / one.cpu
        figures[f"peak_mb_{factor}x"] = result.peak_mb
    return figures


def start_serve(project: Path) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """A real `mkdocs serve` of the project on a free port, and a queue of the lines it prints (see wait_for_line)."""
    server = subprocess.Popen([PY, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{free_port()}"], cwd=project, env=ENV,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    log: queue.Queue[str] = queue.Queue()
    threading.Thread(target=pump, args=(server, log), daemon=True).start()
    return server, log


def measure_rebuild(project: Path, work: Path) -> dict[str, float]:
    """`mkdocs serve`: time from saving one YAML file until the server has rebuilt, against a full site build."""
    server, log = start_serve(project)
    edit = project / "standards" / "cognition-and-learning" / "primary.yaml"
    original = edit.read_text(encoding="utf-8")
    try:
        base = wait_for_line(log, "Serving on").rsplit(" ", 1)[-1].strip()  # the site_url's path is kept
        times, builds = [], []
        for i in range(RUNS):  # a full build, then a save and the rebuild: interleaved, as for the overhead
            builds.append(mkdocs_build(project, work / "full-1x"))
            data = yaml.load(original, Loader=yaml.CSafeLoader)
            data["standards"][0]["title"] = marker = f"Bench edit {i}"
            start = time.perf_counter()
            edit.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
            wait_for_line(log, "Reloading browsers")
            times.append(time.perf_counter() - start)
            if marker not in fetch(f"{base}standards/cognition-and-learning/primary/"):
                raise RuntimeError("the served page does not show the edit: the rebuild was not the one measured")
    finally:
        server.terminate()
        server.wait(timeout=30)
        edit.write_text(original, encoding="utf-8")
    full = fastest(builds)
    return {"rebuild_s": min(times), "full_mkdocs_build_1x_s": full.seconds, "rebuild": min(times) / full.seconds}


def measure_preview_edit(project: Path) -> dict[str, float]:
    """`mkdocs serve`: from saving one standards file until the page, fetched over HTTP, shows the edit."""
    server, log = start_serve(project)
    edit = project / "standards" / "cognition-and-learning" / "primary.yaml"
    original = edit.read_text(encoding="utf-8")
    times, cpu = [], []
    try:
        page = wait_for_line(log, "Serving on").rsplit(" ", 1)[-1].strip() + "standards/cognition-and-learning/primary/"
        for i in range(RUNS * 2):  # more saves than other figures take: each waits a random part of the watch interval
            data = yaml.load(original, Loader=yaml.CSafeLoader)
            data["standards"][0]["title"] = marker = f"Preview edit {i}"
            text = yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
            start, start_cpu = time.perf_counter(), process_cpu(server.pid)
            edit.write_text(text, encoding="utf-8")
            while marker not in fetch(page):  # a request made while the server rebuilds waits for the new site
                if time.perf_counter() - start > 300:
                    raise RuntimeError(f"mkdocs serve: '{marker}' not served within 300 s of the save")
                time.sleep(0.02)
            times.append(time.perf_counter() - start)
            cpu.append(process_cpu(server.pid) - start_cpu)
            wait_for_line(log, "Reloading browsers")  # this save's rebuild is over before the next save
    finally:
        server.terminate()
        server.wait(timeout=30)
        edit.write_text(original, encoding="utf-8")
    times.sort()
    cpu.sort()
    return {"preview_edit_s": times[len(times) // 2], "preview_edit_best_s": times[0], "preview_edit_worst_s": times[-1],
            "preview_edit_cpu_s": cpu[len(cpu) // 2]}  # fmt: skip


def process_cpu(pid: int) -> float:
    """Processor seconds a running process has used so far (Linux: /proc/PID/stat), its own threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pump(proc: subprocess.Popen[str], log: queue.Queue[str]) -> None:
    """Hand each line the process prints to the queue (a thread, so that waiting for a line can time out)."""
    for line in proc.stdout or ():
        log.put(line)


def wait_for_line(log: queue.Queue[str], text: str, timeout: float = 300) -> str:
    """Read the server's log until a line contains text, and return that line; fail on a build error or silence."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = log.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(f"mkdocs serve: no '{text}' line within {timeout} s") from None
        if "An error happened" in line or line.startswith("ERROR"):
            raise RuntimeError(f"mkdocs serve failed: {line}")
        if text in line:
            return line


def fetch(url: str) -> str:
    from urllib.request import urlopen

    with urlopen(url, timeout=30) as response:
        return str(response.read().decode("utf-8"))


class CountingServer(http.server.ThreadingHTTPServer):
    sent: list[tuple[str, int, int]]
    """Each response: the path asked for, the file's size and the bytes sent."""


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site as a static host does (text gzipped when the browser asks) and records every body it sends."""

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        path = path / "index.html" if path.is_dir() else path
        if not path.is_file():
            self.send_error(404)
            return
        body = sent = path.read_bytes()
        kind = self.guess_type(str(path))
        self.send_response(200)
        self.send_header("Content-Type", kind)
        if "gzip" in self.headers.get("Accept-Encoding", "") and kind.startswith(COMPRESSED):
            sent = gzip.compress(body, 6)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(sent)))
        self.end_headers()
        self.wfile.write(sent)
        assert isinstance(self.server, CountingServer)
        self.server.sent.append((self.path, len(body), len(sent)))

    def log_message(self, format: str, *args: Any) -> None:
        pass


def measure_family_page(site: Path, standards: int) -> dict[str, float]:
    """Bytes a browser with a cold cache fetches for one families page, everything it loads included."""
    from playwright.sync_api import sync_playwright

    server = CountingServer(("127.0.0.1", 0), partial(CountingHandler, directory=str(site)))
    server.sent = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("OAP_CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS)
            page = browser.new_context().new_page()  # a new context: nothing cached
            page.goto(f"http://127.0.0.1:{server.server_port}/{FAMILY_PAGE}", wait_until="networkidle")
            settled = -1
            while settled != len(server.sent):  # the search worker fetches its index after load
                settled = len(server.sent)
                page.wait_for_timeout(1500)
            browser.close()
    finally:
        server.shutdown()
    sent = sorted(server.sent, key=lambda item: -item[2])
    for path, raw, wire in sent[:6]:
        print(f"      {wire / 1024:7.1f} KB on the wire ({raw / 1024:7.1f} KB) {path}", file=sys.stderr)
    index = (site / "search" / "search_index.json").stat().st_size
    return {
        "family_page_kb": sum(wire for _, _, wire in sent) / 1024,
        "family_page_kb_uncompressed": sum(raw for _, raw, _ in sent) / 1024,
        "family_page_requests": len(sent),
        "search_index_kb_per_standard": index / 1024 / standards,
    }


def measure_pdf(project: Path, work: Path) -> dict[str, float]:
    """The PDF stage on one worker and on every core, and WeasyPrint alone on the same print HTML."""
    import pikepdf

    from builder import pdf
    from builder.pipeline import gather
    from builder.printdocs import PrintDocument, print_documents

    docs = print_documents(gather(project))
    weasyprint_alone([PrintDocument("warm-up", "warm-up", "<p>warm-up</p>", b"")], work / "warm-up")  # fonts, imports
    everies, ones, raws = [], [], []
    for _ in range(PDF_RUNS):  # interleaved, so that a slow spell of the machine does not fall on one side only
        everies.append(timed(partial(pdf.render_pdfs, docs, work / "pdf-all", workers=os.cpu_count() or 1)))
        ones.append(timed(partial(pdf.render_pdfs, docs, work / "pdf-one", workers=1)))
        raws.append(timed(partial(weasyprint_alone, docs, work / "pdf-raw")))
    every, one, raw = fastest(everies), fastest(ones), fastest(raws)
    pages = 0
    for path in (work / "pdf-all").glob("*.pdf"):
        with pikepdf.open(path) as document:
            pages += len(document.pages)
    return {"pdf_pages_1x": pages, "pdf_1_worker_s": one.seconds, "pdf_all_cores_s": every.seconds,
            "weasyprint_alone_s": raw.seconds, "pdf_parallel": one.seconds / every.seconds,
            "pdf_vs_raw": one.seconds / raw.seconds, "pdf_vs_raw_cpu": one.cpu / raw.cpu}  # fmt: skip


def measure_full_build(project: Path, work: Path) -> dict[str, float]:
    """What `make build` costs for the national set: `oap build` with the site and every PDF."""
    result = oap_build(project, work / "full-site-1x", pdf=True)
    pdfs = len(list((work / "full-site-1x" / "downloads").glob("*.pdf")))
    return {"build_1x_with_pdfs_s": result.seconds, "peak_mb_1x_with_pdfs": result.peak_mb, "pdfs_1x": pdfs}


def stage_seconds(output: str, stages: tuple[str, ...]) -> float:
    """The seconds `oap build --timings` says the named stages took, added up."""
    found = dict(re.findall(r"\b(\w+) ([\d.]+) s\b", output.split("oap build: stages:", 1)[-1].splitlines()[0]))
    missing = [stage for stage in stages if stage not in found]
    if missing:
        raise RuntimeError(f"oap build --timings did not say how long {', '.join(missing)} took:\n{output[-3000:]}")
    return sum(float(found[stage]) for stage in stages)


def measure_pdf_scale(projects: dict[int, Path], work: Path) -> dict[str, float]:
    """`oap build` with PDFs at 1x and at 10x, each with an empty PDF cache: the print and PDF stages' time at 10x
    over 1x, and the peak memory of the whole 10x build (every process of it, PDF workers included)."""
    from builder.pipeline import PDF_CACHE

    figures: dict[str, float] = {}
    seconds = {}
    for factor in (1, FACTORS[-1]):
        cache = projects[factor] / PDF_CACHE
        shutil.rmtree(cache, ignore_errors=True)  # every PDF rendered, as in a first build
        out = work / f"pdf-scale-{factor}x"
        try:
            result = run([PY, "-m", "builder.cli", "build", "--root", ".", "--out", str(out), "--timings"], projects[factor])
        finally:
            shutil.rmtree(cache, ignore_errors=True)  # later measurements find the project as it was made
        seconds[factor] = stage_seconds(result.output, ("print", "pdf"))
        figures[f"pdf_stages_{factor}x_s"] = seconds[factor]
        figures[f"pdfs_{factor}x"] = len(list((out / "downloads").glob("*.pdf")))
        figures[f"peak_mb_{factor}x_pdf"] = result.peak_mb
        shutil.rmtree(out)
    figures["scale10x_pdf"] = seconds[FACTORS[-1]] / seconds[1]
    return figures


def measure_incremental(project: Path, work: Path) -> dict[str, float]:
    """A build with nothing changed against a site-only build (interleaved), then a build after one file changed.

    Runs after measure_full_build, whose build filled the project's PDF cache."""
    out = work / "full-site-1x"
    noops, previews = [], []
    for _ in range(RUNS):
        noops.append(oap_build(project, out, pdf=True))
        previews.append(oap_build(project, work / "preview-1x"))
    noop, preview = fastest(noops), fastest(previews)
    edit = project / "standards" / "cognition-and-learning" / "primary.yaml"
    original = edit.read_text(encoding="utf-8")
    data = yaml.load(original, Loader=yaml.CSafeLoader)
    data["standards"][0]["title"] += " (edited)"
    edit.write_text(yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    try:
        done = subprocess.run([PY, "-m", "builder.cli", "build", "--root", ".", "--out", str(out), "--timings"],
                              cwd=project, env=ENV, capture_output=True, text=True, check=True)  # fmt: skip
    finally:
        edit.write_text(original, encoding="utf-8")
    rendered = re.search(r"pdfs rendered (\d+)", done.stdout)
    if rendered is None:
        raise RuntimeError(f"oap build --timings did not say how many PDFs it rendered:\n{done.stdout}")
    return {"noop_build_s": noop.seconds, "preview_1x_s": preview.seconds, "noop_build": noop.seconds / preview.seconds,
            "noop_build_cpu": noop.cpu / preview.cpu, "one_file_pdfs": int(rendered[1])}  # fmt: skip


def weasyprint_alone(docs: list[Any], folder: Path) -> None:
    """Plain WeasyPrint writing each document's PDF in this process, with the same PDF options and fonts."""
    import weasyprint

    from builder.pdf import PDF_OPTIONS, prepare_assets

    base = prepare_assets(folder).resolve().as_uri() + "/"
    for doc in docs:
        (folder / doc.name).write_bytes(weasyprint.HTML(string=doc.html, base_url=base).write_pdf(**PDF_OPTIONS))


# -- where the time goes ---------------------------------------------------------------------------------------

STAGES = {
    "load (YAML, positions)": ("builder/load.py", "load_yaml"),
    "validate (schema)": ("builder/validate.py", "schema_problems"),
    "validate (rules)": ("builder/validate.py", "check_standard"),
    "render (pages)": ("builder/web.py", "render"),
    "open data": ("builder/opendata.py", "data_files"),
    "MkDocs (whole build)": ("mkdocs/commands/build.py", "build"),
    "  Markdown to HTML": ("markdown/core.py", "convert"),
    "  search index": ("material/plugins/search/plugin.py", "on_page_context"),
    "  pages into the theme, search": ("mkdocs/commands/build.py", "_build_page"),
    "print HTML (PDFs)": ("builder/printdocs.py", "print_documents"),
}
"""Each stage: the function whose cumulative time it is (MkDocs' own time includes our render, called from it)."""


def profile_stages(project: Path, work: Path) -> str:
    """Profile one site build and the print HTML in this process with cProfile; seconds (inflated by it) per stage."""
    import cProfile
    import pstats

    from builder import project as project_module
    from builder.pipeline import gather
    from builder.printdocs import print_documents
    from builder.publish import build

    project_module._cache.clear()
    project_module._file_cache.clear()
    project_module._vocab_cache.clear()
    profiler = cProfile.Profile()
    profiler.enable()
    build(project, work / "profiled-site", pdf=False)
    print_documents(gather(project))
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    seconds = {
        stage: sum(row[3] for (path, _, name), row in stats.items() if path.endswith(file) and name == function)
        for stage, (file, function) in STAGES.items()
    }
    ours = sum(seconds[stage] for stage in list(STAGES)[:4])
    lines = [f"{stage:32} {value:8.2f} s" for stage, value in seconds.items()]
    mkdocs_own = seconds["MkDocs (whole build)"] - seconds["render (pages, data)"]
    lines += [f"{'ours: load, validate, render':32} {ours:8.2f} s", f"{'MkDocs without our render':32} {mkdocs_own:8.2f} s"]
    return "\n".join(["cProfile, national set, one process (the profiler inflates Python-heavy stages):", *lines])


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
    lines = ["Ratios are wall-clock, best of repeated runs; *_cpu: the same in processor time (a busy machine shows as a gap).",
             f"{'figure':32} {'value':>10}  target"]  # fmt: skip
    for key, value in figures.items():
        op, limit = TARGETS.get(key, ("", None))
        verdict = "" if limit is None else f"{op} {limit:g}  {'MISSED' if key in misses else 'ok'}"
        lines.append(f"{key:32} {value:>10.{3 if value < 10 else 1}f}  {verdict}")
    lines += [f"{key:32} {'-':>10}  not measured" for key in misses if key not in figures]
    lines.append("bench: " + " ".join(f"{key}={value:.{3 if value < 10 else 1}f}" for key, value in figures.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--no-pdf", action="store_true", help="skip the PDF figures (their targets then count as missed)")
    parser.add_argument("--profile", action="store_true", help="only profile the stages of a 1x build, then stop")
    args = parser.parse_args(argv)
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="oap-bench-") as tmp:
            print(profile_stages(make_corpus(Path(tmp) / "corpus-1x", 1), Path(tmp)))
        return 0
    began = time.perf_counter()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="oap-bench-") as tmp:
        work = Path(tmp)
        projects = {f: make_corpus(work / f"corpus-{f}x", f) for f in FACTORS}
        standards = len(load_corpus(projects[1]).standards)
        steps: list[tuple[str, Callable[[], dict[str, float]]]] = [
            ("site builds at " + ", ".join(f"{f}x" for f in FACTORS), partial(measure_builds, projects, work)),
            ("mkdocs serve rebuild at 1x", partial(measure_rebuild, projects[1], work)),
            ("mkdocs serve: save to new page served, at 1x", partial(measure_preview_edit, projects[1])),
            ("families page in Chromium", partial(measure_family_page, work / "site-1x", standards)),
        ]
        if not args.no_pdf:
            steps.append(("PDF stage at 1x", partial(measure_pdf, projects[1], work)))
            steps.append(("full build with PDFs at 1x", partial(measure_full_build, projects[1], work)))
            steps.append(("incremental builds at 1x", partial(measure_incremental, projects[1], work)))
            steps.append(("builds with PDFs at 1x and 10x", partial(measure_pdf_scale, projects, work)))
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
