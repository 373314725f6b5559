"""Interrupted builds, the network and reproducibility: a published site is never lost, never reaches out, never drifts.

- A build killed (SIGKILL, whole process group) while it writes the site or renders the PDFs leaves the previous
  site byte for byte; the next build succeeds and removes the dead build's temporary folder.
- A whole `oap build` with PDFs, national and council, of text full of addresses on a loopback listener connects
  to it not once, and neither does Chromium showing the result.
- Two builds of the same input with the same SOURCE_DATE_EPOCH are byte-identical, PDFs included.
- Files that are not files (a FIFO), unreadable folders and files, and a huge logo are refused with a message,
  never read or skipped; `--council` wins over OAP_COUNCIL, the environment is named when used, a conflict is an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import os
import re
import resource
import shutil
import signal
import socketserver
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from builder import publish
from builder.load import load_yaml
from builder.publish import clean_stale

from .conftest import FIXTURE_STANDARD, OAP, ROOT, make_project, run_oap
from .test_hostile import PAGES, serve


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under folder with the sha256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_project(dest: Path) -> Path:
    """A copy of the whole project as a council or a CI job would have it: every standard, the site config and theme."""
    for name in ("standards", "docs", "overrides"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    return dest


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.oap-"))


# -- interrupted builds -----------------------------------------------------------------------------------------------
def _wait_for(condition: Any, proc: subprocess.Popen[bytes], what: str, timeout: float = 300) -> None:
    """Poll until condition() holds; fail if the build ends first (it was meant to be killed halfway)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"the build ended (exit {proc.returncode}) before {what}: {proc.stderr.read() if proc.stderr else ''!r}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.002)


@pytest.fixture(scope="module")
def killable(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the whole project and a good build of it, made once for the kill tests."""
    tmp = tmp_path_factory.mktemp("kill")
    root = copy_project(tmp / "project")
    out = tmp / "public" / "site"
    result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return root, out


@pytest.mark.parametrize("moment", ["writing the site", "rendering the PDFs"])
def test_killed_build_leaves_the_previous_site(killable: tuple[Path, Path], moment: str, tmp_path: Path) -> None:
    root, out = killable
    before = tree_digest(out)
    first = root / "standards" / "cognition-and-learning" / "primary.yaml"
    original = first.read_text(encoding="utf-8")
    first.write_text(re.sub(r"(?m)^(    title: ).*$", r"\1Changed by the kill test", original, count=1), encoding="utf-8")
    scratch = tmp_path / "tmp"  # the build's own temp folder, so the test can see the PDF phase begin
    scratch.mkdir()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TMPDIR": str(scratch)}
    args = ["build", "--root", str(root), "--out", str(out)] + (["--no-pdf"] if moment == "writing the site" else [])
    proc = subprocess.Popen([*OAP, *args], env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    staging = out.parent / f".{out.name}.oap-tmp-{proc.pid}"
    try:
        if moment == "writing the site":
            _wait_for(lambda: staging.is_dir() and any(staging.rglob("*.html")), proc, "the site was half written")
        else:
            _wait_for(lambda: any(scratch.glob("oap-print-*")), proc, "the PDFs started rendering")
            _wait_for(lambda: len(_group_members(proc.pid)) >= 2, proc, "the PDF worker processes started")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        assert proc.returncode == -signal.SIGKILL
        assert tree_digest(out) == before, "the killed build changed the published site"
        if moment == "writing the site":
            assert leftovers(out) == [staging.name] and not (staging / ".oap-build").exists()  # killed halfway, not after
        _wait_for_group_to_end(proc.pid)
        # The next build, with the same temporary folder, removes what the killed one left there (oap-pdf-<pid>-...).
        result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(out), env={"TMPDIR": str(scratch)})
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # whatever happened above, leave no worker behind
        first.write_text(original, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    assert leftovers(out) == [], "the next build should remove the dead build's temporary folder"
    assert sorted(p.name for p in scratch.iterdir() if p.name.startswith(("oap-", "weasyprint-"))) == []
    page = out / "standards" / "cognition-and-learning" / "primary" / "index.html"
    assert "Changed by the kill test" in page.read_text(encoding="utf-8")


def _group_members(pgid: int) -> list[int]:
    """Processes in a process group, from /proc (field 5 of /proc/<pid>/stat, after the command in brackets)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                members.append(int(stat.parent.name))
    return members


def _wait_for_group_to_end(pgid: int, timeout: float = 10) -> None:
    """The PDF workers die with the build (same process group): wait until the kernel has removed them all."""
    deadline = time.monotonic() + timeout
    while _group_members(pgid):
        assert time.monotonic() < deadline, f"processes of the killed build outlived the kill: {_group_members(pgid)}"
        time.sleep(0.05)


@pytest.mark.parametrize("out", [None, "public/site"])
def test_relative_paths_build_where_they_say(out: str | None, tmp_path: Path) -> None:
    """`oap build --root project [--out public/site]` from the folder above: the site lands where the paths say."""
    make_project(tmp_path / "project", site=True)
    result = run_oap("build", "--no-pdf", "--root", "project", *(["--out", out] if out else []), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    site = tmp_path / (out or "project/site")
    assert (site / "index.html").is_file() and (site / ".oap-build").is_file()
    assert not [p for p in tmp_path.rglob(".*oap-tmp-*")], "a temporary folder was left behind"


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_stale_folders_of_dead_builds_are_removed_and_a_lost_site_put_back(tmp_path: Path) -> None:
    """Killed between its two renames, a build leaves no site but .site.oap-old-<pid>: the next build restores it."""
    out = tmp_path / "site"
    dead, alive = _dead_pid(), os.getpid()
    for name, content in ((f".site.oap-old-{dead}", "previous"), (f".site.oap-tmp-{dead}", "half"), (f".site.oap-tmp-{alive}", "running")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "index.html").write_text(content)
    (tmp_path / ".other.oap-tmp-1").mkdir()  # another output folder's: not ours to touch
    removed = clean_stale(out)
    assert [p.name for p in removed] == [f".site.oap-tmp-{dead}"]
    assert (out / "index.html").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".other.oap-tmp-1", f".site.oap-tmp-{alive}", "site"])


@pytest.mark.parametrize("atomic", [True, False], ids=["renameat2 exchange", "two renames"])
def test_swap_in_replaces_the_site_whole(atomic: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Linux the new site and the old are exchanged in one step; elsewhere two renames, then the old is removed."""
    if not atomic:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    out, new = tmp_path / "site", tmp_path / ".site.oap-tmp-1"
    for folder, content in ((out, "old"), (new, "new")):
        folder.mkdir()
        (folder / "index.html").write_text(content)
    publish.swap_in(new, out)
    assert (out / "index.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_atomic_exchange_is_available_here(tmp_path: Path) -> None:
    """The machines we build on support renameat2(RENAME_EXCHANGE), so no moment passes without a site."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    assert publish._exchange(a, b)
    assert (b / "x").read_text() == "a" and not (a / "x").exists()


# -- no network -------------------------------------------------------------------------------------------------------
class _Counter(socketserver.BaseRequestHandler):
    """Counts every TCP connection (HTTP, HTTPS or anything else) and answers 404 to HTTP."""

    connections: list[str]

    def handle(self) -> None:
        self.request.settimeout(2)
        try:
            first = self.request.recv(1024)
        except OSError:
            first = b""
        self.connections.append(first.split(b"\r\n", 1)[0].decode("latin-1"))
        self.request.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A TCP listener on 127.0.0.1; yields its host:port and the list of connections it received."""
    connections: list[str] = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), type("Counter", (_Counter,), {"connections": connections}))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", connections
    finally:
        server.shutdown()
        server.server_close()


def lure(host: str, name: str) -> str:
    """Text that would make a careless renderer fetch from host: links, Markdown images, raw HTML and CSS."""
    return (
        f"{name}: see http://{host}/{name} and https://{host}/{name}-tls, ![image](http://{host}/{name}.png) "
        f'<img src="http://{host}/{name}-raw.png"> <link rel="stylesheet" href="http://{host}/{name}.css"> '
        f"<style>@import url(http://{host}/{name}-import.css); body {{ background: url(http://{host}/{name}-bg.png) }}</style> "
        f"<iframe src=http://{host}/{name}-frame></iframe> <http://{host}/{name}-autolink> <file:///etc/passwd>"
    )


def short_lures(host: str, name: str) -> list[str]:
    """The same lures one per item, for fields whose items are short (a search word is at most 80 characters)."""
    return [
        f"http://{host}/{name}",
        f"![i](http://{host}/{name}.png)",
        f'<img src="http://{host}/{name}-raw.png">',
        f'<link rel="stylesheet" href="http://{host}/{name}.css">',
        f"<style>@import url(http://{host}/{name}-i.css)</style>",
        f"<style>b {{ background: url(http://{host}/{name}-bg.png) }}</style>",
        f"<iframe src=http://{host}/{name}-frame></iframe>",
        f"<http://{host}/{name}-autolink>",
    ]


def network_project(folder: Path, host: str) -> Path:
    """A fixture project whose every text, every vocabulary URL it uses and its council all point at host."""
    standard = {
        "id": "cl-pri-fixture-one",
        "title": lure(host, "title")[:120],
        "area": "cognition-and-learning",
        "phase": "primary",
        "tier": "targeted",
        "need_types": ["SPLD"],
        "summary": lure(host, "summary"),
        "for_families": lure(host, "for_families"),
        "signs": [lure(host, "signs")],
        "adjustments": [lure(host, "adjustments"), "Two", "Three", "Four"],
        "who_provides": ["class-teacher"],
        "who_pays": ["school-core-budget"],
        "funding_note": lure(host, "funding_note"),
        "legal_basis": ["cop-6-44"],
        "evidence": ["eef-send-1"],
        "search_words": short_lures(host, "sw"),
        "last_reviewed": "2026-11-01",
        "review_due": "2027-11-01",
    }
    text = yaml.safe_dump({"standards": [standard]}, sort_keys=False, width=10_000)
    root = make_project(folder, {"standards/cognition-and-learning/primary.yaml": text}, site=True)
    for file, kind, ident in (("evidence.yaml", "evidence", "eef-send-1"), ("legal-bases.yaml", "legal_bases", "cop-6-44")):
        path = root / "standards" / "vocabularies" / file
        doc, problems = load_yaml(path, file)
        assert doc is not None, problems
        for entry in doc.data[kind]:
            if entry["id"] == ident:
                entry["url"] = f"https://{host}/{kind}"
                entry["description"] += " " + lure(host, f"{kind}.description")
        path.write_text(yaml.safe_dump(doc.data, sort_keys=False, allow_unicode=True, width=10_000), encoding="utf-8")
    council = {
        "name": "Loopshire Council",
        "slug": "loopshire",
        "fictional": True,
        "website": f"http://{host}/council",
        "branding": {"primary_colour": "#1d4f91"},
        "contacts": [{"name": "Loopshire SEND team", "role": "send-team", "url": f"http://{host}/contact", "description": lure(host, "contact")[:300]}],
        "services": [
            {"id": "loop", "name": "Loop service", "description": lure(host, "service"), "need_types": ["SPLD"], "phases": ["primary"], "url": f"http://{host}/service"}
        ],
        "notes": {"cl-pri-fixture-one": lure(host, "note") + f"\n\n![note image](http://{host}/note-image.png)\n\n<img src=http://{host}/note-raw.png>"},
    }  # fmt: skip
    (root / "council").mkdir()
    (root / "council" / "council.yaml").write_text(yaml.safe_dump(council, sort_keys=False, width=10_000), encoding="utf-8")
    return root


@pytest.mark.slow  # two builds with PDFs
def test_a_whole_build_with_pdfs_fetches_nothing(listener: tuple[str, list[str]], browser: Any, tmp_path: Path) -> None:
    host, connections = listener
    root = network_project(tmp_path / "project", host)
    for edition in ("national", "council"):
        extra = ["--council", str(root / "council")] if edition == "council" else []
        result = run_oap("build", "--root", str(root), "--out", str(tmp_path / edition), *extra)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / edition / "downloads" / "handbook.pdf").is_file()
        assert host in (tmp_path / edition / "standards" / "cognition-and-learning" / "primary" / "index.html").read_text(encoding="utf-8")
    assert connections == [], "oap build connected to the loopback listener"
    for edition in ("national", "council"):  # and a browser showing the pages requests nothing from it either
        with serve(tmp_path / edition, tmp_path / f"served-{edition}") as (url, _):
            page = browser.new_page()
            try:
                for path in PAGES:
                    page.goto(url + path, wait_until="load")
            finally:
                page.close()
    assert connections == [], "a page made the browser connect to the loopback listener"


# -- reproducible -----------------------------------------------------------------------------------------------------
EPOCH = 1767225600
"""2026-01-01T00:00:00Z."""


def reproducible_project(folder: Path) -> Path:
    """Real standards (one whole file) plus a council with notes, a service, a band and a local standard."""
    root = make_project(folder, {}, site=True)
    source = "standards/cognition-and-learning/primary.yaml"
    (root / source).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / source, root / source)
    doc, problems = load_yaml(root / source, source)
    assert doc is not None, problems
    first = doc.data["standards"][0]["id"]
    council = (ROOT / "tests" / "bad_inputs" / "council-unknown-key" / "council.yaml").read_text(encoding="utf-8").split("twitter:")[0]
    council += f"notes:\n  {first}: In Testshire, ask the **SENCO** first.\n"
    council += "funding_bands:\n  - name: Band A\n    amount: £1,000 a year\n    description: Short-term help.\n    funding_stream: high-needs-top-up\n"
    (root / "council").mkdir()
    (root / "council" / "council.yaml").write_text(council, encoding="utf-8")
    return root


@pytest.mark.slow  # four builds with PDFs
def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    """National and council editions with PDFs, twice each in fresh processes (so hash seeds differ), same epoch."""
    root = reproducible_project(tmp_path / "project")
    env = {"SOURCE_DATE_EPOCH": str(EPOCH)}
    digests: dict[str, list[dict[str, str]]] = {"national": [], "council": []}
    for run in ("a", "b"):
        for edition, digest in digests.items():
            out = tmp_path / run / edition / "site"
            extra = ["--council", str(root / "council")] if edition == "council" else []
            result = run_oap("build", "--root", str(root), "--out", str(out), *extra, env=env)
            assert result.returncode == 0, result.stderr
            digest.append(tree_digest(out))
    for edition, (first, second) in digests.items():
        assert any(name.endswith(".pdf") for name in first), edition
        assert first == second, (edition, sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k)))
    site = tmp_path / "a" / "national" / "site"
    assert set(re.findall(r"<lastmod>([^<]*)</lastmod>", (site / "sitemap.xml").read_text())) == {"2026-01-01"}
    header = (site / "sitemap.xml.gz").read_bytes()[:10]
    assert struct.unpack("<I", header[4:8])[0] == EPOCH  # gzip's own timestamp
    assert gzip.decompress((site / "sitemap.xml.gz").read_bytes()) == (site / "sitemap.xml").read_bytes()


@pytest.mark.slow  # builds the whole national site twice
def test_the_whole_national_site_is_reproducible(tmp_path: Path) -> None:
    """Every real standard, no PDFs (test_two_builds_are_byte_identical covers them on a smaller corpus)."""
    digests = []
    for run in ("a", "b"):
        result = run_oap("build", "--no-pdf", "--out", str(tmp_path / run / "site"), env={"SOURCE_DATE_EPOCH": str(EPOCH)})
        assert result.returncode == 0, result.stderr
        digests.append(tree_digest(tmp_path / run / "site"))
    assert digests[0] == digests[1]


@pytest.mark.parametrize(("epoch", "overdue"), [(EPOCH, False), (EPOCH + 200 * 86400, True)])
def test_review_overdue_is_judged_as_of_the_source_date(epoch: int, overdue: bool, project: Any, tmp_path: Path) -> None:
    """The build's 'today' is SOURCE_DATE_EPOCH's date when set, so a later rebuild of the same input is identical."""
    due = dt.date(2026, 6, 1)  # after 1 January 2026, before the 200th day of 2026 and before the day these tests were written
    text = FIXTURE_STANDARD.replace("last_reviewed: 2026-11-01", "last_reviewed: 2025-06-01").replace(
        "review_due: 2027-11-01", f"review_due: {due}"
    )
    root = project({"standards/cognition-and-learning/primary.yaml": text}, site=True)
    result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(tmp_path / "site"), env={"SOURCE_DATE_EPOCH": str(epoch)})
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "site" / "standards" / "cognition-and-learning" / "primary" / "index.html").read_text(encoding="utf-8")
    assert ("Review overdue" in page) is overdue


def test_a_malformed_source_date_epoch_is_a_message(project: Any, tmp_path: Path) -> None:
    result = run_oap(
        "build", "--no-pdf", "--root", str(project(site=True)), "--out", str(tmp_path / "site"), env={"SOURCE_DATE_EPOCH": "yesterday"}
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "oap build: SOURCE_DATE_EPOCH must be a whole number of seconds since 1 January 1970, not 'yesterday'",
        "oap build: nothing was changed in the output folder.",
    ]
    assert not (tmp_path / "site").exists()


# -- one rule for files: only regular files, size before reading, unreadable folders never skipped -------------------
STANDARD = "standards/cognition-and-learning/primary.yaml"


def test_a_fifo_standards_file_is_refused_not_read(project: Any) -> None:
    """A named pipe would block `oap check` forever on open or read: it is refused by what it is, within seconds."""
    root = project()
    os.mkfifo(root / "standards" / "cognition-and-learning" / "secondary.yaml")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([*OAP, "check", "--root", "."], cwd=root, capture_output=True, text=True, env=env, timeout=60)
    assert result.stderr.splitlines() == [
        "standards/cognition-and-learning/secondary.yaml: is a named pipe (FIFO), not a regular file "
        "(only ordinary files are read: replace it with the file itself)",
        "1 problem found; nothing was written.",
    ]
    assert result.returncode == 1


def test_an_unreadable_area_folder_is_an_error_not_skipped(project: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder listing fails as it would for a user without permission (root reads anything, so it is simulated)."""
    from builder.errors import OapError
    from builder.project import load_corpus

    root = project()
    area = (root / "standards" / "cognition-and-learning").resolve()
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path).resolve() == area:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(OapError) as caught:
        load_corpus(root)
    assert caught.value.report().splitlines() == [
        "standards/cognition-and-learning: cannot read the folder (Permission denied; give it read permission: its standards would be left out)",
        "1 problem found; nothing was written.",
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 folder; the test above simulates it")
def test_a_chmod_000_area_folder_fails_check(project: Any) -> None:
    root = project()
    folder = root / "standards" / "cognition-and-learning"
    folder.chmod(0)
    try:
        result = run_oap("check", "--root", ".", cwd=root)
    finally:
        folder.chmod(0o755)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith("standards/cognition-and-learning: cannot read the folder (Permission denied")


def test_an_unreadable_standards_file_is_an_error(project: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening the file fails as it would without permission (simulated, since root may read anything)."""
    from builder.errors import OapError
    from builder.project import load_corpus

    root = project()
    target = (root / STANDARD).resolve()
    real_open = os.open

    def opener(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(path).resolve() == target:
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", opener)
    with pytest.raises(OapError) as caught:
        load_corpus(root)
    assert caught.value.report().splitlines() == [
        f"{STANDARD}: cannot read the file (Permission denied; give it read permission, or remove it)",
        "1 problem found; nothing was written.",
    ]


def test_a_huge_logo_is_refused_by_its_size_without_reading_it(project: Any) -> None:
    """A 3 GB logo (sparse, so it costs no disk) is refused by size while `oap check` runs in 1 GB of memory."""
    root = project()
    assert run_oap("new-council", "council", "--name", "Alpha Borough Council", cwd=root).returncode == 0
    council = root / "council" / "council.yaml"
    council.write_text(council.read_text(encoding="utf-8").replace("  # logo: logo.png", "  logo: logo.png"), encoding="utf-8")
    with (root / "council" / "logo.png").open("wb") as fh:
        fh.truncate(3 * 1024**3)

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1024**3, 1024**3))

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [*OAP, "check", "--root", ".", "--council", "council"], cwd=root, capture_output=True, text=True, env=env, preexec_fn=limit_memory
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "branding.logo: 'logo.png' is 3,221,225,472 bytes; a logo may be at most" in result.stderr


# -- one rule for settings: --council over OAP_COUNCIL, the environment named when used, a conflict an error ---------
@pytest.fixture
def two_councils(project: Any) -> Path:
    """A fixture project with a mkdocs.yml and two scaffolded councils, alpha/ and beta/."""
    root = project(site=True)
    for folder, name in (("alpha", "Alpha Borough Council"), ("beta", "Beta Borough Council")):
        assert run_oap("new-council", folder, "--name", name, cwd=root).returncode == 0
    return root


def _council_named(site: Path) -> str:
    page = (site / "index.html").read_text(encoding="utf-8")
    return "alpha" if "Alpha Borough Council" in page else "beta" if "Beta Borough Council" in page else "national"


def test_oap_council_in_the_environment_is_used_and_named(two_councils: Path) -> None:
    root = two_councils
    result = run_oap("build", "--no-pdf", "--root", ".", cwd=root, env={"OAP_COUNCIL": "beta"})
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(
        r"oap build: built 1 standards into site \(no PDFs\) in \d+\.\d s \(council from OAP_COUNCIL=beta\)\.",
        result.stdout.splitlines()[-1],
    )
    assert _council_named(root / "site") == "beta"
    checked = run_oap("check", "--root", ".", cwd=root, env={"OAP_COUNCIL": "beta"})
    assert checked.returncode == 0 and re.search(r"legal bases checked in \d+\.\d s \(council from OAP_COUNCIL=beta\)\.\n$", checked.stdout)


def test_council_flag_and_a_different_oap_council_is_an_error(two_councils: Path) -> None:
    root = two_councils
    assert run_oap("build", "--no-pdf", "--root", ".", "--council", "alpha", cwd=root).returncode == 0
    before = tree_digest(root / "site")
    result = run_oap("build", "--no-pdf", "--root", ".", "--council", "alpha", cwd=root, env={"OAP_COUNCIL": "beta"})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "oap build: --council alpha and OAP_COUNCIL=beta name different council folders "
        "(give one of them, or the same folder in both); nothing was changed."
    ]
    assert tree_digest(root / "site") == before
    same = run_oap("build", "--no-pdf", "--root", ".", "--council", "alpha", cwd=root, env={"OAP_COUNCIL": str(root / "alpha")})
    assert same.returncode == 0, same.stderr
    assert "OAP_COUNCIL" not in same.stdout  # the flag chose; the environment agreed


def test_the_edition_checked_is_the_edition_published(two_councils: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """publish.build settles the council for the plugin: OAP_COUNCIL cannot swap in another edition after the check."""
    root = two_councils
    monkeypatch.setenv("OAP_COUNCIL", str(root / "beta"))
    publish.build(root, root / "site-alpha", council=root / "alpha", pdf=False)
    assert _council_named(root / "site-alpha") == "alpha"
    publish.build(root, root / "site-national", council=None, pdf=False)
    assert _council_named(root / "site-national") == "national"
