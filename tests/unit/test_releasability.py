"""Who may receive a record: TLP 2.0 label plus releasable_to, and combining handlings."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract import AGENCY_COUNTRY, Agency, Country, Handling, Tlp
from leads.releasability import combine_handling, may_receive, permitted_agencies
from tests.factories import handling

US = frozenset(a for a, c in AGENCY_COUNTRY.items() if c is Country.USA)
MX = frozenset({Agency.GN, Agency.ANAM, Agency.FGR})
CA = frozenset({Agency.CBSA, Agency.RCMP})
NAMED_ONLY = (Tlp.RED, Tlp.AMBER_STRICT)
COUNTRY_WIDE = (Tlp.AMBER, Tlp.GREEN, Tlp.CLEAR)


def test_country_agency_sets_are_what_these_tests_assume() -> None:
    assert len(US) == 15
    assert {a for a, c in AGENCY_COUNTRY.items() if c is Country.MEX} == MX
    assert {a for a, c in AGENCY_COUNTRY.items() if c is Country.CAN} == CA


@pytest.mark.parametrize("tlp", NAMED_ONLY)
def test_named_only_labels_ignore_country_entries(tlp: Tlp) -> None:
    h = handling(tlp, Country.USA)
    assert permitted_agencies(h) == frozenset()
    verdict = may_receive(h, Agency.HSI)
    assert not verdict.allowed
    assert f"TLP:{tlp.value}" in verdict.reason


@pytest.mark.parametrize("tlp", NAMED_ONLY)
def test_named_only_labels_grant_named_agencies(tlp: Tlp) -> None:
    h = handling(tlp, Country.USA, Agency.HSI, Agency.ANAM)
    assert permitted_agencies(h) == {Agency.HSI, Agency.ANAM}
    assert may_receive(h, Agency.HSI).allowed
    assert may_receive(h, Agency.ANAM).allowed
    refused = may_receive(h, Agency.DEA)
    assert not refused.allowed
    assert "named agencies only" in refused.reason


@pytest.mark.parametrize("tlp", COUNTRY_WIDE)
def test_country_wide_labels_grant_every_agency_of_a_country(tlp: Tlp) -> None:
    h = handling(tlp, Country.MEX, Agency.RCMP)
    assert permitted_agencies(h) == MX | {Agency.RCMP}
    assert all(may_receive(h, a).allowed for a in MX)
    assert may_receive(h, Agency.RCMP).allowed
    refused = may_receive(h, Agency.CBSA)
    assert not refused.allowed
    assert refused.reason == "not releasable to CBSA (REL TO MEX, RCMP)"


@pytest.mark.parametrize("tlp", list(Tlp))
def test_empty_releasable_to_releases_to_nobody(tlp: Tlp) -> None:
    h = Handling(tlp=tlp, releasable_to=[])
    assert permitted_agencies(h) == frozenset()
    assert not any(may_receive(h, a).allowed for a in Agency)


@pytest.mark.parametrize(
    ("tlps", "expected"),
    [
        ((Tlp.CLEAR, Tlp.GREEN), Tlp.GREEN),
        ((Tlp.GREEN, Tlp.AMBER, Tlp.CLEAR), Tlp.AMBER),
        ((Tlp.AMBER, Tlp.AMBER_STRICT), Tlp.AMBER_STRICT),
        ((Tlp.RED, Tlp.AMBER_STRICT, Tlp.CLEAR), Tlp.RED),
    ],
)
def test_combine_takes_the_most_restrictive_tlp(tlps: tuple[Tlp, ...], expected: Tlp) -> None:
    combined = combine_handling(handling(t, Agency.HSI) for t in tlps)
    assert combined.tlp is expected


def test_combine_intersects_and_compresses_whole_countries() -> None:
    combined = combine_handling([
        handling(Tlp.GREEN, Country.USA, Country.MEX),
        handling(Tlp.AMBER, Country.USA, Agency.GN),
    ])
    assert combined == Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA, Agency.GN])


def test_combine_does_not_compress_for_named_only_labels() -> None:
    combined = combine_handling([
        handling(Tlp.GREEN, Country.CAN),
        handling(Tlp.RED, Agency.CBSA, Agency.RCMP),
    ])
    assert combined.tlp is Tlp.RED
    assert combined.releasable_to == [Agency.CBSA, Agency.RCMP]


def test_combine_with_disjoint_releases_goes_to_nobody() -> None:
    combined = combine_handling(
        [handling(Tlp.GREEN, Country.USA), handling(Tlp.GREEN, Country.MEX)])
    assert combined == Handling(tlp=Tlp.GREEN, releasable_to=[])


def test_combine_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        combine_handling([])


codes = st.sampled_from([*Country, *Agency])
handlings = st.builds(
    Handling, tlp=st.sampled_from(list(Tlp)), releasable_to=st.lists(codes, max_size=6),
)


@given(st.lists(handlings, min_size=1, max_size=5))
def test_combining_never_widens_release(hs: list[Handling]) -> None:
    combined = permitted_agencies(combine_handling(hs))
    for h in hs:
        assert combined <= permitted_agencies(h)


@given(st.lists(handlings, min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_combine_is_order_independent(hs: list[Handling], rnd: random.Random) -> None:
    shuffled = list(hs)
    rnd.shuffle(shuffled)
    a, b = combine_handling(hs), combine_handling(shuffled)
    assert a.tlp is b.tlp
    assert permitted_agencies(a) == permitted_agencies(b)
    assert a == b


@given(handlings)
def test_combine_of_one_permits_exactly_the_same(h: Handling) -> None:
    combined = combine_handling([h])
    assert combined.tlp is h.tlp
    assert permitted_agencies(combined) == permitted_agencies(h)


@given(st.lists(handlings, min_size=1, max_size=5))
def test_combined_tlp_is_the_most_restrictive_input(hs: list[Handling]) -> None:
    combined = combine_handling(hs)
    assert combined.tlp.restrictiveness == max(h.tlp.restrictiveness for h in hs)
    assert permitted_agencies(combined) == frozenset(Agency).intersection(
        *(permitted_agencies(h) for h in hs))


@given(handlings, st.sampled_from(list(Agency)))
def test_may_receive_agrees_with_permitted_agencies(h: Handling, agency: Agency) -> None:
    assert may_receive(h, agency).allowed == (agency in permitted_agencies(h))
