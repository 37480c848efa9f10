"""Seizure analytics for the bilateral exchange (pure): the seizures reported on the agencies'
seizure feeds (``feeds.<agency>.seizures``, validated by the contract's own decoder), counted
by port, concealment and commodity over a period, as the officer's agency may see them
(``visibility.visible_record``: the dispatcher's releasability), and as CSV.

Quantities are summed per unit: masses in kilograms (g and lb converted), currency per
currency, firearms in units, ammunition in rounds. A seizure away from a port (coordinates
only) counts under its corridor, or under "no port".

The source is the feed topics themselves (the system of record for events), so the period
that can be shown is their retention (7 days); a quarterly exchange needs a seizure record
kept longer (a topic of its own), which is the intake's to write.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from dashboard.visibility import visible_record
from fusion.contract import Agency, Commodity, Concealment, Handling, Port, SeizureAttributes
from fusion.contract.decoding import ValidEvent

KG_PER_UNIT = {"kg": 1.0, "g": 0.001, "lb": 0.45359237}
NO_PORT = "-"


class Dimension(StrEnum):
    PORT = "port"
    CONCEALMENT = "concealment"
    COMMODITY = "commodity"


@dataclass(frozen=True, slots=True)
class Seizure:
    event_id: str
    agency: Agency
    occurred_at: dt.datetime
    port: Port | None
    corridor: str | None
    commodity: Commodity
    concealment: Concealment
    quantity: float
    unit: str  # kg for every mass
    handling: Handling

    @classmethod
    def of(cls, event: ValidEvent) -> Seizure | None:
        """The seizure a valid event reports, or None if it is no seizure."""
        attributes = event.attributes
        if not isinstance(attributes, SeizureAttributes):
            return None
        envelope = event.envelope
        location = envelope.location
        factor = KG_PER_UNIT.get(attributes.unit)
        return cls(event_id=envelope.event_id, agency=envelope.agency,
                   occurred_at=envelope.occurred_at,
                   port=location.port if location else None,
                   corridor=location.corridor if location else None,
                   commodity=attributes.commodity, concealment=attributes.concealment,
                   quantity=attributes.quantity * factor if factor else attributes.quantity,
                   unit="kg" if factor else attributes.unit, handling=envelope.handling)

    def key(self, dimension: Dimension) -> str:
        if dimension is Dimension.COMMODITY:
            return self.commodity.value
        if dimension is Dimension.CONCEALMENT:
            return self.concealment.value
        if self.port is not None:
            return self.port.value
        return self.corridor or NO_PORT


class SeizureLog:
    """Every seizure read, once per (agency, event id): a feed replayed or a report sent
    twice counts once."""

    def __init__(self) -> None:
        self._seizures: dict[tuple[Agency, str], Seizure] = {}

    def __len__(self) -> int:
        return len(self._seizures)

    def add(self, seizure: Seizure) -> bool:
        """True if it was new."""
        key = (seizure.agency, seizure.event_id)
        if key in self._seizures:
            return False
        self._seizures[key] = seizure
        return True

    def visible(self, agency: Agency, *, since: dt.datetime, until: dt.datetime
                ) -> list[Seizure]:
        """The seizures of ``[since, until)`` (event time) releasable to ``agency``, oldest
        first."""
        found = [s for s in self._seizures.values()
                 if since <= s.occurred_at < until and visible_record(s.handling, agency)]
        return sorted(found, key=lambda s: (s.occurred_at, s.agency.value, s.event_id))


@dataclass(frozen=True)
class Group:
    key: str
    seizures: int
    quantities: dict[str, float] = field(default_factory=dict)  # unit -> total, units sorted


def summarise(seizures: Iterable[Seizure], by: Dimension) -> list[Group]:
    """One group per value of ``by``: most seizures first, then by key."""
    counts: Counter[str] = Counter()
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for s in seizures:
        key = s.key(by)
        counts[key] += 1
        totals[key][s.unit] += s.quantity
    return [Group(key, n, dict(sorted(totals[key].items())))
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


CSV_COLUMNS = ("port", "corridor", "commodity", "concealment", "unit", "seizures", "quantity")


def to_csv(seizures: Sequence[Seizure]) -> str:
    """One row per port (or corridor), commodity, concealment and unit: the number of
    seizures and the total quantity. Every cell is a code or a number (no free text, so
    nothing a spreadsheet would run as a formula)."""
    cells: dict[tuple[str, str, str, str, str], list[float]] = {}
    for s in seizures:
        key = (s.port.value if s.port else "", s.corridor or "", s.commodity.value,
               s.concealment.value, s.unit)
        cell = cells.setdefault(key, [0, 0.0])
        cell[0] += 1
        cell[1] += s.quantity
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for key in sorted(cells):
        count, quantity = cells[key]
        writer.writerow([*key, int(count), f"{quantity:.3f}".rstrip("0").rstrip(".")])
    return out.getvalue()
