"""Per-rule precision from officers' and partners' verdicts (pure).

A lead counts for every rule that fired on it (``rule_hits``), once, in the period its first
copy was stored in. Its verdict is the latest ``confirm`` or ``dismiss`` of any agency
(``triage_state.verdict``). Precision = confirmed / (confirmed + dismissed); None while no
lead of the rule was judged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dashboard.board import Board, LeadEntry
from dashboard.triage_state import verdict
from fusion.contract import Lead
from fusion.contract.triage import TriageKind


@dataclass
class RulePrecision:
    rule_id: str
    leads: int = 0
    confirmed: int = 0
    dismissed: int = 0

    @property
    def judged(self) -> int:
        return self.confirmed + self.dismissed

    @property
    def precision(self) -> float | None:
        return self.confirmed / self.judged if self.judged else None


def precision_by_rule(board: Board, *, since: dt.datetime, until: dt.datetime,
                      visible: Callable[[Lead], bool] = lambda _: True,
                      ) -> list[RulePrecision]:
    """One row per rule with a lead in ``[since, until)``, by rule id."""
    rows: dict[str, RulePrecision] = {}
    for entry in _in_period(board.entries(), since, until):
        if not visible(entry.lead):
            continue
        judged = verdict(board.actions_of(entry.lead_id))
        for rule_id in sorted({h.rule_id for h in entry.lead.rule_hits}):
            row = rows.setdefault(rule_id, RulePrecision(rule_id))
            row.leads += 1
            row.confirmed += judged is TriageKind.CONFIRM
            row.dismissed += judged is TriageKind.DISMISS
    return [rows[r] for r in sorted(rows)]


def _in_period(entries: Iterable[LeadEntry], since: dt.datetime, until: dt.datetime
               ) -> Iterable[LeadEntry]:
    return (e for e in entries if since <= e.first_seen < until)
