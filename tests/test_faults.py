"""Faults of the machine, not the input (issue 18 items 4 and 7), through the real `oap` command.

- Every OS error on input, output or temporary space (read-only, full, missing) is one line with the path and what
  to do, exit 1, no traceback, and the previous site byte for byte as it was.
- A PDF worker that dies is named with its document, and its temporary files are removed.
- `oap new-council` into a file, into a folder whose name is not UTF-8, or onto a full disk leaves nothing behind.
- Builds leave nothing in the temporary folder; what a killed build left there is removed by the next.
- The site does not depend on the current folder or on where the project is, and holds no local path.

Full and read-only disks are real: a small tmpfs mounted for the test (CI runs as root, as here). Without the right
to mount, those tests are skipped and say why.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest

from .conftest import OAP, ROOT, make_project, run_oap

EPOCH = "1767225600"
UNCHANGED = " Nothing was changed in the output folder."


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under folder with the sha256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def ours(temp: Path) -> list[str]:
    """What builds made in a temporary folder and should have removed."""
    return sorted(p.name for p in temp.iterdir() if p.name.startswith(("oap-", "weasyprint-")))


def assert_one_line(result: subprocess.CompletedProcess[str], line: str) -> None:
    """Exit 1, no traceback, and exactly this one line on stderr."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert result.stderr.splitlines() == [line]


@contextlib.contextmanager
def small_disk(folder: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A real tmpfs of the given size mounted at folder (read-only if asked), unmounted afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def read_only(folder: Path) -> None:
    """Turn a mounted tmpfs read-only, keeping what is on it."""
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


def fill(disk: Path, leave: int) -> None:
    """Fill a tmpfs until only about leave bytes are free."""
    free = shutil.disk_usage(disk).free - leave
    with (disk / "filler").open("wb") as fh:
        fh.write(b"\0" * max(free, 0))


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A fixture project with a good site (no PDFs), built once; tests copy the site where they need it."""
    root = make_project(tmp_path_factory.mktemp("faults") / "project", site=True)
    result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(root / "site"))
    assert result.returncode == 0, result.stderr
    return root, root / "site"


# -- the output folder ------------------------------------------------------------------------------------------------
def test_a_read_only_output_folder_is_one_line(good: tuple[Path, Path], tmp_path: Path) -> None:
    root, site = good
    with small_disk(tmp_path / "public", "20m") as disk:
        shutil.copytree(site, disk / "site")
        before = tree_digest(disk / "site")
        read_only(disk)
        result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(disk / "site"))
        assert_one_line(
            result,
            f"oap build: {disk}: cannot write the output: the disk is read-only; make the folder writable, or choose another --out.{UNCHANGED}",
        )
        assert tree_digest(disk / "site") == before


def test_a_read_only_folder_above_the_output_is_one_line(good: tuple[Path, Path], tmp_path: Path) -> None:
    root, _ = good
    with small_disk(tmp_path / "public", "1m", read_only=True) as disk:
        result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(disk / "www" / "site"))
        assert_one_line(
            result,
            f"oap build: {disk / 'www'}: cannot write the output: the disk is read-only; make the folder writable, or choose another --out.{UNCHANGED}",
        )


@pytest.mark.parametrize("room", [1000, 4000], ids=["copying-the-theme", "writing-pages"])
def test_a_full_output_disk_is_one_line_and_leaves_the_site(room: int, good: tuple[Path, Path], tmp_path: Path) -> None:
    """Room for the old site and a little more: the new one fills the disk partway, and is removed. With 1 MB more
    the disk fills while the theme's files are copied (the error names them); with 4 MB, while MkDocs writes a page
    (the error names no file)."""
    root, site = good
    size = sum(p.stat().st_blocks * 512 for p in site.rglob("*"))
    with small_disk(tmp_path / "public", f"{size // 1024 + room}k") as disk:
        shutil.copytree(site, disk / "site")
        before = tree_digest(disk / "site")
        result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(disk / "site"))
        assert_one_line(
            result,
            f"oap build: {disk / 'site'}: cannot write the output: no space left on the disk; free some space, or choose another --out.{UNCHANGED}",
        )
        assert tree_digest(disk / "site") == before
        assert sorted(p.name for p in disk.iterdir()) == ["site"], "the half-written build was left behind"


# -- the temporary folder ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("state", ["missing", "read-only", "full", "nearly full"])
def test_a_preview_build_does_not_need_the_temporary_folder(state: str, good: tuple[Path, Path], tmp_path: Path) -> None:
    """--no-pdf writes nothing there but Jinja's compiled templates, a cache: one that cannot be written is skipped."""
    root, _ = good
    temp = tmp_path / "tmp"
    with contextlib.ExitStack() as stack:
        if state != "missing":
            stack.enter_context(small_disk(temp, "1m", read_only=state == "read-only"))
            if state != "read-only":
                fill(temp, 0 if state == "full" else 8 * 1024)
        result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(tmp_path / "site"), env={"TMPDIR": str(temp)})
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.parametrize("room", ["8k", "3m"], ids=["fonts-cannot-be-copied", "a-worker-runs-out"])
def test_a_full_temporary_folder_stops_a_pdf_build_with_one_line(room: str, good: tuple[Path, Path], tmp_path: Path) -> None:
    """With 8 KB free our font copies fail in this process; with 3 MB a worker's WeasyPrint font folder fails."""
    root, site = good
    out = tmp_path / "out" / "site"
    shutil.copytree(site, out)
    before = tree_digest(out)
    with small_disk(tmp_path / "tmp", "1m" if room == "8k" else room) as temp:
        if room == "8k":
            fill(temp, 8 * 1024)
        result = run_oap("build", "--root", str(root), "--out", str(out), env={"TMPDIR": str(temp)})
        assert_one_line(
            result,
            f"oap build: {temp}: cannot use the temporary folder: no space left on the disk; "
            f"free some space there, or set TMPDIR to a folder with room.{UNCHANGED}",
        )
        assert ours(temp) == []
    assert tree_digest(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]


# -- the input --------------------------------------------------------------------------------------------------------
def test_a_missing_mkdocs_yml_is_one_line(tmp_path: Path) -> None:
    root = make_project(tmp_path / "project")  # standards, but no mkdocs.yml: --root is not a whole project
    result = run_oap("build", "--no-pdf", "--root", str(root))
    assert_one_line(
        result,
        f"oap build: {root / 'mkdocs.yml'}: cannot read: does not exist; "
        f"check the path (--root names the project folder, the one holding mkdocs.yml and standards/).{UNCHANGED}",
    )
    assert sorted(p.name for p in root.iterdir()) == ["standards"]


# -- a crashed PDF worker ---------------------------------------------------------------------------------------------
def test_a_killed_pdf_worker_is_named_with_its_document(good: tuple[Path, Path], tmp_path: Path) -> None:
    """SIGKILL one of the renderer's worker processes mid-document: the build names the document and cleans up."""
    root, site = good
    out = tmp_path / "out" / "site"
    shutil.copytree(site, out)
    before = tree_digest(out)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "TMPDIR": str(temp)}
    proc = subprocess.Popen(
        [*OAP, "build", "--root", str(root), "--out", str(out)], env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 300
        document = ""
        while not document:  # a worker notes the document it is making in its scratch folder (builder.pdf._marker)
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "no PDF worker started"
            notes = list(temp.glob("oap-print-*/scratch/rendering-*"))
            if not notes:
                time.sleep(0.002)
                continue
            worker = int(notes[0].name.removeprefix("rendering-"))
            # Stopped, the worker cannot finish this document and start another while its note is read (on a busy
            # machine it did, and the build rightly named the other document); between two documents, or with the
            # note half written, it is let go and the loop looks again.
            os.kill(worker, signal.SIGSTOP)
            with contextlib.suppress(FileNotFoundError):
                document = notes[0].read_text(encoding="utf-8")
            if not document:
                os.kill(worker, signal.SIGCONT)
        os.kill(worker, signal.SIGKILL)
        _, stderr = proc.communicate(timeout=120)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert "Traceback" not in stderr and proc.returncode == 1, stderr
    assert stderr.splitlines() == [
        f"oap build: a PDF worker process stopped unexpectedly while making {document} (it may have run out of memory, "
        f"or been killed); its temporary files were removed. Try again, or build with --no-pdf.{UNCHANGED}"
    ]
    assert ours(temp) == []
    assert tree_digest(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]


# -- what killed builds leave -----------------------------------------------------------------------------------------
def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_the_next_build_removes_what_a_killed_build_left_in_the_temporary_folder(good: tuple[Path, Path], tmp_path: Path) -> None:
    root, _ = good
    temp = tmp_path / "tmp"
    dead, alive = _dead_pid(), os.getpid()
    for name in (f"oap-pdf-{dead}-abc", f"oap-print-{dead}-def", f"oap-pdf-{alive}-ghi", "oap-pdf-unrelated"):
        (temp / name / "scratch").mkdir(parents=True)
    result = run_oap("build", "--no-pdf", "--root", str(root), "--out", str(tmp_path / "site"), env={"TMPDIR": str(temp)})
    assert result.returncode == 0, result.stderr
    assert ours(temp) == [f"oap-pdf-{alive}-ghi", "oap-pdf-unrelated"]  # a running build's, and one not named by us


# -- oap new-council --------------------------------------------------------------------------------------------------
def test_new_council_into_an_existing_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    result = run_oap("new-council", "notes.txt", "--name", "Testshire Council", cwd=tmp_path)
    assert "Traceback" not in result.stderr and result.returncode == 1
    assert result.stderr.splitlines() == [
        "notes.txt: is a file, not a folder; give a new folder for the council's files",
        "1 problem found; nothing was written.",
    ]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine\n"
    result = run_oap("new-council", "notes.txt/council", "--name", "Testshire Council", cwd=tmp_path)
    assert_one_line(
        result,
        f"oap new-council: {tmp_path / 'notes.txt' / 'council'}: cannot write the output: part of the path is a file, "
        "not a folder; choose another folder. Nothing was written.",
    )


def test_new_council_into_a_folder_named_in_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [*OAP, "new-council", b"councils/caf\xff", "--name", "Testshire Council"], cwd=tmp_path, capture_output=True, env=env
    )
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and result.returncode == 1, stderr
    assert stderr.splitlines() == [
        "councils/caf\\xff: the folder's name is not UTF-8 text; choose a name of letters, digits and hyphens",
        "1 problem found; nothing was written.",
    ]
    assert list(tmp_path.iterdir()) == [], "a folder or an empty council.yaml was left behind"


def test_new_council_on_a_full_disk_leaves_nothing(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", "16k") as disk:
        fill(disk, 0)
        result = run_oap("new-council", str(disk / "councils" / "testshire"), "--name", "Testshire Council")
        assert_one_line(
            result,
            f"oap new-council: {disk / 'councils' / 'testshire'}: cannot write the output: no space left on the disk; "
            "free some space, or choose another folder. Nothing was written.",
        )
        assert sorted(p.name for p in disk.iterdir()) == ["filler"], "a folder or a cut-short council.yaml was left behind"


# -- item 7: the same site wherever it is built from, and no local path in it -----------------------------------------
def pdf_strings(path: Path) -> str:
    """A PDF's text (pdftotext), its document information, its XMP and every stream, decompressed where possible."""
    text = subprocess.run(["pdftotext", "-q", str(path), "-"], capture_output=True, text=True, check=True).stdout
    parts = [text]
    with pikepdf.open(path) as pdf:
        parts += [f"{k}={v}" for k, v in pdf.docinfo.items()]
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                with contextlib.suppress(pikepdf.PdfError):
                    parts.append(obj.read_bytes().decode("latin-1"))
            elif obj is not None:
                parts.append(repr(obj))
    return "\n".join(parts)


def local_paths(site: Path, needles: list[str]) -> list[str]:
    """Every file of the site (PDFs read through pdf_strings) that holds one of the needles, with the needle."""
    found = []
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        text = pdf_strings(path) if path.suffix == ".pdf" else path.read_bytes().decode("utf-8", "replace")
        found += [f"{path.relative_to(site)}: {needle}" for needle in needles if needle in text]
    return found


@pytest.mark.slow  # three builds with PDFs
def test_the_site_is_the_same_from_any_folder_and_holds_no_local_path(tmp_path: Path) -> None:
    """The project built from its own folder, from / with --root, and as a copy elsewhere, with a council: the same
    bytes. Nothing may differ: paths are never written into the output. Then no file names a local folder."""
    from .test_trust import reproducible_project

    first = reproducible_project(tmp_path / "a" / "project")
    second = shutil.copytree(first, tmp_path / "elsewhere" / "copy")
    env = {"SOURCE_DATE_EPOCH": EPOCH}
    builds = {
        "in its folder": (first, ["build", "--council", "council", "--out", "site"], first / "site"),
        "from / with --root": (
            Path("/"),
            ["build", "--root", str(first), "--council", str(first / "council"), "--out", str(tmp_path / "b")],
            tmp_path / "b",
        ),
        "a copy, from its folder": (second, ["build", "--council", "council"], second / "site"),
    }
    digests = {}
    for name, (cwd, args, out) in builds.items():
        result = run_oap(*args, cwd=cwd, env=env)
        assert result.returncode == 0, (name, result.stderr)
        digests[name] = tree_digest(out)
    reference = digests["in its folder"]
    assert any(name.endswith(".pdf") for name in reference)
    for name, digest in digests.items():
        assert digest == reference, (name, sorted(k for k in digest.keys() | reference.keys() if digest.get(k) != reference.get(k)))
    needles = sorted({str(first), str(second), str(tmp_path), str(Path.home()) + "/", str(ROOT), "/tmp/", "/work/", "file:///"})
    assert local_paths(first / "site", needles) == []


def test_the_local_path_scan_finds_a_path(tmp_path: Path) -> None:
    """The scan above is not blind: a path in a page, in a PDF's text and in a PDF's metadata are each found."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "page.html").write_text(f"<p>{tmp_path}/x</p>", encoding="utf-8")
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.docinfo["/Title"] = f"{tmp_path}/title"
    pdf.save(site / "meta.pdf")
    assert local_paths(site, [str(tmp_path)]) == [f"meta.pdf: {tmp_path}", f"page.html: {tmp_path}"]
    assert re.search("/tmp/", pdf_strings(site / "meta.pdf"))


KILLED_WHILE_OTHERS_WAIT = """
import os, signal, sys, threading, time
from pathlib import Path
from builder import pdf
from builder.printdocs import PrintDocument

def slow(doc, root, cache=None):  # a document that takes a while; the workers fork with it in place
    time.sleep(2)
    raise RuntimeError("not reached")

pdf.render_document = slow
docs = [PrintDocument(name=f"d{i}.pdf", title="t", html="x" * 8_000_000, identifier=b"") for i in range(6)]

def kill_a_worker():
    while True:
        kids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == os.getpid()]
        if kids:
            time.sleep(0.5)  # both workers busy; the next documents wait in the pool's queue
            os.kill(min(kids), signal.SIGKILL)
            return
        time.sleep(0.001)

def _parent(p):
    try:
        return int((p / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None

threading.Thread(target=kill_a_worker, daemon=True).start()
try:
    pdf.render_all(docs, Path("."), workers=2, scratch=Path(sys.argv[1]))
except pdf.BrokenProcessPool:
    print("reported")
"""


def test_a_worker_killed_while_documents_wait_is_reported_not_a_hang(tmp_path: Path) -> None:
    """A PDF worker killed (say by the out-of-memory killer) while large documents wait in the pool's queue: the build
    must stop with its message. On Python 3.11.2, Debian 12's own, the pool's feeder thread stayed blocked writing
    a queued document's HTML into a pipe no worker read, and the build hung for ever (cpython#94777); the queue now
    carries only each document's path (builder.pdf.render_all)."""
    (tmp_path / "scratch").mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_WHILE_OTHERS_WAIT, str(tmp_path / "scratch")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the pool hung after a worker was killed")
    assert out.strip() == "reported", err
