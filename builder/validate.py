"""Check documents against the JSON Schemas and the rules of the field, collecting every problem."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, cast

import jsonschema
import referencing
from referencing.jsonschema import DRAFT202012

from . import prose
from . import text as text_rule
from .edition import edition_root
from .errors import Problem
from .load import Document, Path_
from .model import Fact, Vocabularies

SCHEMA_DIR = edition_root() / "standards" / "schema"
"""The schemas of the national edition this package came with (in a checkout, the repository's standards/schema)."""

_NOUNS = {
    "area": "area",
    "phase": "phase",
    "tier": "tier",
    "need_types": "need type",
    "phases": "phase",
    "tiers": "tier",
    "group": "group",
    "kind": "kind",
    "status": "status",
    "holder_type": "holder type",
    "role": "role",
}
_TYPES = {
    "object": "a mapping of keys and values",
    "array": "a list",
    "string": "text",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "nothing",
}
_REQUIRED_HINTS = {
    "who_provides": "every standard must name who provides it: at least one provider id",
    "who_pays": "every standard must name who pays: at least one funding stream id",
    "need_types": "every standard outside whole-setting must list its need types",
    "settings": "early years standards must say which settings they mean (nursery, school-nursery, childminder, reception)",
    "access_route": "targeted-plus and specialist standards go beyond ordinarily available provision and must say how to get there",
    "group_size": "a small group says how many pupils share each session, e.g. group_size: 4",
    "basis": "say how the typical quantities were chosen, so a reader can judge them",
}
WORDING: dict[str, tuple[str, ...]] = {
    # families: about the support, the law today, what may change
    "families-intro": ("paragraphs",),
    "families-things-to-know": ("title", "items"),
    "law-today-intro": ("paragraphs",),
    "what-may-change-lead": ("paragraphs",),
    # families: who to talk to
    "talk-intro": ("paragraphs",),
    "talk-teacher": ("title", "paragraphs"),
    "talk-senco": ("title", "paragraphs"),
    "talk-head": ("title", "paragraphs"),
    "talk-send-team": ("title", "paragraphs"),
    "talk-sendiass": ("title", "paragraphs"),
    "talk-parent-carer-forum": ("title", "paragraphs"),
    "talk-gp": ("title", "paragraphs"),
    "talk-local-offer": ("paragraphs",),
    # families: if support is not happening, and their rights
    "escalate-intro": ("paragraphs",),
    "escalate-teacher": ("title", "paragraphs"),
    "escalate-senco": ("title", "paragraphs"),
    "escalate-advice": ("title", "paragraphs"),
    "escalate-complaint": ("title", "paragraphs"),
    "right-ehc-needs-assessment": ("title", "paragraphs"),
    "right-reasonable-adjustments": ("title", "paragraphs"),
    "right-mediation-and-appeal": ("title", "paragraphs"),
    # teachers: how to use a standard, and what the tiers mean
    "standard-contents": ("paragraphs",),
    "use-notice": ("title", "paragraphs"),
    "use-plan": ("title", "paragraphs"),
    "use-adjust": ("title", "paragraphs"),
    "use-review": ("title", "paragraphs"),
    "ordinarily-available": ("paragraphs",),
    "beyond-ordinarily-available": ("paragraphs",),
    "provision-typical": ("paragraphs",),
    "tiers-intro": ("paragraphs",),
    # reference: who pays, who provides, the law, the glossary, about the project
    "who-pays-intro": ("paragraphs",),
    "who-pays-summary": ("items",),
    "stream-proposed": ("title", "paragraphs"),
    "stream-withdrawn": ("title", "paragraphs"),
    "who-provides-intro": ("paragraphs",),
    "law-intro": ("paragraphs",),
    "glossary-intro": ("paragraphs",),
    "independent-project": ("title", "paragraphs"),
}
"""The shared wording (vocabularies/wording.yaml) the web and print templates show: each entry's id and the fields
they show (title, paragraphs, items). A wording file has every one of these entries with those fields, and nothing
else; tests/test_wording.py renders the site and the PDFs' HTML to check each is shown where it says."""
_WORDING_TEXT = ("title", "paragraphs", "items")
_EMPTY_HINTS = {
    "who_provides": "every standard must name who provides it: at least one provider id",
    "who_pays": "every standard must name who pays: at least one funding stream id",
}


@functools.cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema from standards/schema/ by file name."""
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


@functools.cache
def _registry() -> referencing.Registry[Any]:
    """Every schema in standards/schema/ by its $id, so a $ref to another file resolves locally, never over the network."""
    found = (json.loads(p.read_text(encoding="utf-8")) for p in sorted(SCHEMA_DIR.glob("*.schema.json")))
    return referencing.Registry().with_resources((s["$id"], DRAFT202012.create_resource(s)) for s in found if "$id" in s)


@functools.cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    cls = jsonschema.Draft202012Validator
    raw = schema(name)
    return _WITH_TEXT(inline_refs(raw, raw), format_checker=cls.FORMAT_CHECKER, registry=_registry())


def _x_text(validator: Any, kind: Any, instance: Any, rule: Mapping[str, Any]) -> Iterable[jsonschema.ValidationError]:
    """The schema keyword `x-text`: the one rule for text (builder/text.py), for the kind of text the field holds."""
    if isinstance(instance, str):
        wrong = text_rule.problem(instance, kind)
        if wrong:
            yield jsonschema.ValidationError(wrong)


_WITH_TEXT = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"x-text": _x_text})
"""Draft 2020-12 with the text rule: a field's characters are checked wherever the schema marks it with x-text."""


_SIDE_BY_SIDE = {"description", "title", "$comment", "examples", "default", "maxLength", "minLength", "maxItems", "minItems", "format"}
"""Keywords that may sit beside a $ref without changing what the referenced schema means, once merged into it."""
_ANNOTATIONS = {"description", "title", "$comment", "examples", "default"}


def inline_refs(node: Any, root: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """The schema with each local $ref replaced by the schema it names, where that means exactly the same.

    Why: jsonschema resolves a $ref anew every time it meets one (about 17 per standard), which made resolving
    references the largest part of checking a corpus. Merging keeps every keyword and its place, so errors,
    and the messages made from them, are unchanged; a $ref whose neighbours could interact with its target stays.
    """
    if isinstance(node, list):
        return [inline_refs(item, root, seen) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("enum", "const"):
            out[key] = value
        elif key == "$ref" and isinstance(value, str) and value.startswith("#/") and value not in seen:
            target = inline_refs(_pointer(root, value), root, (*seen, value))
            beside = set(node) - {"$ref"}
            if (
                isinstance(target, dict)
                and beside <= _SIDE_BY_SIDE
                and not (beside & set(target)) - _ANNOTATIONS
                and not {"$ref", "$id", "$defs"} & set(target)
            ):
                out.update((k, v) for k, v in target.items() if k not in beside)
            else:
                out[key] = value
        else:
            out[key] = inline_refs(value, root, seen)
    return out


def _pointer(root: dict[str, Any], ref: str) -> Any:
    """What a local reference such as '#/$defs/id' points to, or None if it points nowhere."""
    target: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            return None
        target = target[part]
    return target


def schema_problems(doc: Document, schema_name: str) -> list[Problem]:
    """Every way doc breaks the named schema, as located, human messages."""
    problems: list[Problem] = []
    errors = list(_validator(schema_name).iter_errors(doc.data))
    # A field whose characters break the text rule says so, naming the character, rather than that its pattern
    # does not match (an id with a Cyrillic letter, a name with a line break).
    by_text = {_located(e) for e in errors if e.validator == "x-text"}
    for error in errors:
        if error.validator == "pattern" and _located(error) in by_text:
            continue
        problems.extend(_translate(doc, error))
    return problems


def _located(error: jsonschema.ValidationError) -> tuple[Path_, bool]:
    """Where an error belongs: the value's path, or for a mapping's key (propertyNames) the key's path and True."""
    path = tuple(error.absolute_path)
    if "propertyNames" in error.schema_path and isinstance(error.instance, str):
        return (*path, error.instance), True
    return path, False


def _describe(value: Any) -> str:
    for name, py in (
        ("null", type(None)),
        ("boolean", bool),
        ("integer", int),
        ("number", float),
        ("string", str),
        ("array", list),
        ("object", dict),
    ):
        if isinstance(value, py):
            return _TYPES[name]
    return type(value).__name__  # pragma: no cover


def _translate(doc: Document, error: jsonschema.ValidationError) -> Iterable[Problem]:  # noqa: C901 - one branch per keyword
    path, is_key = _located(error)
    kind, spec = error.validator, cast(Any, error.validator_value)
    value: Any = error.instance
    rule: Any = error.schema
    name = next((p for p in reversed(path) if isinstance(p, str)), "")
    if is_key:  # a mapping's key broke its rule (a note's id): point at the key, not at the mapping
        if kind == "x-text":
            yield doc.problem(path, error.message, key=True)
        elif kind == "pattern":
            yield doc.problem(
                path,
                f"'{value}' is not a valid id (lower-case letters and digits joined by single hyphens, e.g. cl-pri-reading-catch-up)",
                key=True,
            )
        else:  # pragma: no cover - keys are only ever checked as ids
            yield doc.problem(path, error.message, key=True)
    elif kind == "x-text":
        yield doc.problem(path, error.message)
    elif kind == "additionalProperties":
        allowed = sorted(rule.get("properties", {}))
        for extra in sorted(set(value) - set(allowed)):
            yield doc.problem(path + (extra,), f"unknown key '{extra}' (allowed: {', '.join(allowed)})", key=True)
    elif kind == "required":
        for missing in spec:
            if isinstance(value, dict) and missing not in value:
                # The hints explain a standard's rules; other objects (a council's services) just need the key.
                in_standard = bool(path) and path[0] in ("standards", "local_standards")
                hint = (_REQUIRED_HINTS.get(missing) if in_standard else None) or f"'{missing}' is required here"
                yield doc.problem(path + (missing,), f"missing ({hint})")
    elif kind == "type":
        expected = spec if isinstance(spec, str) else spec[0]
        yield doc.problem(path, f"expected {_TYPES.get(expected, expected)}, found {_describe(value)}")
    elif kind == "enum":
        noun = _NOUNS.get(name, "value")
        yield doc.problem(path, f"unknown {noun} '{value}' (allowed: {', '.join(map(str, spec))})")
    elif kind == "const":
        yield doc.problem(path, f"must be '{spec}'")
    elif kind == "minItems":
        if not value:
            yield doc.problem(path, f"must not be empty ({_EMPTY_HINTS.get(name, f'list at least {spec}')})")
        else:
            yield doc.problem(path, f"needs at least {spec} items, found {len(value)}")
    elif kind == "uniqueItems":
        seen: set[Any] = set()
        dupes = []
        for item in value:
            if isinstance(item, (dict, list)):
                continue
            if item in seen:
                dupes.append(item)
            seen.add(item)
        yield doc.problem(path, f"lists '{dupes[0] if dupes else '?'}' more than once (each entry once)")
    elif kind == "anyOf" and all(set(branch) == {"required"} for branch in spec):
        options = [key for branch in spec for key in branch["required"]]
        yield doc.problem(path, f"give at least one of: {', '.join(options)}")
    elif kind == "pattern" and "x-hint" in rule:
        yield doc.problem(path, f"'{value}' {rule['x-hint']}")
    elif kind in ("minLength", "pattern") and spec in (1, "\\S"):
        yield doc.problem(path, "must not be empty")
    elif kind == "pattern" and "a-z0-9" in spec:
        yield doc.problem(
            path, f"'{value}' is not a valid id (lower-case letters and digits joined by single hyphens, e.g. cl-pri-reading-catch-up)"
        )
    elif kind == "pattern":
        yield doc.problem(path, f"'{value}' is not in the expected form (pattern {spec})")
    elif kind == "format" and spec == "date":
        yield doc.problem(path, f"'{value}' is not a real date (expected YYYY-MM-DD)")
    elif kind == "maxLength":
        yield doc.problem(path, f"is too long: {len(value):,} characters (at most {spec:,})")
    elif kind in ("minProperties", "maxProperties"):
        found = ", ".join(sorted(value)) or "none"
        yield doc.problem(
            path, f"a vocabulary file holds exactly one list (found keys: {found}; allowed: {', '.join(sorted(rule['properties']))})"
        )
    elif kind == "maxItems":
        yield doc.problem(path, f"has {len(value)} items (at most {spec})")
    elif kind in ("minimum", "maximum"):
        yield doc.problem(path, f"{value} is out of range ({kind} {spec})")
    elif kind == "exclusiveMinimum":
        yield doc.problem(path, f"{value} is out of range (must be more than {spec})")
    else:  # pragma: no cover - every keyword our schemas use is handled above
        yield doc.problem(path, error.message)


def _known(kind: str, ids: Iterable[str]) -> str:
    return f"(known {kind}: {', '.join(ids)})"


def _known_facts(facts: Mapping[str, Fact]) -> str:
    return _known("facts", facts) if facts else "(known facts: none)"


def check_vocabularies(vocab: Vocabularies, docs: Mapping[str, Document]) -> list[Problem]:
    """Cross-references inside the vocabularies themselves."""
    problems: list[Problem] = []
    nt_doc, fs_doc, pv_doc = docs.get("need_types"), docs.get("funding_streams"), docs.get("providers")
    if pv_doc:
        for i, provider in enumerate(vocab.providers.values()):
            for j, setting in enumerate(provider.settings):
                if setting not in vocab.settings:
                    problems.append(
                        pv_doc.problem(("providers", i, "settings", j), f"unknown setting '{setting}' {_known('settings', vocab.settings)}")
                    )
    if nt_doc:
        for i, need in enumerate(vocab.need_types.values()):
            if need.area and need.area not in vocab.areas:
                problems.append(nt_doc.problem(("need_types", i, "area"), f"unknown area '{need.area}' {_known('areas', vocab.areas)}"))
    if fs_doc:
        for i, stream in enumerate(vocab.funding_streams.values()):
            for j, setting in enumerate(stream.settings):
                if setting not in vocab.settings:
                    problems.append(
                        fs_doc.problem(
                            ("funding_streams", i, "settings", j), f"unknown setting '{setting}' {_known('settings', vocab.settings)}"
                        )
                    )
        for i, stream in enumerate(vocab.funding_streams.values()):
            for j, ref in enumerate(stream.facts):
                if ref not in vocab.facts:
                    problems.append(fs_doc.problem(("funding_streams", i, "facts", j), f"unknown fact '{ref}' {_known_facts(vocab.facts)}"))
    from . import cost  # as in provision_problems: kept here so the schema-only paths stay light

    f_doc = docs.get("facts")
    if f_doc and cost.THRESHOLD_FACT in vocab.facts and cost.threshold(vocab.facts) is None:
        problems.append(
            f_doc.problem(
                ("facts", list(vocab.facts).index(cost.THRESHOLD_FACT), "value"),
                "the payer check reads the threshold from this value, so it must be an amount in pounds written with £ "
                f"(it is '{vocab.facts[cost.THRESHOLD_FACT].value}')",
            )
        )
    r_doc = docs.get("rates")
    if r_doc:
        priced: dict[str, str] = {}
        for i, rate in enumerate(vocab.rates.values()):
            for j, role in enumerate(rate.providers):
                where: Path_ = ("rates", i, "providers", j)
                if role not in vocab.providers:
                    problems.append(r_doc.problem(where, f"unknown provider '{role}' {_known('providers', vocab.providers)}"))
                elif role in priced:
                    problems.append(r_doc.problem(where, f"'{role}' is already priced by rate '{priced[role]}' (a role has one rate)"))
                priced.setdefault(role, rate.id)
    lt_doc = docs.get("law_today")
    if lt_doc:
        for i, entry in enumerate(lt_doc.data["law_today"]):
            for j, point in enumerate(entry["points"]):
                for k, ref in enumerate(point["legal_basis"]):
                    basis = vocab.legal_bases.get(ref)
                    at = ("law_today", i, "points", j, "legal_basis", k)
                    if basis is None:
                        problems.append(lt_doc.problem(at, f"unknown legal basis '{ref}' {_known('legal bases', vocab.legal_bases)}"))
                    elif not basis.in_force:
                        problems.append(
                            lt_doc.problem(
                                at,
                                f"'{ref}' is a {basis.status} legal basis, not the law today, and cannot support a point of the law today",
                            )
                        )
    w_doc = docs.get("wording")
    if w_doc:
        problems.extend(wording_problems(w_doc))
    for kind, doc in docs.items():
        problems.extend(vocabulary_prose_problems(kind, doc, vocab.facts))
    return problems


def wording_problems(doc: Document) -> list[Problem]:
    """The shared wording: every entry the templates show, with the fields they show, nothing else, and sound dates."""
    out: list[Problem] = []
    entries = doc.data["wording"]

    def bad(at: Path_, message: str, *, key: bool = False) -> None:
        out.append(doc.problem(("wording", *at), message, key=key))

    for i, entry in enumerate(entries):
        ident = entry["id"]
        if ident not in WORDING:
            bad((i, "id"), f"unknown wording '{ident}': no page or guide shows it {_known('wording', WORDING)}")
        shown = WORDING.get(ident, ())
        for name in _WORDING_TEXT if shown else ():
            if name in shown and name not in entry:
                bad((i, name), f"missing (the pages and guides show this entry's {name})")
            elif name in entry and name not in shown:
                bad((i, name), f"'{name}' is never shown for '{ident}' (the pages and guides show its {' and '.join(shown)})", key=True)
        reviewed, due = entry["last_reviewed"], entry["review_due"]
        if dt.date.fromisoformat(due) <= dt.date.fromisoformat(reviewed):
            bad((i, "review_due"), f"{due} must be after last_reviewed {reviewed}")
    present = {entry["id"] for entry in entries}
    for ident in WORDING:
        if ident not in present:
            bad((), f"missing wording '{ident}' (the pages and guides show it: add an entry with this id)", key=True)
    return out


def vocabulary_prose_problems(kind: str, doc: Document, facts: Mapping[str, Fact]) -> list[Problem]:
    """Placeholders, money figures and proposal phrases in one vocabulary's text (see builder/prose.py)."""
    out: list[Problem] = []
    for i, entry in enumerate(doc.data[kind]):
        at: Path_ = (kind, i)
        if kind == "facts":  # the one place figures are typed; a fact never cites another fact
            for path, text in prose.strings(entry, at):
                for found in [*(f"{{fact:{f}}}" for f in prose.fact_ids(text)), *prose.malformed_placeholders(text)]:
                    out.append(doc.problem(path, f"a fact cannot cite another fact: '{found}' (write the text out)"))
            out.extend(prose_problems(doc, at, entry, facts, money=False, placeholders=False, dates=False))
            continue
        if kind == "wording":  # what readers see may not type a date either; a source may name a publication's date
            shown = {k: v for k, v in entry.items() if k != "source"}
            out.extend(prose_problems(doc, at, shown, facts, where="wording"))
            out.extend(prose_problems(doc, (*at, "source"), entry["source"], facts, dates=False, where="wording"))
            continue
        proposed = entry.get("status") == "proposed"
        out.extend(prose_problems(doc, at, entry, facts, dates=kind == "law_today", phrases=not proposed, where="vocabulary"))
    return out


def prose_problems(
    doc: Document,
    at: Path_,
    value: Any,
    facts: Mapping[str, Fact],
    *,
    placeholders: bool = True,
    money: bool = True,
    dates: bool = True,
    phrases: bool = True,
    where: str = "standard",
) -> list[Problem]:
    """Every text inside value checked: placeholders name known facts, no typed money or dates, no proposal phrases."""
    out: list[Problem] = []
    for path, text in prose.strings(value, at):
        if placeholders:
            for ident in prose.fact_ids(text):
                if ident not in facts:
                    out.append(doc.problem(path, f"unknown fact '{ident}' {_known_facts(facts)}"))
            for loose in prose.malformed_placeholders(text):
                out.append(
                    doc.problem(path, f"'{loose}' is not a fact placeholder (write {{fact:ID}}, e.g. {{fact:{prose.EXAMPLE_FACT}}})")
                )
        typed = [("money figure", f) for f in prose.money(text)] if money else []
        typed += [("date", d) for d in prose.dates(text)] if dates else []
        for noun, figure in typed:
            out.append(doc.problem(path, f"{noun} typed into prose: '{figure}' ({_use_a_fact(figure, facts, noun)})"))
        if phrases:
            for phrase in prose.proposal_phrases(text):
                hint = {
                    "standard": "mention a proposal only in what_may_change, linked to a proposed legal basis or funding stream",
                    "wording": "shared wording says the law today: a proposal belongs only in a standard's what_may_change",
                }.get(where, "only an entry whose status is proposed may name it")
                out.append(doc.problem(path, f"'{phrase}' is a proposal, not the law today ({hint})"))
    return out


def _use_a_fact(figure: str, facts: Mapping[str, Fact], noun: str) -> str:
    """Which fact to cite instead of a typed figure: those whose value has it, else how to add one."""
    having = prose.facts_with(figure, facts)
    if having:
        return "use a fact: " + " or ".join(f"{{fact:{f}}}" for f in having)
    example = prose.EXAMPLE_DATE_FACT if noun == "date" else prose.EXAMPLE_FACT
    return f"put it in standards/vocabularies/facts.yaml and cite it as {{fact:ID}}, e.g. {{fact:{example}}}"


def _not_in_force(ref: str, status: str) -> str:
    if status == "proposed":
        return (
            f"'{ref}' is a proposed legal basis, not the law today, and cannot be a standard's legal basis (describe it in what_may_change)"
        )
    return f"'{ref}' is a {status} legal basis, no longer the law, and cannot be a standard's legal basis"


_QUANTITY_LIMITS = {
    "sessions_per_week": (25, "five sessions a day"),
    "minutes_per_session": (390, "a whole school day"),
    "weeks_per_year": (52, "a whole year"),
    "group_size": (12, "beyond that it is not a small group"),
}
"""The most each quantity of a provision record may be: five sessions a day, a school day, a year, a small group."""


def provision_problems(vocab: Vocabularies, data: dict[str, Any], tier: str, bad: Callable[[Any, str], None]) -> None:
    """A standard's quantified provision: known providers and rates, sound quantities, and a typical cost per pupil
    that its payers can meet (builder/cost.py works it out)."""
    from . import cost, model  # cost imports the model only; kept here so the schema-only paths stay light

    records = data.get("provision", [])
    if records and "not_quantified" in data:
        bad("not_quantified", "this standard has provision records, so it needs no reason for having none: leave not_quantified out")
    elif "not_quantified" in data and tier == "universal":
        bad("not_quantified", "universal standards are not quantified, so they need no reason: leave not_quantified out")
    if not records:
        return
    for j, rec in enumerate(records):
        role = rec["provider"]
        if role not in vocab.providers:
            bad(("provision", j, "provider"), f"unknown provider '{role}' {_known('providers', vocab.providers)}")
        elif role not in data["who_provides"]:
            bad(("provision", j, "provider"), f"'{role}' delivers this provision, so who_provides must name it too")
        for name, (most, why) in _QUANTITY_LIMITS.items():
            value = rec.get(name)
            pair = value if isinstance(value, list) else [value] if value is not None else []
            if len(pair) == 2 and pair[0] > pair[1]:
                bad(("provision", j, name), f"the range [{pair[0]}, {pair[1]}] runs the wrong way (write [low, high])")
            for found in pair:
                if found > most:
                    bad(("provision", j, name), f"{found} is more than {most}, the most it can be ({why})")
        if "group_size" in rec and rec["group"] != "small-group":
            bad(("provision", j, "group_size"), f"only a small group has a group size ({rec['group']} provision has none: leave it out)")
        elif rec["group"] == "small-group" and min(rec["group_size"] if isinstance(rec["group_size"], list) else [rec["group_size"]]) < 2:
            bad(("provision", j, "group_size"), "a small group has at least 2 pupils (for one pupil, write group: one-to-one)")
        if rec.get("rate") and rec["rate"] not in vocab.rates:
            bad(("provision", j, "rate"), f"unknown rate '{rec['rate']}' {_known('rates', vocab.rates)}")
        if tier == "universal" and rec["group"] in cost.PER_PUPIL_GROUPS:
            bad(
                ("provision", j, "group"),
                f"universal provision carries no per-pupil cost or top-up: {rec['group']} support belongs in a targeted or higher standard",
            )
    standard = model.build(model.Standard, data)
    reason = cost.payers_problem(standard, vocab.rates, vocab.facts, vocab.providers, vocab.funding_streams)
    if reason:
        bad("provision", reason)


def check_standard(
    vocab: Vocabularies,
    doc: Document,
    index: int,
    data: dict[str, Any],
    *,
    folder_area: str | None,
    file_phase: str | None,
    id_prefix: str | None,
    key: str = "standards",
) -> list[Problem]:
    """The rules beyond the schema for one standard that already passed it."""
    at = (key, index)  # key: "standards", or "local_standards" in a council's overlay
    out: list[Problem] = []

    def bad(field: str | tuple[str | int, ...], message: str) -> None:
        out.append(doc.problem(at + ((field,) if isinstance(field, str) else field), message))

    sid, area, phase, tier = data["id"], data["area"], data["phase"], data["tier"]
    if folder_area is not None and area != folder_area:
        bad("area", f"'{area}' does not match the file's folder '{folder_area}' (move the standard, or change its area)")
    if file_phase is not None and phase != file_phase:
        bad("phase", f"'{phase}' does not match the file's name '{file_phase}.yaml' (move the standard, or change its phase)")
    if id_prefix is not None and not sid.startswith(id_prefix):
        bad("id", f"'{sid}' must start with '{id_prefix}' (area code, then phase code)")

    for field, table, kind in (
        ("who_provides", vocab.providers, "providers"),
        ("legal_basis", vocab.legal_bases, "legal bases"),
        ("evidence", vocab.evidence, "evidence"),
        ("settings", vocab.settings, "settings"),
    ):
        for j, ref in enumerate(data.get(field, [])):
            if ref not in table:
                noun = {"providers": "provider", "legal bases": "legal basis", "evidence": "evidence", "settings": "setting"}[kind]
                bad((field, j), f"unknown {noun} '{ref}' {_known(kind, table)}")
    for j, ref in enumerate(data["legal_basis"]):
        basis = vocab.legal_bases.get(ref)
        if basis is not None and not basis.in_force:
            bad(("legal_basis", j), _not_in_force(ref, basis.status))
    for j, setting in enumerate(data.get("settings", [])):
        if setting in vocab.settings and vocab.settings[setting].phase != phase:
            bad(("settings", j), f"setting '{setting}' belongs to the {vocab.settings[setting].phase} phase, not {phase}")

    streams = vocab.funding_streams
    current = [s for s in streams if streams[s].current]
    payers = []
    for j, ref in enumerate(data["who_pays"]):
        stream = streams.get(ref)
        if stream is None:
            bad(("who_pays", j), f"unknown funding stream '{ref}' {_known('funding streams', current)}")
        elif not stream.current:
            why = "not current law" if stream.status == "proposed" else "no longer paid"
            bad(
                ("who_pays", j),
                f"'{ref}' is a {stream.status} funding stream, {why}, and cannot pay for a standard {_known('current streams', current)}",
            )
        elif phase not in stream.phases:
            bad(("who_pays", j), f"'{ref}' may not fund the {phase} phase (it funds: {', '.join(stream.phases)})")
        elif tier not in stream.tiers:
            bad(("who_pays", j), f"'{ref}' may not fund {tier} standards (it funds: {', '.join(stream.tiers)})")
        else:
            payers.append(stream)

    settings = [s for s in data.get("settings", []) if s in vocab.settings]
    if settings and len(payers) == len(data["who_pays"]):
        for j, setting in enumerate(data.get("settings", [])):
            if setting in vocab.settings and not any(p.funds_setting(setting) for p in payers):
                able = [s.id for s in streams.values() if s.current and setting in s.settings]
                bad(("settings", j), f"no payer in who_pays may fund a {setting} setting (streams that may: {', '.join(able)})")
        for j, stream in enumerate(payers):
            if stream.settings and not set(stream.settings) & set(settings):
                bad(("who_pays", j), f"'{stream.id}' funds none of this standard's settings (it funds: {', '.join(stream.settings)})")

    groups = {vocab.providers[p].group for p in data["who_provides"] if p in vocab.providers}
    holders = {"setting" if p.paid_to_setting else p.holder_type for p in payers}
    if payers and len(payers) == len(data["who_pays"]):
        if groups == {"setting"} and "setting" not in holders:
            bad(
                "who_pays",
                "every provider is the setting's own staff, so a setting budget must pay (e.g. school-core-budget, notional-sen-budget, early-years-entitlement, senif, sixteen-to-nineteen-funding)",
            )
        if groups == {"nhs"} and not holders & {"nhs", "council"}:
            bad("who_pays", "every provider is an NHS role, so an NHS or council budget must pay (e.g. icb-health, public-health-nursing)")

    change = data.get("what_may_change")
    if change is not None:
        proposals = [i for i in (*vocab.legal_bases, *vocab.funding_streams) if vocab.proposal(i)]
        for j, ref in enumerate(change["proposals"]):
            entry = vocab.legal_bases.get(ref) or vocab.funding_streams.get(ref)
            if entry is None:
                bad(("what_may_change", "proposals", j), f"unknown proposal '{ref}' {_known('proposals', proposals)}")
            elif entry.status != "proposed":
                noun = "legal basis" if ref in vocab.legal_bases else "funding stream"
                article = "an" if entry.status[0] in "aeiou" else "a"
                bad(
                    ("what_may_change", "proposals", j),
                    f"'{ref}' is {article} {entry.status} {noun}, not a proposal {_known('proposals', proposals)}",
                )
    provision_problems(vocab, data, tier, bad)
    out.extend(prose_problems(doc, at, {k: v for k, v in data.items() if k != "what_may_change"}, vocab.facts))
    if change is not None:
        out.extend(prose_problems(doc, (*at, "what_may_change"), change, vocab.facts, phrases=False))

    reviewed, due = data["last_reviewed"], data["review_due"]
    if dt.date.fromisoformat(due) <= dt.date.fromisoformat(reviewed):
        bad("review_due", f"{due} must be after last_reviewed {reviewed}")
    return out
