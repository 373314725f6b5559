"""Every validation rule, each with a broken input and the exact message it must produce (file:line:col)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from builder.errors import OapError
from builder.project import load_corpus

from .conftest import FIXTURE_STANDARD, current_streams, run_oap

F = "standards/cognition-and-learning/primary.yaml"
CURRENT = current_streams()
"""The real current funding streams, as the messages list them."""
FIELDS = (
    "access_route, adjustments, area, evidence, for_families, funding_note, id, last_reviewed, legal_basis, need_types, "
    "not_quantified, phase, provision, review_due, search_words, settings, signs, summary, tier, title, what_may_change, who_pays, who_provides"
)


def problems(make: Callable[..., Path], files: dict[str, str]) -> list[str]:
    """The report lines (without the count line) for a project made of these files."""
    with pytest.raises(OapError) as info:
        load_corpus(make(files))
    return [str(p) for p in info.value.problems]


def edited(*pairs: tuple[str, str]) -> str:
    text = FIXTURE_STANDARD
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


CASES = {
    "unknown key": (
        edited(("    review_due: 2027-11-01\n", "    review_due: 2027-11-01\n    colour: blue\n")),
        [f"{F}:18:5: standards[0].colour: unknown key 'colour' (allowed: {FIELDS})"],
    ),
    "missing who_pays": (
        edited(("    who_pays: [school-core-budget]\n", "")),
        [f"{F}:3:5: standards[0].who_pays: missing (every standard must name who pays: at least one funding stream id)"],
    ),
    "missing who_provides": (
        edited(("    who_provides: [class-teacher]\n", "")),
        [f"{F}:3:5: standards[0].who_provides: missing (every standard must name who provides it: at least one provider id)"],
    ),
    "empty who_provides": (
        edited(("who_provides: [class-teacher]", "who_provides: []")),
        [f"{F}:13:19: standards[0].who_provides: must not be empty (every standard must name who provides it: at least one provider id)"],
    ),
    "empty who_pays": (
        edited(("who_pays: [school-core-budget]", "who_pays: []")),
        [f"{F}:14:15: standards[0].who_pays: must not be empty (every standard must name who pays: at least one funding stream id)"],
    ),
    "unknown funding stream": (
        edited(("who_pays: [school-core-budget]", "who_pays: [elemnt-3]")),
        [f"{F}:14:16: standards[0].who_pays[0]: unknown funding stream 'elemnt-3' (known funding streams: {CURRENT})"],
    ),
    "proposed funding stream": (
        edited(("who_pays: [school-core-budget]", "who_pays: [school-core-budget, experts-at-hand]")),
        [
            f"{F}:14:36: standards[0].who_pays[1]: 'experts-at-hand' is a proposed funding stream, not current law, "
            f"and cannot pay for a standard (known current streams: {CURRENT})"
        ],
    ),
    "stream not for this phase": (
        edited(("who_pays: [school-core-budget]", "who_pays: [senif]")),
        [f"{F}:14:16: standards[0].who_pays[0]: 'senif' may not fund the primary phase (it funds: early-years)"],
    ),
    "stream not for this tier": (
        edited(
            ("tier: targeted", "tier: universal"), ("who_pays: [school-core-budget]", "who_pays: [school-core-budget, high-needs-top-up]")
        ),
        [
            f"{F}:14:36: standards[0].who_pays[1]: 'high-needs-top-up' may not fund universal standards (it funds: targeted-plus, specialist)"
        ],
    ),
    "unknown provider": (
        edited(("who_provides: [class-teacher]", "who_provides: [class-teacher, wizard]")),
        [f"{F}:13:35: standards[0].who_provides[1]: unknown provider 'wizard' (known providers: " + "{providers})"],
    ),
    "unknown legal basis": (
        edited(("legal_basis: [cop-6-44]", "legal_basis: [cop-99]")),
        [f"{F}:15:19: standards[0].legal_basis[0]: unknown legal basis 'cop-99' (known legal bases: " + "{legal})"],
    ),
    "only NHS providers, school pays": (
        edited(("who_provides: [class-teacher]", "who_provides: [speech-and-language-therapist]")),
        [
            f"{F}:14:15: standards[0].who_pays: every provider is an NHS role, so an NHS or council budget must pay (e.g. icb-health, public-health-nursing)"
        ],
    ),
    "only school staff, NHS pays": (
        edited(("who_pays: [school-core-budget]", "who_pays: [icb-health]")),
        [
            f"{F}:14:15: standards[0].who_pays: every provider is the setting's own staff, so a setting budget must pay "
            "(e.g. school-core-budget, notional-sen-budget, early-years-entitlement, senif, sixteen-to-nineteen-funding)"
        ],
    ),
    "review_due before last_reviewed": (
        edited(("review_due: 2027-11-01", "review_due: 2026-10-01")),
        [f"{F}:17:17: standards[0].review_due: 2026-10-01 must be after last_reviewed 2026-11-01"],
    ),
    "impossible date": (
        edited(("last_reviewed: 2026-11-01", "last_reviewed: 2026-02-30")),
        [f"{F}:16:20: standards[0].last_reviewed: '2026-02-30' is not a real date (expected YYYY-MM-DD)"],
    ),
    "area does not match folder": (
        edited(("area: cognition-and-learning", "area: communication-and-interaction")),
        [
            f"{F}:3:9: standards[0].id: 'cl-pri-fixture-one' must start with 'ci-pri-' (area code, then phase code)",
            f"{F}:5:11: standards[0].area: 'communication-and-interaction' does not match the file's folder 'cognition-and-learning' (move the standard, or change its area)",
        ],
    ),
    "phase does not match file": (
        edited(("phase: primary", "phase: secondary")),
        [
            f"{F}:3:9: standards[0].id: 'cl-pri-fixture-one' must start with 'cl-sec-' (area code, then phase code)",
            f"{F}:6:12: standards[0].phase: 'secondary' does not match the file's name 'primary.yaml' (move the standard, or change its phase)",
        ],
    ),
    "duplicate YAML key": (
        edited(("    tier: targeted\n", "    tier: targeted\n    tier: universal\n")),
        [f"{F}:8:5: standards[0].tier: duplicate key 'tier' (first given on line 7; each key once)"],
    ),
    "wrong type": (
        edited(("adjustments: [One, Two, Three, Four]", "adjustments: Just one")),
        [f"{F}:12:18: standards[0].adjustments: expected a list, found text"],
    ),
    "too few adjustments": (
        edited(("adjustments: [One, Two, Three, Four]", "adjustments: [One, Two]")),
        [f"{F}:12:18: standards[0].adjustments: needs at least 4 items, found 2"],
    ),
    "unknown need type": (
        edited(("need_types: [SPLD]", "need_types: [DYS]")),
        [
            f"{F}:8:18: standards[0].need_types[0]: unknown need type 'DYS' (allowed: SLCN, ASD, SPLD, MLD, SLD, PMLD, SEMH, HI, VI, MSI, PD, OTH)"
        ],
    ),
    "bad id": (
        edited(("id: cl-pri-fixture-one", "id: CL_pri fixture")),
        [
            f"{F}:3:9: standards[0].id: 'CL_pri fixture' is not a valid id (lower-case letters and digits joined by single hyphens, e.g. cl-pri-reading-catch-up)"
        ],
    ),
    "access_route missing for specialist": (
        edited(
            ("tier: targeted", "tier: specialist"), ("who_pays: [school-core-budget]", "who_pays: [school-core-budget, high-needs-top-up]")
        ),
        [
            f"{F}:3:5: standards[0].access_route: missing (targeted-plus and specialist standards go beyond ordinarily available provision and must say how to get there)"
        ],
    ),
    "need_types missing outside whole-setting": (
        edited(("    need_types: [SPLD]\n", "")),
        [f"{F}:3:5: standards[0].need_types: missing (every standard outside whole-setting must list its need types)"],
    ),
    "empty text": (edited(("summary: A summary.", "summary: '  '")), [f"{F}:9:14: standards[0].summary: must not be empty"]),
    "tab indentation": (
        edited(("    title: Fixture standard\n", "\ttitle: Fixture standard\n")),
        [
            f"{F}:4:1: YAML syntax error: while scanning a plain scalar found a tab character that violates indentation (indent with spaces, not tabs)"
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule(name: str, project: Callable[..., Path]) -> None:
    text, expected = CASES[name]
    root = ROOT_VOCAB
    expected = [e.replace("{providers}", ", ".join(root["providers"])).replace("{legal}", ", ".join(root["legal_bases"])) for e in expected]
    assert problems(project, {F: text}) == expected


def _vocab_ids() -> dict[str, list[str]]:
    import yaml

    from .conftest import ROOT

    out = {}
    for kind, file in (("providers", "providers"), ("legal_bases", "legal-bases")):
        data = yaml.safe_load((ROOT / "standards" / "vocabularies" / f"{file}.yaml").read_text(encoding="utf-8"))
        out[kind] = [e["id"] for e in data[kind]]
    return out


ROOT_VOCAB = _vocab_ids()


def test_fixture_is_valid(project: Callable[..., Path]) -> None:
    corpus = load_corpus(project())
    assert [s.id for s in corpus.standards] == ["cl-pri-fixture-one"]


def test_all_problems_reported_together(project: Callable[..., Path]) -> None:
    text = edited(
        ("who_pays: [school-core-budget]", "who_pays: []"),
        ("review_due: 2027-11-01", "review_due: 2026-10-01"),
        ("need_types: [SPLD]", "need_types: [DYS]"),
    )
    other = (
        FIXTURE_STANDARD.replace("cl-pri-fixture-one", "cl-sec-fixture-two")
        .replace("phase: primary", "phase: secondary")
        .replace("who_provides: [class-teacher]", "who_provides: []")
    )
    found = problems(project, {F: text, "standards/cognition-and-learning/secondary.yaml": other})
    assert len(found) == 3
    assert [p.split(":")[0] for p in found] == [F, F, "standards/cognition-and-learning/secondary.yaml"]


def test_duplicate_ids_across_files(project: Callable[..., Path]) -> None:
    other = FIXTURE_STANDARD.replace("phase: primary", "phase: secondary").replace("cl-pri-fixture-one", "cl-sec-fixture-one")
    dup = edited(("    review_due: 2027-11-01\n", "    review_due: 2027-11-01\n" + FIXTURE_STANDARD.split("standards:\n", 1)[1]))
    found = problems(project, {F: dup, "standards/cognition-and-learning/secondary.yaml": other})
    assert found == [f"{F}:18:1: id: duplicate id 'cl-pri-fixture-one' (first used at {F}:3; ids must be unique)"]


def test_file_in_wrong_folder(project: Callable[..., Path]) -> None:
    found = problems(
        project,
        {
            "standards/cognition-and-learnin/primary.yaml": FIXTURE_STANDARD,
            "standards/cognition-and-learning/year-3.yaml": FIXTURE_STANDARD,
            "standards/stray.yaml": FIXTURE_STANDARD,
        },
    )
    assert found == [
        "standards/cognition-and-learnin/primary.yaml: folder 'cognition-and-learnin' is not an area of need (allowed: whole-setting, "
        "communication-and-interaction, cognition-and-learning, social-emotional-and-mental-health, sensory-and-physical)",
        "standards/cognition-and-learning/year-3.yaml: file name 'year-3.yaml' is not a phase (allowed: early-years.yaml, primary.yaml, secondary.yaml, post-16.yaml)",
        "standards/stray.yaml: standards files belong directly in an area folder, e.g. standards/cognition-and-learning/primary.yaml",
    ]


def test_early_years_settings_need_a_payer_each(project: Callable[..., Path]) -> None:
    ey = "standards/cognition-and-learning/early-years.yaml"
    text = (
        FIXTURE_STANDARD.replace("cl-pri-", "cl-ey-")
        .replace("phase: primary", "phase: early-years")
        .replace("    need_types: [SPLD]\n", "    settings: [nursery, reception]\n    need_types: [SPLD]\n")
        .replace("who_pays: [school-core-budget]", "who_pays: [disability-access-fund]")
    )
    assert problems(project, {ey: text}) == [
        f"{ey}:8:25: standards[0].settings[1]: no payer in who_pays may fund a reception setting (streams that may: school-core-budget, notional-sen-budget, inclusive-mainstream-fund)"
    ]


def test_early_years_settings_required(project: Callable[..., Path]) -> None:
    ey = "standards/cognition-and-learning/early-years.yaml"
    text = (
        FIXTURE_STANDARD.replace("cl-pri-", "cl-ey-")
        .replace("phase: primary", "phase: early-years")
        .replace("who_pays: [school-core-budget]", "who_pays: [early-years-entitlement]")
    )
    assert problems(project, {ey: text}) == [
        f"{ey}:3:5: standards[0].settings: missing (early years standards must say which settings they mean (nursery, school-nursery, childminder, reception))"
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"", f"{F}: file is empty (expected a mapping of keys and values)"),
        (b"\xef\xbb\xbf" + FIXTURE_STANDARD.encode(), f"{F}:1:1: file starts with a byte-order mark (save it as UTF-8 without BOM)"),
        (FIXTURE_STANDARD.encode().replace(b"Fixture", b"Fixt\xffure"), f"{F}:4:16: byte 0xff is not valid UTF-8 (save the file as UTF-8)"),
        (
            b"a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
            b"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e]\n",
            f"{F}: file expands to more than 200,000 values (too large, or an alias bomb)",
        ),
    ],
)
def test_unreadable_files(raw: bytes, expected: str, project: Callable[..., Path]) -> None:
    root = project({})
    (root / F).parent.mkdir(parents=True, exist_ok=True)
    (root / F).write_bytes(raw)
    with pytest.raises(OapError) as info:
        load_corpus(root)
    assert [str(p) for p in info.value.problems] == [expected]


def test_cli_reports_and_exits_1_without_traceback(project: Callable[..., Path]) -> None:
    root = project({F: edited(("who_pays: [school-core-budget]", "who_pays: []"))})
    result = run_oap("check", "--root", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{F}:14:15: standards[0].who_pays: must not be empty (every standard must name who pays: at least one funding stream id)",
        "1 problem found; nothing was written.",
    ]


def test_cli_ok_summary(project: Callable[..., Path]) -> None:
    result = run_oap("check", "--root", str(project()))
    assert result.returncode == 0, result.stderr
    last = result.stdout.splitlines()[-1]  # after one timed line per stage (tests/test_progress.py)
    assert last.startswith("oap check: OK: 1 standards in 1 area-and-phase cells;")
