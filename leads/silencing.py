"""Silences (pure): which active silence, if any, withholds a lead from a recipient.

``matching_silence`` is asked by the dispatcher for each decision that would send: the first
active silence (by id) whose every set matcher matches the lead and the recipient. Active
means ``starts_at <= now < ends_at`` on the dispatcher's wall clock, so a silence ends by
itself and leads decided after its end go out again. The dispatcher audits a withheld copy
as ``withheld-silenced`` naming the silence: a silence never drops a lead unseen. The chain
of silence changes is ``leads/silence_chain.py``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from fusion.contract import Agency, Lead
from fusion.contract.silence import Silence
from fusion.resolution.keys import entity_keys
from fusion.resolution.plates import vehicle_key


def new_silence_id() -> str:
    return "S-" + secrets.token_hex(6)


def is_active(silence: Silence, now: dt.datetime) -> bool:
    return silence.starts_at <= now < silence.ends_at


def matches(silence: Silence, lead: Lead, agency: Agency) -> bool:
    """Whether every matcher ``silence`` sets matches ``lead`` sent to ``agency`` (time aside)."""
    m = silence.matchers
    if m.agencies and agency not in m.agencies:
        return False
    if m.categories and lead.category not in m.categories:
        return False
    if m.rules and not {h.rule_id for h in lead.rule_hits} & set(m.rules):
        return False
    port = lead.location.port if lead.location is not None else None
    if m.ports and port not in m.ports:
        return False
    if m.entities:
        keys = {k for entity in lead.entities for k in entity_keys(entity)}
        if not keys & {canonical_key(k) for k in m.entities}:
            return False
    return True


def canonical_key(key: str) -> str:
    """An entity key as an operator typed it, in the form leads carry: a plate's readable
    form (``vehicle:US-TX:ABC1234``) becomes its match form (``vehicle:US-TX:A8C1234``)."""
    kind, _, rest = key.partition(":")
    region, _, plate = rest.rpartition(":")
    if kind == "vehicle" and region and plate:
        return vehicle_key(plate, region)
    return key


def matching_silence(silences: Iterable[Silence], lead: Lead, agency: Agency, *,
                     now: dt.datetime) -> Silence | None:
    """The first active silence (by id) that withholds ``lead`` from ``agency``, or None."""
    for silence in sorted(silences, key=lambda s: s.silence_id):
        if is_active(silence, now) and matches(silence, lead, agency):
            return silence
    return None


def fold_silences(records: Iterable[tuple[bytes | None, Silence | None]]
                  ) -> dict[str, Silence]:
    """The silences a sequence of (key, silence or None) records leaves: the last per id
    wins; None (a tombstone, or an unreadable record) removes it."""
    current: dict[str, Silence] = {}
    for key, silence in records:
        sid = (key or b"").decode(errors="replace")
        if silence is None or silence.silence_id != sid:
            current.pop(sid, None)
        else:
            current[sid] = silence
    return current
