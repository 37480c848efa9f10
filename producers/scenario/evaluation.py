"""Lead quality against the ground truth: which planted patterns became leads, for whom, how
fast, and which leads nobody planted. Pure: no Kafka, Redis or clock; ``fusion evaluate``
collects the inputs on the live stack and prints the report.

Inputs: the ground-truth records as the simulator writes them (``GroundTruth.to_json``), every
lead received on a ``leads.<agency>`` topic with that agency and its receive wall time, and the
publish wall time of each planted event. Definitions:

- *found*: some lead has a rule hit with the record's rule id and evidence covering (⊇) the
  record's events; any revision counts.
- *recall*: found records / records. *precision*: distinct lead ids that match some record /
  distinct lead ids received (background traffic should never lead). A lead none of whose
  evidence was published by this run (another producer's, or a window of an earlier run
  closing now) is *foreign*: counted apart, in neither.
- *duplicate*: a record matched by more than one distinct lead id (revisions of one lead id are
  one lead).
- *wrong recipient*: a matched lead delivered to an agency the record withholds or does not list
  as a recipient (a lead matching several records must suit all of them). Unmatched leads count
  against precision, not here: the ground truth says nothing of their handling.
- *missed recipient*: an expected recipient of a found record that got no lead matching it.
- *latency*: first receive time of a matching lead minus the publish time of the record's last
  planted event (evidence and context).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from fusion.contract import Lead
from fusion.errors import FusionError
from leads.deliveries import Delivery


class EvaluationError(FusionError):
    """The inputs of an evaluation do not fit together (e.g. a planted event never published)."""


@dataclass(frozen=True, slots=True)
class Expected:
    """One ground-truth record: a finding a planted pattern should produce."""

    pattern_id: str
    rule_id: str
    events: frozenset[str]
    planted: tuple[str, ...]  # evidence and context events, in the record's order
    recipients: frozenset[str]
    withheld: Mapping[str, str]

    @property
    def name(self) -> str:
        return f"{self.pattern_id}/{self.rule_id}"

    @classmethod
    def from_json(cls, record: Mapping[str, Any]) -> Expected:
        return cls(record["pattern_id"], record["rule_id"], frozenset(record["events"]),
                   (*record["events"], *record["context_events"]),
                   frozenset(record["recipients"]), dict(record["withheld"]))


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Outcome(_Model):
    pattern_id: str
    rule_id: str
    events: list[str]
    found: bool
    lead_ids: list[str]
    received_by: list[str]
    missed_recipients: list[str]
    latency_seconds: float | None
    near_leads: list[str]  # missed only: leads resting on any of its planted events
    late_events: list[str]  # planted events the worker sent to internal.late-events
    uncorrelated_events: list[str]  # planted events never seen on internal.events


class WrongDelivery(_Model):
    lead_id: str
    agency: str
    pattern: str
    reason: str


class Latency(_Model):
    count: int
    p50: float | None
    p95: float | None
    max: float | None


class Report(_Model):
    records: int
    found: int
    recall: float | None
    leads: int
    matched_leads: int
    precision: float | None
    duplicates: dict[str, list[str]]  # record name -> its lead ids
    wrong_recipients: list[WrongDelivery]
    missed_recipients: dict[str, list[str]]  # record name -> agencies
    redeliveries: int  # one revision to one agency more than once (at-least-once repeats)
    latency: Latency
    unmatched_leads: dict[str, list[str]]  # lead id -> its rule ids
    foreign_leads: list[str]  # no evidence published by this run
    outcomes: list[Outcome]

    @property
    def missed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.found]

    @property
    def complete(self) -> bool:
        """Every record found and delivered to every expected recipient."""
        return self.found == self.records and not self.missed_recipients


def evidence_keys(lead: Lead) -> frozenset[str]:
    return frozenset(f"{e.agency.value}/{e.event_id}" for e in lead.evidence)


def matches(lead: Lead, expected: Expected) -> bool:
    return (any(hit.rule_id == expected.rule_id for hit in lead.rule_hits)
            and expected.events <= evidence_keys(lead))


def evaluate(
    truths: Iterable[Mapping[str, Any]], deliveries: Sequence[Delivery],
    published_at: Mapping[str, dt.datetime], *, late: frozenset[str] = frozenset(),
    correlated: frozenset[str] | None = None,
) -> Report:
    """Compare ``deliveries`` with the ground truth. ``late`` and ``correlated`` (event keys
    seen on internal.late-events and internal.events) only annotate missed records."""
    expected = [Expected.from_json(t) for t in truths]
    by_lead: dict[str, list[Delivery]] = defaultdict(list)
    foreign: set[str] = set()
    for delivery in deliveries:
        if evidence_keys(delivery.lead).isdisjoint(published_at):
            foreign.add(delivery.lead.lead_id)
        else:
            by_lead[delivery.lead.lead_id].append(delivery)
    matched: dict[str, list[str]] = {
        e.name: sorted(lid for lid, ds in by_lead.items() if any(matches(d.lead, e) for d in ds))
        for e in expected}
    records_of: dict[str, list[Expected]] = defaultdict(list)
    for e in expected:
        for lead_id in matched[e.name]:
            records_of[lead_id].append(e)
    outcomes = [_outcome(e, matched[e.name], by_lead, published_at, late, correlated)
                for e in expected]
    found = sum(o.found for o in outcomes)
    ours = [d for ds in by_lead.values() for d in ds]
    return Report(
        records=len(expected), found=found, recall=_ratio(found, len(expected)),
        leads=len(by_lead), matched_leads=len(records_of),
        precision=_ratio(len(records_of), len(by_lead)),
        duplicates={n: ids for n, ids in matched.items() if len(ids) > 1},
        wrong_recipients=[w for lid, es in sorted(records_of.items())
                          for w in _wrong(lid, es, by_lead[lid])],
        missed_recipients={o.pattern_id + "/" + o.rule_id: o.missed_recipients
                           for o in outcomes if o.missed_recipients},
        redeliveries=len(ours) - len({(d.lead.lead_id, d.lead.revision, d.agency)
                                      for d in ours}),
        latency=_latency([o.latency_seconds for o in outcomes if o.latency_seconds is not None]),
        unmatched_leads={lid: sorted({h.rule_id for d in ds for h in d.lead.rule_hits})
                         for lid, ds in sorted(by_lead.items()) if lid not in records_of},
        foreign_leads=sorted(foreign - set(by_lead)),
        outcomes=outcomes,
    )


def _outcome(e: Expected, lead_ids: list[str], by_lead: Mapping[str, list[Delivery]],
             published_at: Mapping[str, dt.datetime], late: frozenset[str],
             correlated: frozenset[str] | None) -> Outcome:
    ds = [d for lid in lead_ids for d in by_lead[lid] if matches(d.lead, e)]
    received_by = sorted({d.agency.value for d in ds})
    latency = None
    if ds:
        latency = (min(d.received_at for d in ds) - _last_published(e, published_at)
                   ).total_seconds()
    near = [] if ds else sorted(
        lid for lid, group in by_lead.items()
        if any(not evidence_keys(d.lead).isdisjoint(e.planted) for d in group))
    return Outcome(
        pattern_id=e.pattern_id, rule_id=e.rule_id, events=sorted(e.events), found=bool(ds),
        lead_ids=lead_ids, received_by=received_by,
        missed_recipients=sorted(e.recipients - set(received_by)) if ds else [],
        latency_seconds=latency, near_leads=near,
        late_events=[] if ds else sorted(set(e.planted) & late),
        uncorrelated_events=[] if ds or correlated is None
        else sorted(set(e.planted) - correlated))


def _last_published(e: Expected, published_at: Mapping[str, dt.datetime]) -> dt.datetime:
    missing = [k for k in e.planted if k not in published_at]
    if missing:
        raise EvaluationError(f"{e.name}: no publish time for planted event(s) "
                              f"{', '.join(missing)}")
    return max(published_at[k] for k in e.planted)


def _wrong(lead_id: str, records: list[Expected], ds: list[Delivery]) -> list[WrongDelivery]:
    out = []
    for agency in sorted({d.agency.value for d in ds}):
        for e in records:
            if agency in e.recipients:
                continue
            reason = (f"withheld: {e.withheld[agency]}" if agency in e.withheld
                      else "not an expected recipient")
            out.append(WrongDelivery(lead_id=lead_id, agency=agency, pattern=e.name,
                                     reason=reason))
            break
    return out


def _latency(values: list[float]) -> Latency:
    if not values:
        return Latency(count=0, p50=None, p95=None, max=None)
    ordered = sorted(values)
    return Latency(count=len(ordered), p50=_rank(ordered, 0.50), p95=_rank(ordered, 0.95),
                   max=ordered[-1])


def _rank(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
