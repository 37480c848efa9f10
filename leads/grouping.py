"""Grouping of lead revisions per recipient (pure): which revision goes out now, which is
held and coalesced, and when a held one is due.

Per (lead, recipient) the dispatcher keeps a ``GroupState``: the last copy sent (revision,
priority, rules, evidence agencies, when) and at most one held revision with its due time and
the revisions it carries. For a revision that routing would send:

- the first revision of a lead to a recipient goes out at once;
- a revision whose priority rose over the last copy's goes out at once;
- a revision with material news (a rule that had not fired in the last copy, or evidence
  from an agency the last copy had none from) goes out ``group_interval`` after the last
  copy: at once if that has passed, else it is held;
- any other revision (nothing material) goes out ``repeat_interval`` after the last copy;
- a newer revision replaces the held one and carries it (and what it carried); the due time
  is the earlier of the two, so material news is never pushed back by a later revision;
- a revision not newer than the last one sent or held is stale (a replay out of order).

Nothing is dropped: a held revision goes out when it is due (``due``, asked by the
dispatcher's timer on the wall clock); it is audited ``held-grouping`` when held, and a held
revision that a newer one replaces is audited ``coalesced`` naming the revision that carries
it (the copy that finally goes out names every revision it carries). The state lives on
``state.dispatch-groups``, written in the same Kafka transaction as the copies, the audit
entries and the input offsets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from fusion.contract import Agency, Lead, Priority, Tlp
from leads.subscriptions import Subscription


class _State(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LastCopy(_State):
    revision: int
    priority: Priority
    rules: frozenset[str]
    agencies: frozenset[Agency]
    at: AwareDatetime

    @classmethod
    def of(cls, lead: Lead, at: dt.datetime) -> LastCopy:
        return cls(revision=lead.revision, priority=lead.priority, rules=rules_of(lead),
                   agencies=frozenset(e.agency for e in lead.evidence), at=at)


class Carried(_State):
    """A revision held once and superseded: what its audit entry needs."""

    revision: int
    priority: Priority
    tlp: Tlp
    rules: list[str]

    @classmethod
    def of(cls, lead: Lead) -> Carried:
        return cls(revision=lead.revision, priority=lead.priority, tlp=lead.handling.tlp,
                   rules=[f"{h.rule_id}@{h.rule_version}" for h in lead.rule_hits])


class Held(_State):
    lead: Lead
    due_at: AwareDatetime
    carries: list[Carried]


class GroupState(_State):
    schema_version: Literal[1] = 1
    lead_id: str
    agency: Agency
    last: LastCopy | None = None
    held: Held | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """What to do with one revision for one recipient."""

    action: Literal["send", "hold", "stale"]
    reason: str
    state: GroupState  # the state after it (unchanged for "stale")
    superseded: Carried | None = None  # the held revision this one replaces (coalesced)


def group_key(lead_id: str, agency: Agency) -> str:
    return f"{lead_id}/{agency.value}"


def rules_of(lead: Lead) -> frozenset[str]:
    return frozenset(h.rule_id for h in lead.rule_hits)


def material_news(lead: Lead, last: LastCopy) -> str | None:
    """What is materially new in ``lead`` since the last copy (None: nothing)."""
    news = []
    if rules := sorted(rules_of(lead) - last.rules):
        news.append("new rule " + ", ".join(rules))
    if agencies := {e.agency for e in lead.evidence} - last.agencies:
        # Counted, not named: decision reasons are shown to officers of fact-only recipients.
        news.append(f"evidence from {len(agencies)} more "
                    f"{'agency' if len(agencies) == 1 else 'agencies'}")
    return "; ".join(news) or None


def plan(state: GroupState | None, lead: Lead, *, sub: Subscription, now: dt.datetime) -> Plan:
    """The plan for ``lead``, a revision routing would send to ``sub.agency``, at ``now``."""
    state = state or GroupState(lead_id=lead.lead_id, agency=sub.agency)
    last, held = state.last, state.held
    if last is None:
        return _send(state, lead, now, "first revision to this recipient", held)
    newest = max(last.revision, held.lead.revision if held else 0)
    if lead.revision <= newest:
        return Plan("stale", f"revision {lead.revision} is not newer than revision {newest}",
                    state)
    if lead.priority.rank < last.priority.rank:
        return _send(state, lead, now, f"priority rose from {last.priority.value} to "
                                       f"{lead.priority.value}", held)
    news = material_news(lead, last)
    wait = sub.group_interval if news else sub.repeat_interval
    due = last.at + dt.timedelta(seconds=wait)
    if held is not None:
        due = min(due, held.due_at)
    why = news or "nothing material"
    if due <= now:
        return _send(state, lead, now, f"{why}; revision {last.revision} went out "
                                       f"{(now - last.at).total_seconds():.0f}s ago", held)
    carries = [*held.carries, Carried.of(held.lead)] if held is not None else []
    return Plan("hold", f"held until {due.isoformat()}: {why} since revision "
                        f"{last.revision} at {last.at.isoformat()}"[:500],
                state.model_copy(update={"held": Held(lead=lead, due_at=due, carries=carries)}),
                superseded=Carried.of(held.lead) if held is not None else None)


def due(states: Iterable[GroupState], now: dt.datetime) -> list[GroupState]:
    """The states whose held revision is due at ``now``, soonest first."""
    return sorted((s for s in states if s.held is not None and s.held.due_at <= now),
                  key=lambda s: (s.held.due_at if s.held else now, s.lead_id))


def sent(state: GroupState, lead: Lead, now: dt.datetime) -> GroupState:
    """The state after ``lead`` went out at ``now``."""
    return state.model_copy(update={"last": LastCopy.of(lead, now), "held": None})


def released(state: GroupState) -> GroupState:
    """The state after its held revision was withheld after all (no copy went out)."""
    return state.model_copy(update={"held": None})


def expired(state: GroupState, sub: Subscription | None, now: dt.datetime) -> bool:
    """Whether the state can go: nothing held, and the repeat interval since the last copy
    has passed (a revision then goes out at once, as with no state), or no subscription."""
    if state.held is not None:
        return False
    if sub is None or state.last is None:
        return True
    return state.last.at + dt.timedelta(seconds=sub.repeat_interval) <= now


def _send(state: GroupState, lead: Lead, now: dt.datetime, reason: str,
          held: Held | None) -> Plan:
    return Plan("send", reason[:500], sent(state, lead, now),
                superseded=Carried.of(held.lead) if held is not None else None)
