"""The rule "a watchlisted vehicle crosses at a port": event time decides, plates are fuzzy."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract import Agency
from rules.findings import Finding
from rules.watchlist import (
    PORT_RUNNER_POINTS,
    WATCHLIST_VEHICLE_CROSSING,
    WatchlistEntry,
    match_crossing,
)
from tests.factories import (
    T0,
    crossing,
    crossing_attributes,
    entries_by_key,
    findings_for,
    listing,
    watch_entry,
)

HOUR = dt.timedelta(hours=1)


def _ids(findings: list[Finding]) -> set[tuple[str, ...]]:
    return {f.anchors for f in findings}


def test_listed_vehicle_crossing_after_listing_gives_one_finding() -> None:
    event, listed = crossing(), listing(entry_id="E7")
    (finding,) = findings_for(event, listed)
    assert finding.rule == WATCHLIST_VEHICLE_CROSSING
    assert finding.anchors == ("CBP-OFO/x-1", "vehicle:US-TX:A8C1234", "watchlist:HSI/E7")
    assert finding.evidence == (event, listed)
    assert finding.entities == tuple(event.entities)
    assert finding.location == event.location
    assert finding.extra == ()


@pytest.mark.parametrize("typed", ["ABC-1234", "abc 1234", "A.B.C.1234", "A8C1234", "ABC I234"])
def test_plate_typed_differently_still_matches(typed: str) -> None:
    assert len(findings_for(crossing(typed), listing("ABC1234"))) == 1


@pytest.mark.parametrize(("listed", "read"), [("OXR1234", "0XR1234"), ("XYZ1200", "XYZ12OO")])
def test_o_zero_confusion_still_matches(listed: str, read: str) -> None:
    assert len(findings_for(crossing(read), listing(listed))) == 1


def test_unrelated_plate_does_not_match() -> None:
    assert findings_for(crossing("ABC1235"), listing("ABC1234")) == []


def test_same_plate_in_another_region_does_not_match() -> None:
    assert findings_for(crossing(region="MX-CHH"), listing(region="US-TX")) == []


def test_crossing_before_listing_does_not_match() -> None:
    assert findings_for(crossing(at=T0), listing(at=T0 + dt.timedelta(seconds=1))) == []


def test_crossing_at_the_listing_instant_matches() -> None:
    assert len(findings_for(crossing(at=T0), listing(at=T0))) == 1


@pytest.mark.parametrize(
    ("expires_at", "matches"),
    [
        (T0 - HOUR, False),
        (T0, False),
        (T0 + dt.timedelta(seconds=1), True),
        (None, True),
    ],
)
def test_expiry_is_exclusive(expires_at: dt.datetime | None, matches: bool) -> None:
    found = findings_for(crossing(at=T0), listing(at=T0 - 2 * HOUR, expires_at=expires_at))
    assert len(found) == (1 if matches else 0)


def test_a_remove_event_is_not_interpreted_by_the_rule() -> None:
    """Removal is applied by the watchlist store (which drops the entry); the rule matches the
    entries it is given, whatever the action of the event that described them."""
    removal = listing(action="remove")
    assert len(findings_for(crossing(), removal)) == 1


def test_two_entries_for_one_vehicle_give_two_findings() -> None:
    found = findings_for(crossing(), listing(entry_id="E1"),
                         listing(entry_id="E2", agency=Agency.DEA))
    assert _ids(found) == {("CBP-OFO/x-1", "vehicle:US-TX:A8C1234", "watchlist:HSI/E1"),
                           ("CBP-OFO/x-1", "vehicle:US-TX:A8C1234", "watchlist:DEA/E2")}


def test_same_entry_id_from_two_agencies_are_two_entries() -> None:
    found = findings_for(crossing(), listing(entry_id="E1"),
                         listing(entry_id="E1", agency=Agency.ATF))
    assert len(found) == 2


def test_entry_indexed_under_several_keys_fires_once() -> None:
    event = crossing()
    entry = watch_entry(listing())
    index = {key: [entry, entry] for key in (*entry.keys, "vin:1HGCM82633A004352")}
    assert len(match_crossing(event, crossing_attributes(event), index)) == 1


def test_port_runner_adds_its_points() -> None:
    (finding,) = findings_for(crossing(outcome="port-runner"), listing())
    (extra,) = finding.extra
    assert (extra.source, extra.points) == ("crossing:port-runner", PORT_RUNNER_POINTS)
    (admitted,) = findings_for(crossing(outcome="admitted"), listing())
    assert admitted.extra == ()


def test_explanation_names_plate_port_agency_and_entry() -> None:
    (finding,) = findings_for(crossing("abc-1234", direction="S"),
                              listing(entry_id="BOLO-42", agency=Agency.ATF, reason="guns"))
    text = finding.explanation
    for part in ("US-TX ABC1234", "US-EL-PASO-BOTA", "ATF", "BOLO-42", "southbound", "(guns)"):
        assert part in text, (part, text)
    assert "US-TX ABC1234" in finding.title
    assert "outcome admitted" in finding.summary


entry_specs = st.lists(
    st.tuples(
        st.sampled_from(["E1", "E2", "E3"]),
        st.sampled_from([Agency.HSI, Agency.DEA]),
        st.integers(min_value=-3, max_value=2),  # listed, hours relative to the crossing
        st.one_of(st.none(), st.integers(min_value=-2, max_value=3)),  # expires, hours
    ),
    min_size=1, max_size=8,
)


@given(entry_specs, st.randoms(use_true_random=False))
def test_findings_do_not_depend_on_entry_order(
    specs: list[tuple[str, Agency, int, int | None]], rnd: random.Random,
) -> None:
    event = crossing(at=T0)
    entries: list[WatchlistEntry] = [
        watch_entry(listing(entry_id=eid, agency=agency, at=T0 + listed * HOUR,
                            expires_at=None if expires is None else T0 + expires * HOUR))
        for eid, agency, listed, expires in specs
    ]
    forward = entries_by_key(*entries)
    shuffled = {key: rnd.sample(values, len(values)) for key, values in forward.items()}
    a = match_crossing(event, crossing_attributes(event), forward)
    b = match_crossing(event, crossing_attributes(event), shuffled)
    assert _ids(a) == _ids(b)
    active = {f"watchlist:{agency.value}/{eid}" for eid, agency, listed, expires in specs
              if listed <= 0 and (expires is None or expires > 0)}
    assert _ids(a) == {(event.key, "vehicle:US-TX:A8C1234", anchor) for anchor in active}
