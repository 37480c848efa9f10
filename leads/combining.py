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

Score, grading and handling: ``leads.scoring.score_lead`` and ``lead_grading`` over all hits
(highest base score plus a capped bonus per extra distinct rule, grading of the union of the
evidence, corroboration by independent agencies, every rule's extra terms, recency), and the
most restrictive handling of the union of the evidence (``combine_handling``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from fusion.contract import Agency, Lead, LeadId
from fusion.memo import per_object
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


@per_object(4096)
def group_key_of(finding: Finding) -> str | None:
    """The entity key under which ``finding`` combines with other hits (module docstring).
    Once per finding (findings are frozen): a busy entity's hits are planned again with every
    new hit."""
    if finding.group_key:
        return finding.group_key
    keyed = [a for a in finding.anchors if ":" in a and not is_event_key(a)]
    entities = [a for a in keyed if a.partition(":")[0] in ENTITY_KINDS]
    return next(iter(entities or keyed), None)


@per_object(4096)
def hit_time(finding: Finding) -> dt.datetime:
    """When the rule could fire: the newest evidence event (once per finding)."""
    return max(e.occurred_at for e in finding.evidence)


@dataclass(frozen=True, slots=True)
class PlannedLead:
    """A lead before it is assembled: which hits it takes (oldest first), its id and its
    revision. Planning is cheap; assembling (score, grading, handling, the ``Lead`` model)
    is not, so a caller that needs only some leads (``leads.recent_hits``: those that gained
    a hit) plans them all and assembles those."""

    lead_id: LeadId
    key: str | None
    """The group key; None for a hit that stands alone."""
    hits: tuple[Finding, ...]
    at: dt.datetime
    """The first hit's time."""

    @property
    def revision(self) -> int:
        return len(self.hits)


def combine_findings(
    findings: Sequence[Finding],
    *,
    now: dt.datetime,
    horizon: dt.timedelta = DEFAULT_HORIZON,
) -> list[Lead]:
    """One lead per entity and horizon; the input order does not matter.

    Leads come out ordered by their first hit's time, then lead id.
    """
    return [assemble(plan, now=now) for plan in plan_leads(findings, horizon=horizon)]


def plan_leads(findings: Sequence[Finding], *,
               horizon: dt.timedelta = DEFAULT_HORIZON) -> list[PlannedLead]:
    """The leads ``combine_findings`` makes of ``findings``, planned, in the same order."""
    # Each hit's group key and order worked out once: a busy entity's hits are planned
    # again with every new hit.
    ranked: dict[tuple[str | None, str, tuple[str, ...]], tuple[str, Order, Finding]] = {}
    for finding in findings:
        key, order = group_key_of(finding), _order(finding)
        identity = (key, order[1], order[2])
        kept = ranked.get(identity)
        if kept is None or order < kept[1]:  # the same hit twice counts once: the first
            ranked[identity] = (key or "", order, finding)
    plans: list[PlannedLead] = []
    for key, members in groupby(sorted(ranked.values(), key=lambda r: r[:2]), key=lambda r: r[0]):
        hits = [(order[0], finding) for _, order, finding in members]
        if not key:
            plans.extend(PlannedLead(make_lead_id(f.rule.rule_id, anchors=f.anchors), None, (f,),
                                     at) for at, f in hits)
            continue
        for window in _windows(hits, horizon):
            at, first = window[0]
            plans.append(PlannedLead(
                make_lead_id(first.rule.rule_id, anchors=(*first.anchors, key)), key,
                tuple(f for _, f in window), at))
    return sorted(plans, key=lambda plan: (plan.at, plan.lead_id))


def assemble(plan: PlannedLead, *, now: dt.datetime) -> Lead:
    """The lead ``plan`` describes; ``now`` is when it is generated."""
    if plan.key is None:
        return build_lead(plan.hits[0], now=now)
    return _lead(plan.key, plan.lead_id, list(plan.hits), now=now)


def _identity(finding: Finding) -> tuple[str, tuple[str, ...]]:
    return finding.rule.rule_id, tuple(sorted(set(finding.anchors)))


Order = tuple[dt.datetime, str, tuple[str, ...], int, str, str, str]


def _order(finding: Finding) -> Order:
    """A total order on hits, so the result never depends on the input order."""
    rule_id, anchors = _identity(finding)
    return (hit_time(finding), rule_id, anchors, finding.rule.version, finding.explanation,
            finding.title, finding.summary)


def _windows(hits: list[tuple[dt.datetime, Finding]], horizon: dt.timedelta
             ) -> list[list[tuple[dt.datetime, Finding]]]:
    """Hits (with their times, oldest first) cut into runs that each lie within ``horizon``
    of their first."""
    windows: list[list[tuple[dt.datetime, Finding]]] = []
    for hit in hits:
        if windows and hit[0] - windows[-1][0][0] <= horizon:
            windows[-1].append(hit)
        else:
            windows.append([hit])
    return windows


def _lead(key: str, lead_id: LeadId, hits: list[Finding], *, now: dt.datetime) -> Lead:
    first = hits[0]
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
