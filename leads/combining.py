"""Several rule hits on one entity become one lead (pure: ``now`` is passed in).

Group key of a hit (``group_key_of``): ``Finding.group_key`` if set; otherwise the first of its
anchors that is an entity key (``kind:...``, not an event key ``AGENCY/event_id``), preferring
the kinds ``entity_keys`` makes (vehicle, vin, document, container, firearm, phone,
conveyance) over any other keyed anchor such as ``watchlist:HSI/E1``. A hit with no group key
stands alone: its lead is exactly ``build_lead``'s.

Time of a hit: its newest evidence event (when the rule could fire). Within a group, hits are
taken oldest first (ties: rule id, then anchors), and the same hit twice (same rule id and
anchors) counts once. A lead takes every hit within ``horizon`` (default 24 h) of its first
hit; the first hit after that opens the next lead of the group.

Identity: ``lead_id = make_lead_id(first hit's rule id, anchors=first hit's anchors + group
key)``; ``revision`` = the number of distinct hits in the lead. Rule-engine findings already
carry their group key among their anchors, so a lead that starts with one hit has exactly the
id ``build_lead`` gives that hit, and keeps it as second, third ... hits arrive, each re-issue
raising the revision by one. The id is stable as long as no hit older than the lead's first hit
arrives later (such a hit becomes the first hit and re-keys the lead).

Score, grading and handling: ``rules.scoring.score_lead`` and ``lead_grading`` over all hits
(highest base score plus a capped bonus per extra distinct rule, grading of the union of the
evidence, corroboration by independent agencies, every rule's extra terms, recency), and the
most restrictive handling of the union of the evidence (``combine_handling``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import groupby

from fusion.contract import Agency, Lead
from leads.building import assemble_lead, build_lead
from leads.lead_ids import make_lead_id
from rules.findings import Finding

DEFAULT_HORIZON = dt.timedelta(hours=24)
ENTITY_KINDS = ("vehicle", "vin", "document", "container", "firearm", "phone", "conveyance")
TITLE_LIMIT = 200
SUMMARY_LIMIT = 4000
_AGENCIES = frozenset(a.value for a in Agency)


def is_event_key(anchor: str) -> bool:
    """``CBP-OFO/x-1`` is an event key; ``vehicle:US-TX:ABC1`` and ``watchlist:HSI/E1`` are not."""
    agency, slash, _ = anchor.partition("/")
    return bool(slash) and agency in _AGENCIES


def group_key_of(finding: Finding) -> str | None:
    """The entity key under which ``finding`` combines with other hits (module docstring)."""
    if finding.group_key:
        return finding.group_key
    keyed = [a for a in finding.anchors if ":" in a and not is_event_key(a)]
    entities = [a for a in keyed if a.partition(":")[0] in ENTITY_KINDS]
    return next(iter(entities or keyed), None)


def hit_time(finding: Finding) -> dt.datetime:
    """When the rule could fire: the newest evidence event."""
    return max(e.occurred_at for e in finding.evidence)


def combine_findings(
    findings: Sequence[Finding],
    *,
    now: dt.datetime,
    horizon: dt.timedelta = DEFAULT_HORIZON,
) -> list[Lead]:
    """One lead per entity and horizon; the input order does not matter.

    Leads come out ordered by their first hit's time, then lead id.
    """
    unique: dict[tuple[str | None, str, tuple[str, ...]], Finding] = {}
    for finding in sorted(findings, key=_order):
        unique.setdefault((group_key_of(finding), *_identity(finding)), finding)
    ranked = sorted(unique.values(), key=lambda f: (group_key_of(f) or "", _order(f)))
    leads: list[tuple[dt.datetime, Lead]] = []
    for key, members in groupby(ranked, key=group_key_of):
        hits = list(members)
        if key is None:
            leads.extend((hit_time(f), build_lead(f, now=now)) for f in hits)
            continue
        for window in _windows(hits, horizon):
            leads.append((hit_time(window[0]), _lead(key, window, now=now)))
    return [lead for _, lead in sorted(leads, key=lambda pair: (pair[0], pair[1].lead_id))]


def _identity(finding: Finding) -> tuple[str, tuple[str, ...]]:
    return finding.rule.rule_id, tuple(sorted(set(finding.anchors)))


def _order(finding: Finding) -> tuple[dt.datetime, str, tuple[str, ...], int, str, str, str]:
    """A total order on hits, so the result never depends on the input order."""
    rule_id, anchors = _identity(finding)
    return (hit_time(finding), rule_id, anchors, finding.rule.version, finding.explanation,
            finding.title, finding.summary)


def _windows(hits: list[Finding], horizon: dt.timedelta) -> list[list[Finding]]:
    """Hits (oldest first) cut into runs that each lie within ``horizon`` of their first."""
    windows: list[list[Finding]] = []
    for hit in hits:
        if windows and hit_time(hit) - hit_time(windows[-1][0]) <= horizon:
            windows[-1].append(hit)
        else:
            windows.append([hit])
    return windows


def _lead(key: str, hits: list[Finding], *, now: dt.datetime) -> Lead:
    first = hits[0]
    lead_id = make_lead_id(first.rule.rule_id, anchors=(*first.anchors, key))
    if len(hits) == 1:
        title, summary = first.title, first.summary
    else:
        label = key.replace(":", " ")
        rules = list(dict.fromkeys(f.rule.rule_id for f in hits))
        title = f"{label}: {len(hits)} hits of {len(rules)} rule(s): " + "; ".join(
            dict.fromkeys(f.rule.title for f in hits))
        summary = (f"{len(hits)} rule hits on {label} ({', '.join(rules)}) from "
                   f"{hit_time(first).isoformat()} to {hit_time(hits[-1]).isoformat()}, "
                   "combined into one lead.\n" + "\n".join(f"- {f.summary}" for f in hits))
    return assemble_lead(hits, lead_id=lead_id, revision=len(hits), now=now,
                         title=_clip(title, TITLE_LIMIT), summary=_clip(summary, SUMMARY_LIMIT))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
