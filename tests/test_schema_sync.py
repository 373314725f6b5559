"""The schemas' enums of areas, phases, tiers, need types and contact roles match where those ids are defined.

scripts/sync-schema.py (`make schema`) writes them; these tests fail, naming the schema, the enum and the
vocabulary, when someone edits a vocabulary without running it, or copies a list of ids into a schema by hand.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from .conftest import FIXTURE_VOCABULARIES, ROOT


def _load_script() -> ModuleType:
    """scripts/sync-schema.py as a module (its name has a hyphen, as commands in scripts/ do)."""
    spec = importlib.util.spec_from_file_location("sync_schema", ROOT / "scripts" / "sync-schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


sync_schema = _load_script()
ENUMS: tuple[Any, ...] = sync_schema.ENUMS


def _schema_text(name: str, root: Path = ROOT) -> str:
    return (root / "standards" / "schema" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: f"{e.schema}:{e.pointer}")
def test_enum_matches_its_vocabulary(enum: Any) -> None:
    found = sync_schema._lookup(json.loads(_schema_text(enum.schema)), enum.pointer)
    wanted = enum.source.read(ROOT / enum.source.path)
    if found != wanted:
        pytest.fail(sync_schema.Drift(enum, found, wanted).message(), pytrace=False)


def test_drift_message_names_schema_enum_and_vocabulary(tmp_path: Path) -> None:
    """A need type added without `make schema`: every enum of need types is named, with what to run."""
    root = _copy_sources(tmp_path)
    vocabulary = root / "standards" / "vocabularies" / "need-types.yaml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + "  - id: NEW\n", encoding="utf-8")
    assert [d.message() for d in sync_schema.drifts(root)] == [
        "standards/schema/standards-file.schema.json: enum /$defs/standard/properties/need_types/items/enum differs from"
        " standards/vocabularies/need-types.yaml (missing NEW): run `make schema`",
        "standards/schema/council.schema.json: enum /$defs/service/properties/need_types/items/enum differs from"
        " standards/vocabularies/need-types.yaml (missing NEW): run `make schema`",
    ]


def test_drift_message_for_a_removed_id_and_for_order() -> None:
    enum = next(e for e in ENUMS if e.schema == "standards-file.schema.json" and e.pointer.endswith("/phase/enum"))
    assert sync_schema.Drift(enum, ["primary", "early-years", "x"], ["early-years", "primary"]).message() == (
        "standards/schema/standards-file.schema.json: enum /$defs/standard/properties/phase/enum differs from"
        " standards/vocabularies/phases.yaml (not in the source x): run `make schema`"
    )
    assert sync_schema.Drift(enum, ["primary", "early-years"], ["early-years", "primary"]).message() == (
        "standards/schema/standards-file.schema.json: enum /$defs/standard/properties/phase/enum differs from"
        " standards/vocabularies/phases.yaml (in another order (the source's order: early-years, primary)): run `make schema`"
    )


@pytest.mark.parametrize("name", sorted({e.schema for e in ENUMS}))
def test_sync_is_a_no_op_on_the_committed_schemas(name: str) -> None:
    """Rewriting every enum with the values it holds gives back the file byte for byte: the layout is the file's own."""
    text = _schema_text(name)
    data = json.loads(text)
    same = {e.pointer: sync_schema._lookup(data, e.pointer) for e in ENUMS if e.schema == name}
    assert sync_schema.synced(text, same) == text


def test_sync_rewrites_only_the_enums(tmp_path: Path) -> None:
    """After a new need type and a new contact role, `make schema` changes only the lines of those enums."""
    root = _copy_sources(tmp_path)
    before = _schema_text("council.schema.json", root).splitlines()
    vocabulary = root / "standards" / "vocabularies" / "need-types.yaml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8") + "  - id: NEW\n", encoding="utf-8")
    overlay = root / "builder" / "overlay.py"
    overlay.write_text(overlay.read_text(encoding="utf-8").replace('    "other": "",', '    "new-role": "New",\n    "other": "",'))

    changed = sync_schema.sync(root)

    assert sorted(p.name for p in changed) == ["council.schema.json", "standards-file.schema.json"]
    assert sync_schema.drifts(root) == []
    after = _schema_text("council.schema.json", root).splitlines()
    added, removed = [line for line in after if line not in before], [line for line in before if line not in after]
    assert len(added) == len(removed) == 2, added
    assert '"preparing-for-adulthood", "new-role", "other"],' in added[0] and added[1].endswith(', "NEW"]},')
    assert sync_schema.sync(root) == []  # a second run changes nothing


def _copy_sources(tmp_path: Path) -> Path:
    """The schemas, already synced, and every source ENUMS reads, in a scratch repository root."""
    for rel in ["standards/schema", "standards/vocabularies"]:
        for path in (ROOT / rel).iterdir():
            (tmp_path / rel).mkdir(parents=True, exist_ok=True)
            (tmp_path / rel / path.name).write_bytes(path.read_bytes())
    (tmp_path / "builder").mkdir()
    (tmp_path / "builder" / "overlay.py").write_bytes((ROOT / "builder" / "overlay.py").read_bytes())
    sync_schema.sync(tmp_path)  # so a drift in the committed schemas fails only test_enum_matches_its_vocabulary
    return tmp_path


def _vocabulary_ids(folder: Path) -> dict[str, list[str]]:
    """Each vocabulary file's ids, in order, by file name."""
    ids = {}
    for path in sorted(folder.glob("*.yaml")):
        with open(path, encoding="utf-8") as f:
            ((_, entries),) = yaml.load(f, Loader=yaml.CSafeLoader).items()
        ids[path.name] = [str(e["id"]) for e in entries if isinstance(e, dict) and "id" in e]
    return ids


def test_no_unlisted_copy_of_a_vocabulary_in_a_schema() -> None:
    """Any enum made only of one vocabulary's ids (or contact roles) must be in ENUMS, so `make schema` keeps it."""
    sources = {
        **_vocabulary_ids(ROOT / "standards" / "vocabularies"),
        "builder/overlay.py ROLE_NAMES": sync_schema.CONTACT_ROLES.read(ROOT / "builder" / "overlay.py"),
    }
    listed = {(e.schema, e.pointer) for e in ENUMS}
    unlisted = []
    for path in sorted((ROOT / "standards" / "schema").glob("*.schema.json")):
        text = path.read_text(encoding="utf-8")
        for pointer, (start, end) in sync_schema.value_spans(text).items():
            values = json.loads(text[start:end])
            if not pointer.endswith("/enum") or (path.name, pointer) in listed:
                continue
            unlisted += [f"{path.name}:{pointer} copies {name}" for name, ids in sources.items() if set(values) <= set(ids)]
    assert unlisted == [], "add these to ENUMS in scripts/sync-schema.py, then run `make schema`"


def test_fixture_vocabularies_use_only_ids_the_schema_allows() -> None:
    """tests/fixtures/vocabularies is a frozen subset: the schemas are made from the real vocabularies, so every
    fixture id must also be a real one (in the same order), or the schema would refuse the fixture's own files."""
    real, fixture = _vocabulary_ids(ROOT / "standards" / "vocabularies"), _vocabulary_ids(FIXTURE_VOCABULARIES)
    for name in sorted({e.source.path.rsplit("/", 1)[1] for e in ENUMS if e.source.path.endswith(".yaml")}):
        assert fixture[name] == [i for i in real[name] if i in fixture[name]], (
            f"tests/fixtures/vocabularies/{name}: ids not in standards/vocabularies/{name}, or in another order"
        )
