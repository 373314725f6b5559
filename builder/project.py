"""Gather a whole project: find the files, load them, check everything, then build the model."""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import model
from .errors import OapError, Problem
from .load import MAX_BYTES, YAML_SUFFIXES, Document, case_slip, load_yaml, walk
from .validate import check_standard, check_vocabularies, schema_problems

if TYPE_CHECKING:
    from .loadcache import LoadCache

VOCABULARIES: dict[str, type] = {
    "areas": model.Area,
    "phases": model.Phase,
    "tiers": model.Tier,
    "need_types": model.NeedType,
    "settings": model.Setting,
    "providers": model.Provider,
    "funding_streams": model.FundingStream,
    "legal_bases": model.LegalBasis,
    "evidence": model.Evidence,
    "glossary": model.Term,
    "facts": model.Fact,
    "law_today": model.LawToday,
    "wording": model.Wording,
    "rates": model.Rate,
    "sen_information_report": model.ScheduleItem,
    "inclusion_strategy": model.StrategySection,
}
"""Each vocabulary's top-level key and the dataclass its entries become."""
OPTIONAL = {"facts", "law_today", "wording", "rates", "sen_information_report", "inclusion_strategy"}
"""Vocabularies a project may leave out (a project with no facts cites none)."""
KEYS = {"law_today": "phase"}
"""The field that identifies an entry, where it is not `id`: the law today has one entry per phase."""
RESERVED = {"schema", "vocabularies"}
"""Folders under standards/ that hold no standards."""

_cache: dict[Path, tuple[tuple[Any, ...], model.Corpus]] = {}
_file_cache: dict[Path, tuple[tuple[Any, ...], list[model.Standard], list[Problem]]] = {}
"""Each standards file's standards and problems while it and the vocabularies are unchanged: `mkdocs serve`
rebuilds after every save, and checking the files nobody touched was most of the time it spent in our code."""
_vocab_cache: dict[Path, tuple[tuple[Any, ...], model.Vocabularies | None, list[Problem]]] = {}
"""The vocabularies and their problems while every file in vocabularies/ has the same name, type, modification
time, size and content (after the standards files, loading them was the rest of that time)."""


def standards_dir(root: Path) -> Path:
    return root / "standards"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _signature(root: Path) -> tuple[Any, ...]:
    """What the cached corpus depends on: every entry under standards/, and every folder that could not be read."""
    unread: list[Problem] = []
    entries = []
    for path in walk(standards_dir(root), root, unread):
        try:
            info = path.stat()
            entries.append((str(path), info.st_mode, info.st_mtime_ns, info.st_size))
        except OSError as exc:
            entries.append((str(path), exc.errno or 0, 0, 0))
    return (tuple(entries), tuple(unread))


def load_corpus(root: Path, *, cache: Path | None = None) -> model.Corpus:
    """Load and check every vocabulary and standard under root/standards; raise OapError with all problems.

    cache, when given, is the folder of a LoadCache (builder.loadcache): the standards of files unchanged since the
    last build are taken from it."""
    root = root.resolve()
    sig = _signature(root)
    cached = _cache.get(root)
    if cached and cached[0] == sig:
        return cached[1]
    problems: list[Problem] = []
    vocab, vocab_problems = _load_vocabularies_cached(root)
    problems.extend(vocab_problems)
    standards: list[model.Standard] = []
    vocab_key = tuple(_digest(p) for p in sorted((standards_dir(root) / "vocabularies").glob("*.y*ml")))
    disk = None
    if cache is not None:
        from .loadcache import LoadCache

        disk = LoadCache(cache)
    for path, area, phase in _standards_files(root, problems, vocab):
        standards.extend(
            _load_standards_file_cached(path, _rel(path, root), vocab, vocab_key, problems, area, phase, within=root, disk=disk)
        )
    if disk is not None:
        disk.save()
    _check_unique([(s.id, s.source) for s in standards], problems)
    if problems or vocab is None:
        raise OapError(problems)
    corpus = model.Corpus.ordered(vocab, standards)
    _cache[root] = (sig, corpus)
    return corpus


def _digest(path: Path) -> bytes:
    """The file's content hash; for a file that cannot be read, its error (load_yaml then reports it as a problem)."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device: load_yaml refuses it without reading it; so does the cache
            return f"not a regular file: {stat.S_IFMT(info.st_mode)}".encode()
        if info.st_size > MAX_BYTES:  # load_yaml refuses it without reading it; so does the cache
            return f"too large: {info.st_size}".encode()
        return hashlib.sha1(path.read_bytes()).digest()
    except OSError as exc:
        return f"unreadable: {exc.strerror}".encode()


def _load_standards_file_cached(
    path: Path,
    rel: str,
    vocab: model.Vocabularies | None,
    vocab_key: tuple[bytes, ...],
    problems: list[Problem],
    area: str | None,
    phase: str | None,
    *,
    within: Path,
    disk: LoadCache | None = None,
) -> list[model.Standard]:
    """load_standards_file, reusing the last result while the file's bytes and the vocabularies are the same: this
    process's, or the last build's from disk."""
    # where the path really leads is in the key: a file swapped for a link (perhaps to outside the project, which
    # load_standards_file refuses) is loaded and checked again, never answered from the cache
    key = (vocab_key, vocab is not None, _digest(path), rel, area, phase, path.is_symlink(), os.path.realpath(path))
    if disk is not None:
        disk.seen.add(rel)  # listed this build: kept on disk even when this build loads nothing (a vocabulary broke)
    cached = _file_cache.get(path)
    if cached is None or cached[0] != key:
        disk_key = disk.key(tuple(k.hex() for k in vocab_key), *key[1:]) if disk is not None and vocab is not None else ""
        kept = disk.get(rel, disk_key) if disk is not None and disk_key else None
        if kept is not None:
            cached = _file_cache[path] = (key, kept, [])
        else:
            found: list[Problem] = []
            loaded: list[tuple[dict[str, Any], str]] = []
            standards = load_standards_file(path, rel, vocab, found, folder_area=area, file_phase=phase, within=within, loaded=loaded)
            cached = _file_cache[path] = (key, standards, found)
            if disk is not None and disk_key and not found:
                disk.put(rel, disk_key, loaded)
    problems.extend(cached[2])
    return list(cached[1])


def _load_vocabularies_cached(root: Path) -> tuple[model.Vocabularies | None, list[Problem]]:
    """The vocabularies, loaded and checked, and their problems; reused while the folder's files are the same."""
    folder = standards_dir(root) / "vocabularies"
    try:
        key: tuple[Any, ...] | None = (str(folder.resolve()), folder.lstat().st_mode) + tuple(
            (e.name, e.stat(follow_symlinks=False).st_mode, e.stat().st_mtime_ns, e.stat().st_size, _digest(Path(e.path)))
            for e in sorted(os.scandir(folder), key=lambda e: e.name)
        )
    except OSError:  # missing or unreadable: loading says what is wrong
        key = None
    cached = _vocab_cache.get(root)
    if key is not None and cached is not None and cached[0] == key:
        return cached[1], list(cached[2])
    problems: list[Problem] = []
    vocab, docs = _load_vocabularies(root, problems)
    if vocab is not None:
        problems.extend(check_vocabularies(vocab, docs))
    if key is not None:
        _vocab_cache[root] = (key, vocab, list(problems))
    return vocab, problems


def _load_vocabularies(root: Path, problems: list[Problem]) -> tuple[model.Vocabularies | None, dict[str, Document]]:
    folder = standards_dir(root) / "vocabularies"
    docs: dict[str, Document] = {}
    tables: dict[str, dict[str, Any]] = {}
    start = len(problems)
    broken = False  # a file that did not load: its vocabulary, perhaps an optional one, is unknown
    for path in walk(folder, root, problems, recursive=False):
        rel = _rel(path, root)
        ours = [kind.replace("_", "-") + suffix for kind in VOCABULARIES for suffix in YAML_SUFFIXES]
        if slip := case_slip(rel, path.name, ours):
            problems.append(slip)
            continue
        if not fnmatch.fnmatch(path.name, "*.y*ml"):
            continue
        doc, errs = load_yaml(path, rel, within=root)
        problems.extend(errs)
        if doc is None:
            broken = True
            continue
        schema_errs = schema_problems(doc, "vocabulary-file.schema.json")
        problems.extend(schema_errs)
        if schema_errs:
            broken = True
            continue
        ((kind, entries),) = doc.data.items()
        if kind in docs:
            problems.append(doc.problem((kind,), f"vocabulary '{kind}' is already defined in {docs[kind].rel}", key=True))
            continue
        docs[kind] = doc
        table: dict[str, Any] = {}
        key = KEYS.get(kind, "id")
        for i, entry in enumerate(entries):
            if entry[key] in table:
                problems.append(doc.problem((kind, i, key), f"duplicate {key} '{entry[key]}' in {kind} (each {key} once)"))
            extra = {"where": f"{rel}:{doc.where((kind, i))[0]}"} if kind in ("facts", "wording") else {}
            table[entry[key]] = model.build(VOCABULARIES[kind], entry, **extra)
        tables[kind] = table
    for kind in VOCABULARIES:
        if kind not in tables and kind not in OPTIONAL and not any(p.path.startswith(_rel(folder, root)) for p in problems[start:]):
            problems.append(
                Problem(
                    _rel(folder, root),
                    message=f"missing vocabulary '{kind}' (expected a file such as {kind.replace('_', '-')}.yaml with a top-level '{kind}' list)",
                )
            )
    if broken or set(VOCABULARIES) - OPTIONAL - set(tables):
        return None, docs
    return model.Vocabularies(**tables), docs


def _standards_files(root: Path, problems: list[Problem], vocab: model.Vocabularies | None) -> list[tuple[Path, str | None, str | None]]:
    """Every standards file, with the area and phase its path promises."""
    base = standards_dir(root)
    areas = list(vocab.areas) if vocab else None
    phases = list(vocab.phases) if vocab else None
    found: list[tuple[Path, str | None, str | None]] = []

    def ignored(folder: Path) -> bool:
        return folder.name.startswith((".", "_")) or (folder.parent == base and folder.name in RESERVED)

    for path in walk(base, root, problems, prune=ignored):
        rel_parts = path.relative_to(base).parts
        if any(part.startswith((".", "_")) for part in rel_parts) or rel_parts[0] in RESERVED:
            continue
        if path.suffix.lower() not in YAML_SUFFIXES:
            continue
        rel = _rel(path, root)
        if len(rel_parts) != 2:
            problems.append(
                Problem(
                    rel, message="standards files belong directly in an area folder, e.g. standards/cognition-and-learning/primary.yaml"
                )
            )
            continue
        folder, phase = rel_parts[0], path.stem
        if areas is not None and folder not in areas:
            problems.append(Problem(rel, message=f"folder '{folder}' is not an area of need (allowed: {', '.join(areas)})"))
            continue
        ours = [p + suffix for p in phases for suffix in YAML_SUFFIXES] if phases is not None else [path.name.lower()]
        if slip := case_slip(rel, path.name, ours):
            problems.append(slip)
            continue
        if phases is not None and phase not in phases:
            problems.append(
                Problem(rel, message=f"file name '{path.name}' is not a phase (allowed: {', '.join(p + '.yaml' for p in phases)})")
            )
            continue
        found.append((path, folder, phase))
    return found


def load_standards_file(
    path: Path,
    rel: str,
    vocab: model.Vocabularies | None,
    problems: list[Problem],
    *,
    folder_area: str | None,
    file_phase: str | None,
    id_prefix: str | None = None,
    local: bool = False,
    key: str = "standards",
    doc: Document | None = None,
    within: Path | None = None,
    loaded: list[tuple[dict[str, Any], str]] | None = None,
) -> list[model.Standard]:
    """Load and check one file of standards; append its problems and return the good standards (and, to loaded when
    given, the data and source of each: builder.loadcache keeps them)."""
    if doc is None:
        doc, errs = load_yaml(path, rel, within=within)
        problems.extend(errs)
        if doc is None:
            return []
        errs = schema_problems(doc, "standards-file.schema.json")
        problems.extend(errs)
        if errs:
            return []
    out = []
    for i, data in enumerate(doc.data[key]):
        if vocab is None:
            continue
        prefix = id_prefix
        if prefix is None and data["area"] in vocab.areas and data["phase"] in vocab.phases:
            prefix = f"{vocab.areas[data['area']].code}-{vocab.phases[data['phase']].code}-"
        errs = check_standard(vocab, doc, i, data, folder_area=folder_area, file_phase=file_phase, id_prefix=prefix, key=key)
        problems.extend(errs)
        line = doc.where((key, i))[0]
        out.append(model.build(model.Standard, data, source=f"{rel}:{line}", local=local))
        if loaded is not None:
            loaded.append((data, f"{rel}:{line}"))
    return out


def _check_unique(ids: list[tuple[str, str]], problems: list[Problem]) -> None:
    first: dict[str, str] = {}
    for sid, source in ids:
        if sid in first:
            file, line = source.rsplit(":", 1)
            problems.append(Problem(file, int(line), 1, "id", f"duplicate id '{sid}' (first used at {first[sid]}; ids must be unique)"))
        else:
            first[sid] = source
