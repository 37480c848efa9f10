"""Who may receive a record, from its TLP 2.0 label and its ``releasable_to`` list (pure).

- RED and AMBER+STRICT: only agencies named in ``releasable_to``; a country entry grants
  nothing, because those labels limit sharing to named recipients or one organisation.
- AMBER, GREEN, CLEAR: named agencies, and every agency of a named country.

Combining handlings (a lead built from several events) takes the most restrictive label and
the agencies every input allows, so a combination never widens release.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from fusion.contract import AGENCY_COUNTRY, TLP_ORDER, Agency, Country, Handling, Tlp

NAMED_ONLY = frozenset({Tlp.RED, Tlp.AMBER_STRICT})


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str


def permitted_agencies(handling: Handling) -> frozenset[Agency]:
    """Every agency ``handling`` allows a record to reach."""
    named = {code for code in handling.releasable_to if isinstance(code, Agency)}
    if handling.tlp in NAMED_ONLY:
        return frozenset(named)
    countries = {code for code in handling.releasable_to if isinstance(code, Country)}
    return frozenset(named | {a for a, c in AGENCY_COUNTRY.items() if c in countries})


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
    distinct = frozenset((h.tlp, tuple(h.releasable_to)) for h in handlings)
    if not distinct:
        raise ValueError("combine_handling needs at least one handling")
    return _combined(distinct)


@functools.lru_cache(maxsize=4096)
def _combined(handlings: frozenset[tuple[Tlp, tuple[Country | Agency, ...]]]) -> Handling:
    items = [Handling(tlp=tlp, releasable_to=list(codes)) for tlp, codes in handlings]
    tlp = max((h.tlp for h in items), key=TLP_ORDER.index)
    agencies = frozenset(Agency).intersection(*(permitted_agencies(h) for h in items))
    return Handling(tlp=tlp, releasable_to=_compress(agencies, tlp=tlp))


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
