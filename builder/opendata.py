"""Open data: every standard as JSON with the YAML field names, the schemas, and a council's services in the shape of
Open Referral UK."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import uuid
from typing import Any

from . import changes, cost, prose
from .council import Council
from .edition import Edition
from .model import Provision, Standard, Vocabularies
from .validate import schema
from .views import no_cost

ORUK_SCHEMA = "oruk-services.schema.json"
SCHEMAS = ("standards-file.schema.json", "vocabulary-file.schema.json", "council.schema.json", "support-plan.schema.json")
"""The schemas published under data/ in every edition."""
_ORUK_NAMESPACE = uuid.UUID("6f0b7c2e-4a8d-5b1e-9c3f-0a4d2e8b7c61")
"""Fixed namespace for the Open Referral ids, so a service keeps its id from build to build."""


def data_files(edition: Edition, *, entries: dict[str, Any] | None = None) -> dict[str, bytes]:
    """Every open-data file of the edition, by its path under the site (entries: see standards_doc)."""
    files = {"data/standards.json": standards_json(edition, entries=entries)}
    if edition.changes is not None:
        files["data/changes.json"] = json_bytes(edition.changes.as_json())
    for name in SCHEMAS:
        files[f"data/{name}"] = json_bytes(schema(name))
    if edition.council is not None:
        files["data/oruk/services.json"] = json_bytes(oruk_services(edition.council, edition.vocab))
        files[f"data/{ORUK_SCHEMA}"] = json_bytes(schema(ORUK_SCHEMA))
    return files


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode()


def standard_facts(s: Standard) -> set[str]:
    """The ids of the facts a standard cites anywhere in its text."""
    return {i for _, text in prose.strings(dataclasses.asdict(s)) for i in prose.fact_ids(text)}


def standards_json(edition: Edition, *, entries: dict[str, Any] | None = None) -> bytes:
    """The open-data export: every standard with the YAML field names; references as objects with id and name.

    With entries (the preview), each reused entry's JSON text is reused too: written out with indentation, the file
    was a tenth of a preview's rebuild. The text is what json_bytes writes for the whole (tests/test_preview.py)."""
    if entries is None:
        return json_bytes(standards_doc(edition))
    texts: dict[int, tuple[Any, str]] = entries.pop(_TEXTS, {})
    doc = standards_doc(edition, entries=entries)
    made: dict[int, tuple[Any, str]] = {}
    parts = []
    for entry in doc["standards"]:
        kept = texts.get(id(entry))
        if kept is None or kept[0] is not entry:  # the same entry object, reused by standards_doc: the same text
            # An entry sits two levels deep in the file: every line but its first moves right by two indents.
            kept = (entry, json.dumps(entry, indent=2, ensure_ascii=False).replace("\n", "\n    "))
        made[id(entry)] = kept
        parts.append(kept[1])
    entries[_TEXTS] = made
    marker = "\0standards\0"
    text = json.dumps({**doc, "standards": marker}, indent=2, ensure_ascii=False)
    quoted = json.dumps(marker)
    if not parts or text.count(quoted) != 1:
        return json_bytes(doc)
    return (text.replace(quoted, "[\n    " + ",\n    ".join(parts) + "\n  ]") + "\n").encode()


_TEXTS = "\0json"
"""Where standards_json keeps its entries' JSON text in entries (no standard's key looks like it)."""


def standards_doc(edition: Edition, *, entries: dict[str, Any] | None = None) -> dict[str, Any]:
    """data/standards.json before it is written as JSON.

    entries, when given (the preview keeps it from one rebuild to the next), holds each standard's entry from the last
    call, reused while the standard, the vocabularies and the council are the same; it is left holding this call's."""
    corpus, v = edition.corpus, edition.vocab
    setting = hashlib.sha1(f"{v!r}\0{edition.council!r}".encode("utf-8", "surrogatepass")).hexdigest() if entries is not None else ""
    made: dict[str, Any] = {}

    def named(table: dict[str, Any], ids: tuple[str, ...], *extra: str) -> list[dict[str, Any]]:
        return [{"id": i, "name": table[i].name, **{k: getattr(table[i], k) for k in extra}} for i in ids]

    def text(value: str) -> str:
        return prose.plain_text(value, v.facts)

    items = []
    for s in corpus.standards:
        key = f"{setting} {s!r}"
        if entries is not None and key in entries:
            items.append(made.setdefault(key, entries[key]))
            continue
        change = s.what_may_change
        items.append(
            {
                "id": s.id,
                "title": s.title,
                "area": s.area,
                "phase": s.phase,
                "tier": s.tier,
                "settings": list(s.settings),
                "need_types": list(s.need_types),
                "summary": text(s.summary),
                "for_families": text(s.for_families),
                "signs": [text(t) for t in s.signs],
                "adjustments": [text(t) for t in s.adjustments],
                "who_provides": named(v.providers, s.who_provides, "group"),
                "who_pays": named(v.funding_streams, s.who_pays, "budget_holder"),
                "funding_note": text(s.funding_note) or None,
                "access_route": text(s.access_route) or None,
                "provision": [_provision(edition, r) for r in s.provision],
                "typical_annual_cost_per_pupil": _cost(edition, s),
                "cost_not_worked_out": no_cost(edition, s) if s.provision and edition.cost(s) is None else None,
                "what_may_change": {
                    "text": text(change.text),
                    "proposals": [{"id": i, "name": p.name, "status": p.status} for i in change.proposals if (p := v.proposal(i))],
                }
                if change
                else None,
                "facts": sorted(standard_facts(s)),
                "legal_basis": named(v.legal_bases, s.legal_basis, "citation", "statutory", "status"),
                "evidence": named(v.evidence, s.evidence, "publisher", "year"),
                "search_words": list(s.search_words),
                "last_reviewed": s.last_reviewed.isoformat(),
                "review_due": s.review_due.isoformat(),
                "local": s.local,
                "url": f"standards/{s.area}/{s.phase}/#{s.id}",
            }
        )
        if edition.council is not None:  # a council's notes are added under the national standard, marked local
            items[-1]["local_notes"] = [
                {"council": edition.council.name, "local": True, "markdown": n.text, "html": str(n.html)} for n in edition.notes_for(s.id)
            ]
        made[key] = items[-1]
    if entries is not None:
        entries.clear()
        entries.update(made)
    doc = {
        "edition": {
            "title": edition.title,
            "version": edition.version,
            "date": edition.date.isoformat(),
            "publisher": edition.publisher,
            **({"council": {"name": edition.council.name, "slug": edition.council.slug}} if edition.council else {}),
        },
        "schema": "standards-file.schema.json",
        "format_version": changes.FORMAT_VERSION,  # raised only when a field changes meaning or shape
        "count": len(items),
        "standards": items,
        "rates": [
            {
                "id": r.id,
                "name": r.name,
                "providers": list(r.providers),
                "amount": r.amount,
                "currency": "GBP",
                "per": "hour",
                "covers": r.covers,
                "applies": r.applies,
                "source": r.source,
                "url": r.url or None,
                "review_by": r.review_by.isoformat(),
                "local": r.local,
            }
            for r in edition.rates.values()
        ],
        "facts": [
            {
                "id": f.id,
                "value": f.value,
                "applies": f.applies,
                "description": f.description,
                "source": f.source,
                "url": f.url or None,
                "review_by": f.review_by.isoformat(),
            }
            for f in v.facts.values()
        ],
    }
    return doc


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _provision(edition: Edition, record: Provision) -> dict[str, Any]:
    """One provision record with its quantities as [low, high] pairs, the rate that prices it and its cost."""
    rate = edition.rate_for(record)
    exact = cost.record_cost(record, rate.amount) if rate else None
    return {
        "provider": {"id": record.provider, "name": edition.vocab.providers[record.provider].name},
        "group": record.group,
        "group_size": list(record.group_size) if record.group == "small-group" else None,
        "sessions_per_week": list(record.sessions_per_week),
        "minutes_per_session": list(record.minutes_per_session),
        "weeks_per_year": list(record.weeks_per_year),
        "training": record.training or None,
        "basis": record.basis,
        "rate": rate.id if rate and record.group in cost.PER_PUPIL_GROUPS else None,
        "annual_cost_per_pupil": [cost.whole_pounds(exact[0]), cost.whole_pounds(exact[1])] if exact else None,
    }


def _cost(edition: Edition, s: Standard) -> dict[str, Any] | None:
    """The standard's typical annual cost per pupil, in whole pounds, or None where it is not worked out."""
    total = edition.cost(s)
    if total is None:
        return None
    return {"low": total.low, "high": total.high, "currency": "GBP", "rounding": "nearest whole pound, halves up, once, on the total"}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_ORUK_NAMESPACE, "/".join(parts)))


def _compact(value: dict[str, Any]) -> dict[str, Any]:
    """Leave out empty optional fields rather than writing null or empty text."""
    return {k: v for k, v in value.items() if v not in (None, "", [], {})}


def oruk_services(council: Council, vocab: Vocabularies) -> dict[str, Any]:
    """The council's services as an Open Referral UK 3.0 shaped page of services."""
    org = _compact(
        {
            "id": _uuid("organization", council.slug),
            "name": council.name,
            "description": f"{council.name}: services in its Local Offer for children and young people with SEND.",
            "website": council.website,
        }
    )
    items = []
    for svc in council.services:
        # A service from the council's directory keeps the directory's id, so the two publish it as one service.
        sid = svc.oruk_id.lower() if _UUID.fullmatch(svc.oruk_id.lower()) else _uuid("service", council.slug, svc.id)
        attributes = [
            _attribute(
                sid,
                "eligibility",
                "need-type",
                n,
                vocab.need_types[n].name if n in vocab.need_types else n,
                "School census SEN need types (OAP vocabularies/need-types.yaml)",
            )
            for n in svc.need_types
        ]
        attributes += [
            _attribute(
                sid,
                "audience",
                "phase",
                p,
                vocab.phases[p].name if p in vocab.phases else p,
                "Phases of education (OAP vocabularies/phases.yaml)",
            )
            for p in svc.phases
        ]
        contacts = [
            _compact(
                {
                    "id": _uuid("contact", council.slug, svc.id, str(j)),
                    "name": c.name,
                    "email": c.email,
                    "phones": [{"id": _uuid("phone", council.slug, svc.id, str(j)), "number": c.phone}] if c.phone else [],
                }
            )
            for j, c in enumerate(svc.contacts)
        ]
        items.append(
            _compact(
                {
                    "id": sid,
                    "name": svc.name,
                    "description": svc.description,
                    "url": svc.url,
                    "status": "active",
                    "organization": org,
                    "contacts": contacts,
                    "attributes": attributes,
                }
            )
        )
    n = len(items)
    return {
        "total_items": n,
        "total_pages": 1,
        "page_number": 1,
        "size": n,
        "first_page": True,
        "last_page": True,
        "empty": n == 0,
        "contents": items,
    }


def _attribute(service_id: str, link_type: str, taxonomy: str, code: str, name: str, label: str) -> dict[str, Any]:
    term_id = _uuid("taxonomy", taxonomy, code)
    return {
        "id": _uuid("attribute", service_id, taxonomy, code),
        "link_id": service_id,
        "link_type": link_type,
        "link_entity": "service",
        "taxonomy_term_id": term_id,
        "taxonomy_term": {"id": term_id, "code": code, "name": name, "term": name, "taxonomy": label},
    }
