"""The live queue (pure): the leads an agency may see, filtered, searched and ordered by
priority (FLASH first), then age (newest first), each with its state and acknowledgement
deadline for that agency.

Filters come from the query string (``QueueQuery.parse``); a bad value is a ``QueryError``
naming the field and what it accepts, answered 400.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from dashboard.board import Board, LeadEntry
from dashboard.deadlines import AckDeadlines
from dashboard.triage_state import LeadState, TriageView, fold
from dashboard.visibility import visible_lead
from fusion.contract import Agency, Lead, Person, Port, Priority
from fusion.contract.entities import Container, Vehicle
from fusion.resolution.plates import plate_match_form

MAX_SEARCH = 100
MAX_ROWS = 500


class QueryError(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


@dataclass(frozen=True)
class QueueQuery:
    priorities: frozenset[Priority] = frozenset()
    category: str | None = None
    port: Port | None = None
    corridor: str | None = None
    rule: str | None = None
    states: frozenset[LeadState] = frozenset()
    search: str = ""

    @classmethod
    def parse(cls, params: Mapping[str, str] | Iterable[tuple[str, str]]) -> QueueQuery:
        """From ``priority`` (repeatable), ``category``, ``port``, ``corridor``, ``rule``,
        ``state`` (repeatable; ``open`` = not confirmed or dismissed) and ``q``."""
        pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
        values: dict[str, list[str]] = {}
        for name, value in pairs:
            if value.strip():
                values.setdefault(name, []).append(value.strip())
        priorities = {_choice("priority", v, Priority) for v in values.get("priority", [])}
        states: set[LeadState] = set()
        for v in values.get("state", []):
            if v == "open":
                states |= {s for s in LeadState if not s.closed}
            else:
                states.add(_choice("state", v, LeadState))
        port = values.get("port", [None])[-1]
        search = values.get("q", [""])[-1]
        if len(search) > MAX_SEARCH:
            raise QueryError("q", f"at most {MAX_SEARCH} characters")
        return cls(frozenset(priorities), _one(values, "category"),
                   _choice("port", port, Port) if port else None, _one(values, "corridor"),
                   _one(values, "rule"), frozenset(states), search)


def _one(values: dict[str, list[str]], name: str) -> str | None:
    found = values.get(name)
    if found and len(found[-1]) > 80:
        raise QueryError(name, "at most 80 characters")
    return found[-1] if found else None


E = TypeVar("E", bound=StrEnum)


def _choice(name: str, value: str, enum: type[E]) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise QueryError(name, f"{value!r} is not one of {allowed}") from None


@dataclass(frozen=True)
class QueueRow:
    entry: LeadEntry
    lead: Lead
    triage: TriageView
    deadline: dt.datetime

    def revised_since_ack(self) -> bool:
        ack = self.triage.acknowledged_revision
        return ack is not None and self.lead.revision > ack


@dataclass
class QueueView:
    rows: list[QueueRow] = field(default_factory=list)
    total_visible: int = 0
    truncated: bool = False
    categories: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    corridors: list[str] = field(default_factory=list)
    ports: list[Port] = field(default_factory=list)


def select(board: Board, agency: Agency, query: QueueQuery, *, deadlines: AckDeadlines
           ) -> QueueView:
    view = QueueView()
    categories: set[str] = set()
    rules: set[str] = set()
    corridors: set[str] = set()
    ports: set[Port] = set()
    rows: list[QueueRow] = []
    needle = _Needle(query.search)
    for entry in board.entries():
        lead = visible_lead(entry.lead, agency)
        if lead is None:
            continue
        view.total_visible += 1
        categories.add(lead.category)
        rules.update(h.rule_id for h in lead.rule_hits)
        if lead.location is not None:
            if lead.location.corridor:
                corridors.add(lead.location.corridor)
            if lead.location.port:
                ports.add(lead.location.port)
        triage = fold(board.actions_of(lead.lead_id), agency)
        if not _matches(lead, triage, query) or not needle.finds(lead):
            continue
        rows.append(QueueRow(entry, lead, triage,
                             deadlines.deadline(lead.priority, since=entry.first_seen)))
    rows.sort(key=lambda r: (r.lead.priority.rank, -r.entry.seen.timestamp(), r.lead.lead_id))
    view.truncated = len(rows) > MAX_ROWS
    view.rows = rows[:MAX_ROWS]
    view.categories, view.rules = sorted(categories), sorted(rules)
    view.corridors, view.ports = sorted(corridors), sorted(ports)
    return view


def _matches(lead: Lead, triage: TriageView, q: QueueQuery) -> bool:
    location = lead.location
    return ((not q.priorities or lead.priority in q.priorities)
            and (q.category is None or lead.category == q.category)
            and (q.port is None or (location is not None and location.port is q.port))
            and (q.corridor is None or (location is not None
                                        and location.corridor == q.corridor))
            and (q.rule is None or any(h.rule_id == q.rule for h in lead.rule_hits))
            and (not q.states or triage.state in q.states))


def fold_text(text: str) -> str:
    """Lower case without accents: 'García' finds 'GARCIA'."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _Needle:
    """Search by lead id, plate (as the watchlist normalises it), name or container id."""

    def __init__(self, text: str) -> None:
        self.text = fold_text(text.strip())
        self.plate = plate_match_form(text) if text.strip() else ""

    def finds(self, lead: Lead) -> bool:
        if not self.text:
            return True
        if lead.lead_id.casefold().startswith(self.text):
            return True
        for entity in lead.entities:
            if isinstance(entity, Vehicle) and self.plate and \
                    self.plate in plate_match_form(entity.plate):
                return True
            if isinstance(entity, Person) and self.text in fold_text(entity.name):
                return True
            if isinstance(entity, Container) and self.plate and \
                    self.plate in plate_match_form(entity.container_id):
                return True
        return False
