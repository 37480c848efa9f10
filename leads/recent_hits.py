"""Combining rule hits on one entity across batches: the recent hits of one group key, kept
as plain JSON, and which leads a new hit (re)issues (pure: ``now`` is passed in).

``leads.combining`` turns hits into leads; a stream sees the hits one batch
at a time, so the correlate stage keeps, per group key, the hits of that key's latest lead
(``hits/<group key>`` in its partition's state) and hands them here with the new ones. Only
the leads that are new or gained a hit come out: the first hit gives revision 1 (the very
lead ``build_lead`` gives it), each further hit on the same entity within the horizon
re-issues that lead with the next revision, and a hit past the horizon opens the next lead.
Hits of earlier leads are dropped from the state: a lead's window is fixed by its first hit,
and hits arrive in event-time order (the engine releases them so), so only the latest lead
of a key can still grow. The state says until when (``until``, event time); once the
watermark has passed it the state can go (``expired``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from fusion.contract import Lead
from leads.combining import DEFAULT_HORIZON, assemble, group_key_of, hit_time, plan_leads
from rules.engine.windows import event_json
from rules.findings import Finding

_FINDING = TypeAdapter(Finding)
_FINDINGS = TypeAdapter(list[Finding])
_EVIDENCE = {"evidence"}
_FIELDS = tuple(field.name for field in dataclasses.fields(Finding))
JsonDict = dict[str, Any]


def combine_recent(
    stored: JsonDict | None,
    new: Sequence[Finding],
    *,
    now: dt.datetime,
    horizon: dt.timedelta = DEFAULT_HORIZON,
) -> tuple[JsonDict, list[Lead]]:
    """``stored``: this key's state (None for none); ``new``: hits on this key. Returns the
    new state and the leads to send (new ones, or a higher revision of an earlier one)."""
    old_json: list[Any] = list(stored["hits"]) if stored else []
    carried = stored["hits"] if stored else None
    if isinstance(carried, StoredHits):  # parsed when it was stored: no validation
        old = carried.findings
    else:  # read back from a changelog: parsed once, then carried
        old = _FINDINGS.validate_python(old_json)
    before = {plan.lead_id: plan.revision for plan in plan_leads(old, horizon=horizon)}
    everything = [*old, *new]
    changed = [assemble(plan, now=now) for plan in plan_leads(everything, horizon=horizon)
               if plan.revision > before.get(plan.lead_id, 0)]
    latest = _latest_lead_hits(everything, horizon)
    json_of = {id(hit): data for hit, data in zip(old, old_json, strict=True)}
    until = (hit_time(latest[0]) + horizon).timestamp()
    return {"hits": StoredHits([json_of.get(id(hit)) or finding_json(hit) for hit in latest],
                               latest),
            "until": until}, changed


def finding_json(finding: Finding) -> JsonDict:
    """``finding`` as JSON data (what ``_FINDINGS`` reads back), its evidence written by
    ``event_json``: the events' JSON that rule state already made, not made again."""
    data = _FINDING.dump_python(finding, mode="json", exclude=_EVIDENCE)
    evidence = [event_json(event) for event in finding.evidence]
    return {name: evidence if name == "evidence" else data[name] for name in _FIELDS}


class StoredHits(list[Any]):
    """The JSON of a key's recent hits, as the state and its changelog hold them, that also
    carries the parsed findings while in memory (``findings``), as ``rules.engine.windows.
    EventJson`` carries an event: a new hit on a busy entity then neither re-validates nor
    re-dumps the earlier ones with all their evidence, which made each hit cost in
    proportion to the hits before it. JSON encoders write it as the plain list it is."""

    __slots__ = ("findings",)

    def __init__(self, data: list[Any], findings: list[Finding]) -> None:
        super().__init__(data)
        self.findings = findings


def expired(state: JsonDict, watermark: float) -> bool:
    """Whether no hit can join this key's latest lead any more: its horizon ends before the
    watermark (a hit is released at about the watermark, so it would open the next lead,
    which needs none of these hits)."""
    return float(state.get("until", float("inf"))) < watermark


def _latest_lead_hits(hits: list[Finding], horizon: dt.timedelta) -> list[Finding]:
    """The hits of the latest lead: from the first hit of the last window on (the windows
    ``combine_findings`` cuts: each starts at a hit more than ``horizon`` after the previous
    window's first hit), each hit once (a replayed hit is the same rule on the same anchors)."""
    unique = {(h.rule.rule_id, tuple(sorted(set(h.anchors)))): h for h in reversed(hits)}
    ordered = sorted(unique.values(), key=hit_time)
    start = 0
    for i, hit in enumerate(ordered):
        if hit_time(hit) - hit_time(ordered[start]) > horizon:
            start = i
    return ordered[start:]


def keyed(findings: Sequence[Finding]) -> tuple[dict[str, list[Finding]], list[Finding]]:
    """Findings by the group key they combine under, and those that stand alone."""
    by_key: dict[str, list[Finding]] = {}
    alone: list[Finding] = []
    for finding in findings:
        key = group_key_of(finding)
        if key is None:
            alone.append(finding)
        else:
            by_key.setdefault(key, []).append(finding)
    return by_key, alone
