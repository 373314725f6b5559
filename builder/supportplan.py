"""The pupil support plan: what the plan page (teachers/support-plan/) needs from the edition, made at build time.

The plan itself lives only in the reader's browser (docs/assets/javascripts/plan.js); nothing here sees it. The
build writes one script, assets/javascripts/support-plan-data.js, with each standard's title, adjustments, who
provides, who pays, how often and a fingerprint of its content, so the page works from a file or a server with no
request beyond the site. An exported plan records the edition and each standard's fingerprint: reopened against a
later edition, a standard whose fingerprint differs is "changed since", one whose id is gone "no longer in this
edition". Its format is standards/schema/support-plan.schema.json, published with the open data.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from . import prose
from .edition import Edition
from .model import Standard
from .views import provision_summary

DATA_SCRIPT = "assets/javascripts/support-plan-data.js"
"""Where the build writes the plan page's data, relative to the site."""
SCHEMA = "support-plan.schema.json"
"""The exported plan's JSON Schema, in standards/schema/ and published under data/."""
FORMAT = "oap-support-plan"
FORMAT_VERSION = 1


def fingerprint(edition: Edition, s: Standard) -> str:
    """A short digest of what a plan takes from a standard (not its review dates, which change without its content)."""
    v = edition.vocab
    content = {
        "title": s.title,
        "area": s.area,
        "phase": s.phase,
        "tier": s.tier,
        "summary": s.summary,
        "adjustments": list(s.adjustments),
        "who_provides": [v.providers[i].name for i in s.who_provides],
        "who_pays": [v.funding_streams[i].name for i in s.who_pays],
        "how_often": provision_summary(edition, s),
        "access_route": s.access_route,
    }
    text = json.dumps(content, ensure_ascii=False, sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def plan_data(edition: Edition) -> dict[str, Any]:
    """What the plan page reads: the edition and every standard, by id."""
    v = edition.vocab

    def text(value: str) -> str:
        return prose.plain_text(value, v.facts)

    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "edition": {"title": edition.title, "version": edition.version, "date": edition.date.isoformat()},
        "standards": {
            s.id: {
                "title": s.title,
                "url": f"standards/{s.area}/{s.phase}/#{s.id}",
                "tier": v.tiers[s.tier].name,
                "phase": v.phases[s.phase].name,
                "adjustments": [text(a) for a in s.adjustments],
                "who_provides": [v.providers[i].name for i in s.who_provides],
                "who_pays": [v.funding_streams[i].name for i in s.who_pays],
                "how_often": text(provision_summary(edition, s)),
                "fingerprint": fingerprint(edition, s),
            }
            for s in edition.corpus.standards
        },
    }


def plan_data_script(edition: Edition) -> bytes:
    """plan_data as a script that sets window.OAP_PLAN_DATA (a script, not a fetch: it works from file:// too)."""
    body = json.dumps(plan_data(edition), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    body = body.replace("<", "\\u003c")  # nothing in the data can end the script early, wherever it is inlined
    return f"/* The pupil support plan's data (builder/supportplan.py): made by the build, do not edit. */\nwindow.OAP_PLAN_DATA = {body};\n".encode()
