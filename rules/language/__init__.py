"""The declarative rule language: YAML files under rules/catalogue/, validated by pydantic.

Kinds (and where the idea comes from):
- ``match``          one event meets predicates (Sigma detection, ElastAlert2 "any")
- ``threshold``      at least N matching events, or N distinct values of a field, per group
                     key within a window (ElastAlert2 "frequency" / "cardinality",
                     Sigma correlation "event_count" / "value_count")
- ``sequence``       ordered steps on one entity within a span, or all of them in any order
                     (Flink CEP ``next``/``followedBy``; Sigma correlation "temporal")
- ``absence``        A not followed by B within a span, fired when the span closes
                     (Flink CEP ``notFollowedBy``; ElastAlert2 "flatline" per key)
- ``corroboration``  one entity reported by at least k independent agencies within a span
                     (Sigma correlation "value_count" over the reporting agency)
- ``link``           two events joined through a shared entity, roles chosen per side
                     (a CEP join on entity keys)
"""

from rules.language.conditions import Condition, Predicate
from rules.language.durations import Duration
from rules.language.spec import (
    AbsenceRule,
    CorroborationRule,
    EventFilter,
    LinkRule,
    MatchRule,
    RuleSpec,
    SequenceRule,
    ThresholdRule,
)

__all__ = [
    "AbsenceRule", "Condition", "CorroborationRule", "Duration", "EventFilter", "LinkRule",
    "MatchRule", "Predicate", "RuleSpec", "SequenceRule", "ThresholdRule",
]
