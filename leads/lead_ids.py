"""Deterministic lead ids: replaying the same evidence through the same rule gives the same id."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from fusion.contract import LeadId


def make_lead_id(rule_id: str, *, anchors: Iterable[str]) -> LeadId:
    """``L-`` and 32 hex digits of a SHA-256 over the rule id and the sorted anchor keys.

    Anchors are what makes the activity unique: event keys (``AGENCY/event_id``), entity keys
    or watchlist entry ids. Order does not matter.
    """
    material = "\x1f".join([rule_id, *sorted(set(anchors))]).encode()
    return LeadId("L-" + hashlib.sha256(material).hexdigest()[:32])
