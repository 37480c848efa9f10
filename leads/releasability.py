"""Who may receive a record, from its TLP 2.0 label and its ``releasable_to`` list (pure).

- RED and AMBER+STRICT: only agencies named in ``releasable_to``; a country entry grants
  nothing, because those labels limit sharing to named recipients or one organisation.
- AMBER, GREEN, CLEAR: named agencies, and every agency of a named country.

Combining handlings (a lead built from several events) takes the most restrictive label and
the agencies every input allows, so a combination never widens release.

Fact-only release (``Handling.fact_releasable_to``, read with the same TLP rule): an agency
that may not see a record may still be told the FACT of a lead built on it (category, place,
priority, times, a point of contact) when the record's handling names it there. A lead's fact
goes to an agency only if every handling it was combined from allows at least the fact
(``fact_agencies``); ``release_of`` says whole, fact-only or nothing, and
``leads/redaction.py`` makes the fact-only view: dispatch and the dashboard both use them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from fusion.contract import AGENCY_COUNTRY, TLP_ORDER, Agency, Country, Handling, Tlp

NAMED_ONLY = frozenset({Tlp.RED, Tlp.AMBER_STRICT})


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str


class Release(StrEnum):
    WHOLE = "whole"
    FACT_ONLY = "fact-only"
    NONE = "none"


def _expand(codes: Iterable[Country | Agency], tlp: Tlp) -> frozenset[Agency]:
    codes = tuple(codes)
    named = {code for code in codes if isinstance(code, Agency)}
    if tlp in NAMED_ONLY:
        return frozenset(named)
    countries = {code for code in codes if isinstance(code, Country)}
    return frozenset(named | {a for a, c in AGENCY_COUNTRY.items() if c in countries})


def permitted_agencies(handling: Handling) -> frozenset[Agency]:
    """Every agency ``handling`` allows a record to reach."""
    return _expand(handling.releasable_to, handling.tlp)


def fact_agencies(handling: Handling) -> frozenset[Agency]:
    """Every agency that may at least be told the fact of a lead on a record of ``handling``
    (the permitted agencies included)."""
    return permitted_agencies(handling) | _expand(handling.fact_releasable_to, handling.tlp)


def release_of(handling: Handling, agency: Agency) -> Release:
    """What of a lead with ``handling`` may reach ``agency``: all of it, its fact, or nothing."""
    if agency in permitted_agencies(handling):
        return Release.WHOLE
    if agency in fact_agencies(handling):
        return Release.FACT_ONLY
    return Release.NONE


def may_receive(handling: Handling, agency: Agency) -> Verdict:
    if agency in permitted_agencies(handling):
        return Verdict(True, "releasable")
    listed = ", ".join(code.value for code in handling.releasable_to)
    if handling.tlp in NAMED_ONLY and agency.country in handling.releasable_to:
        return Verdict(False, f"TLP:{handling.tlp.value} goes to named agencies only "
                              f"({listed}); {agency.value} is not named")
    return Verdict(False, f"not releasable to {agency.value} (REL TO {listed})")


def combine_handling(handlings: Iterable[Handling]) -> Handling:
    """The most restrictive handling of all inputs; raises ValueError if given none."""
    # A lead's evidence carries few distinct handlings, and leads repeat them: combine each
    # distinct set once (handlings are frozen, so their value is all that counts).
    distinct = frozenset((h.tlp, tuple(h.releasable_to), tuple(h.fact_releasable_to))
                         for h in handlings)
    if not distinct:
        raise ValueError("combine_handling needs at least one handling")
    return _combined(distinct)


Codes = tuple[Country | Agency, ...]


@functools.lru_cache(maxsize=4096)
def _combined(handlings: frozenset[tuple[Tlp, Codes, Codes]]) -> Handling:
    items = [Handling(tlp=tlp, releasable_to=list(codes), fact_releasable_to=list(facts))
             for tlp, codes, facts in handlings]
    tlp = max((h.tlp for h in items), key=TLP_ORDER.index)
    agencies = frozenset(Agency).intersection(*(permitted_agencies(h) for h in items))
    facts = frozenset(Agency).intersection(*(fact_agencies(h) for h in items)) - agencies
    return Handling(tlp=tlp, releasable_to=_compress(agencies, tlp=tlp),
                    fact_releasable_to=_compress(facts, tlp=tlp))


def _compress(agencies: frozenset[Agency], *, tlp: Tlp) -> list[Country | Agency]:
    """Express an agency set as whole countries where possible (never for named-only labels)."""
    out: list[Country | Agency] = []
    remaining = set(agencies)
    if tlp not in NAMED_ONLY:
        for country in Country:
            members = {a for a, c in AGENCY_COUNTRY.items() if c is country}
            if members <= remaining:
                out.append(country)
                remaining -= members
    out.extend(sorted(remaining, key=lambda a: a.value))
    return out
