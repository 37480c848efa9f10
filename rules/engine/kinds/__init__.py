"""The rule kinds: ``match`` is stateless; the others keep per-key state (see ``base``)."""

from __future__ import annotations

from rules.engine.kinds.absence import AbsenceKind
from rules.engine.kinds.base import StatefulKind
from rules.engine.kinds.corroboration import CorroborationKind
from rules.engine.kinds.link import LinkKind
from rules.engine.kinds.match import match_finding
from rules.engine.kinds.sequence import SequenceKind
from rules.engine.kinds.threshold import ThresholdKind
from rules.language.spec import (
    AbsenceRule,
    CorroborationRule,
    LinkRule,
    SequenceRule,
    ThresholdRule,
)

StatefulRule = ThresholdRule | SequenceRule | AbsenceRule | CorroborationRule | LinkRule


def stateful_kind(rule: StatefulRule) -> StatefulKind:
    """The handler for one stateful rule."""
    match rule:
        case ThresholdRule():
            return ThresholdKind(rule)
        case SequenceRule():
            return SequenceKind(rule)
        case AbsenceRule():
            return AbsenceKind(rule)
        case CorroborationRule():
            return CorroborationKind(rule)
        case LinkRule():
            return LinkKind(rule)


__all__ = ["StatefulKind", "StatefulRule", "match_finding", "stateful_kind"]
