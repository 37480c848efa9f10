"""Seizure analytics: the reports on the seizure feeds, decoded by the contract's decoder,
counted once each, by port (or corridor), concealment and commodity over a period, only as
releasable to the officer's agency (the dispatcher's releasability), masses in kilograms,
and exported as CSV."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.kafka.dashboard_feed import FeedRecord
from dashboard.seizures import CSV_COLUMNS, Dimension, Group, Seizure, SeizureLog, summarise, to_csv
from dashboard.service import DashboardService, seizure_topics
from fusion.contract import (
    Agency,
    Commodity,
    Concealment,
    Country,
    Feed,
    Port,
    Tlp,
    feed_topic,
)
from fusion.contract.decoding import ValidEvent, decode_event
from leads.releasability import may_receive
from tests.dashboard_factories import seizure
from tests.factories import T0, crossing

TOPIC = feed_topic(Agency.CBP_OFO, Feed.SEIZURES)
DAY = dt.timedelta(days=1)


def _of(event: object, topic: str = TOPIC) -> Seizure:
    decoded = decode_event(event.model_dump_json().encode(), topic=topic)  # type: ignore[attr-defined]
    assert isinstance(decoded, ValidEvent), decoded
    found = Seizure.of(decoded)
    assert found is not None
    return found


def _log(*events: object) -> SeizureLog:
    log = SeizureLog()
    for event in events:
        log.add(_of(event, feed_topic(event.agency, Feed.SEIZURES)))  # type: ignore[attr-defined]
    return log


def test_masses_are_counted_in_kilograms_and_other_units_as_they_are() -> None:
    assert _of(seizure(quantity=500, unit="g")).quantity == pytest.approx(0.5)
    pounds = _of(seizure(quantity=10, unit="lb"))
    assert (pounds.quantity, pounds.unit) == (pytest.approx(4.5359237), "kg")
    cash = _of(seizure(commodity=Commodity.CURRENCY, quantity=12_000, unit="usd"))
    assert (cash.quantity, cash.unit) == (12_000, "usd")


def test_an_event_of_another_feed_is_no_seizure() -> None:
    event = crossing("ABC123")
    decoded = decode_event(event.model_dump_json().encode(),
                           topic=feed_topic(event.agency, event.feed))
    assert isinstance(decoded, ValidEvent)
    assert Seizure.of(decoded) is None


def test_by_port_concealment_and_commodity_most_seizures_first() -> None:
    log = _log(
        seizure(port=Port.US_EL_PASO_BOTA, commodity=Commodity.FENTANYL, quantity=2),
        seizure(port=Port.US_EL_PASO_BOTA, commodity=Commodity.COCAINE, quantity=1000,
                unit="g", concealment=Concealment.SPARE_TIRE),
        seizure(port=Port.US_NOGALES_MARIPOSA, commodity=Commodity.FENTANYL, quantity=3),
        seizure(port=None, corridor="EPT-12", commodity=Commodity.FIREARMS, quantity=4,
                unit="units", concealment=Concealment.DOOR_PANEL),
        seizure(port=None, commodity=Commodity.AMMUNITION, quantity=900, unit="rounds",
                concealment=Concealment.DOOR_PANEL))
    found = log.visible(Agency.HSI, since=T0 - DAY, until=T0 + DAY)
    assert summarise(found, Dimension.PORT) == [
        Group("US-EL-PASO-BOTA", 2, {"kg": 3.0}),
        Group("-", 1, {"rounds": 900}), Group("EPT-12", 1, {"units": 4}),
        Group("US-NOGALES-MARIPOSA", 1, {"kg": 3.0})]
    assert summarise(found, Dimension.CONCEALMENT) == [
        Group("door-panel", 2, {"rounds": 900, "units": 4}),
        Group("gas-tank", 2, {"kg": 5.0}), Group("spare-tire", 1, {"kg": 1.0})]
    assert summarise(found, Dimension.COMMODITY)[0] == Group("fentanyl", 2, {"kg": 5.0})


def test_a_seizure_read_twice_counts_once_and_the_period_is_by_event_time() -> None:
    event = seizure(at=T0)
    log = _log(event, event, seizure(at=T0 + DAY), seizure(at=T0 - DAY))
    assert len(log) == 3
    assert [s.occurred_at for s in log.visible(Agency.HSI, since=T0, until=T0 + DAY)] == [T0]
    assert len(log.visible(Agency.HSI, since=T0 - DAY, until=T0 + 2 * DAY)) == 3


def test_a_mexican_officer_does_not_see_a_us_only_seizure() -> None:
    us_only = seizure(tlp=Tlp.AMBER, to=(Country.USA,), commodity=Commodity.HEROIN)
    shared = seizure(tlp=Tlp.GREEN, to=(Country.USA, Country.MEX))
    log = _log(us_only, shared)
    period = {"since": T0 - DAY, "until": T0 + DAY}
    assert [s.event_id for s in log.visible(Agency.ANAM, **period)] == [shared.event_id]
    assert len(log.visible(Agency.HSI, **period)) == 2
    assert "heroin" not in to_csv(log.visible(Agency.ANAM, **period))


TLPS = st.sampled_from(list(Tlp))
CODES = st.lists(st.sampled_from([*Country, *Agency]), min_size=1, max_size=4, unique=True)


@given(reports=st.lists(st.tuples(TLPS, CODES, st.sampled_from(list(Commodity)[:5]),
                                  st.sampled_from(list(Concealment))), max_size=12),
       agency=st.sampled_from(list(Agency)))
def test_visibility_is_the_dispatchers_and_every_group_adds_up(
        reports: list[tuple[Tlp, list[Country | Agency], Commodity, Concealment]],
        agency: Agency) -> None:
    events = [seizure(tlp=tlp, to=tuple(to), commodity=commodity, concealment=concealment)
              for tlp, to, commodity, concealment in reports]
    found = _log(*events).visible(agency, since=T0 - DAY, until=T0 + DAY)
    assert {s.event_id for s in found} == {
        e.event_id for e in events if may_receive(e.handling, agency).allowed}
    for dimension in Dimension:
        assert sum(g.seizures for g in summarise(found, dimension)) == len(found)
    rows = list(csv.DictReader(io.StringIO(to_csv(found))))
    assert sum(int(r["seizures"]) for r in rows) == len(found)


def test_the_csv_has_one_row_per_port_commodity_concealment_and_unit() -> None:
    log = _log(seizure(quantity=2), seizure(quantity=0.5),
               seizure(port=None, corridor="EPT-12", commodity=Commodity.CURRENCY,
                       quantity=9_500, unit="mxn", concealment=Concealment.BODY_CARRY))
    text = to_csv(log.visible(Agency.HSI, since=T0 - DAY, until=T0 + DAY))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [list(CSV_COLUMNS),
                    ["", "EPT-12", "currency", "body-carry", "mxn", "1", "9500"],
                    ["US-EL-PASO-BOTA", "", "fentanyl", "gas-tank", "kg", "2", "2.5"]]


def test_the_service_keeps_valid_seizure_reports_and_counts_the_others() -> None:
    class Nobody:
        async def publish(self, records: object) -> None:
            raise AssertionError("nothing to publish")

    service = DashboardService(audit_topic="audit.disseminations",
                               triage_topic="triage.actions", publisher=Nobody(),
                               clock=lambda: T0)
    good = seizure(agency=Agency.ANAM, port=Port.MX_CIUDAD_JUAREZ)
    wrong_topic = seizure(agency=Agency.HSI)  # published on CBP-OFO's feed: refused
    records = [FeedRecord(topic, 0, i, T0, value) for i, (topic, value) in enumerate([
        (feed_topic(Agency.ANAM, Feed.SEIZURES), good.model_dump_json().encode()),
        (TOPIC, wrong_topic.model_dump_json().encode()),
        (TOPIC, b"{not json"),
        (feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS), crossing().model_dump_json().encode()),
    ])]
    asyncio.run(service.take(records))
    assert [s.event_id for s in service.seizures.visible(
        Agency.HSI, since=T0 - DAY, until=T0 + DAY)] == [good.event_id]
    assert service.refused_records == 2
    assert feed_topic(Agency.ANAM, Feed.SEIZURES) in seizure_topics()
    assert all(t.endswith(".seizures") for t in seizure_topics())
