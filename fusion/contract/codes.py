"""Closed sets that travel on the wire: agencies, countries, feeds, grading and handling codes.

Agency codes are short and upper case; topic names use their lower-case form
(``CBP-OFO`` publishes on ``feeds.cbp-ofo.<feed>`` and receives ``leads.cbp-ofo``).
"""

from __future__ import annotations

from enum import StrEnum


class Country(StrEnum):
    """ISO 3166-1 alpha-3 codes of the partner countries."""

    USA = "USA"
    MEX = "MEX"
    CAN = "CAN"


class Agency(StrEnum):
    """Partner agencies. Each belongs to exactly one country (see ``AGENCY_COUNTRY``)."""

    CBP_OFO = "CBP-OFO"  # US Customs and Border Protection, Office of Field Operations (ports)
    USBP = "USBP"  # US Border Patrol
    HSI = "HSI"  # Homeland Security Investigations
    DEA = "DEA"
    ATF = "ATF"
    FBI = "FBI"
    USCG = "USCG"
    EPIC = "EPIC"  # El Paso Intelligence Center, the fusion hub
    TX_DPS = "TX-DPS"
    AZ_DPS = "AZ-DPS"
    NM_DPS = "NM-DPS"
    CHP = "CHP"  # California Highway Patrol
    EPPD = "EPPD"  # El Paso police
    PCSD = "PCSD"  # Pima County sheriff
    TONPD = "TONPD"  # Tohono O'odham Nation police
    GN = "GN"  # Guardia Nacional / SSPC, Mexican federal police successor
    ANAM = "ANAM"  # Mexican customs
    FGR = "FGR"  # Mexican federal prosecutor
    CBSA = "CBSA"  # Canada Border Services Agency
    RCMP = "RCMP"

    @property
    def slug(self) -> str:
        """The lower-case form used in topic names."""
        return self.value.lower()

    @property
    def country(self) -> Country:
        return AGENCY_COUNTRY[self]


AGENCY_COUNTRY: dict[Agency, Country] = {
    **{
        a: Country.USA
        for a in (
            Agency.CBP_OFO, Agency.USBP, Agency.HSI, Agency.DEA, Agency.ATF, Agency.FBI,
            Agency.USCG, Agency.EPIC, Agency.TX_DPS, Agency.AZ_DPS, Agency.NM_DPS, Agency.CHP,
            Agency.EPPD, Agency.PCSD, Agency.TONPD,
        )
    },
    Agency.GN: Country.MEX,
    Agency.ANAM: Country.MEX,
    Agency.FGR: Country.MEX,
    Agency.CBSA: Country.CAN,
    Agency.RCMP: Country.CAN,
}


class Feed(StrEnum):
    """Feeds an agency publishes; the value is the last part of the topic name."""

    POE_CROSSINGS = "poe-crossings"
    WATCHLIST = "watchlist"
    LPR_READS = "lpr-reads"  # license plate reader reads
    SEIZURES = "seizures"
    APPREHENSIONS = "apprehensions"
    SENSOR_ALERTS = "sensor-alerts"  # unattended ground sensors
    FIREARM_TRACES = "firearm-traces"
    BULK_CASH = "bulk-cash"
    PASSENGER_INFO = "passenger-info"  # advance passenger information
    ESEAL_EVENTS = "eseal-events"  # cargo e-seals
    RAIL_IMAGING = "rail-imaging"
    TIPS = "tips"


class SourceReliability(StrEnum):
    """Admiralty source reliability: A completely reliable ... E unreliable, F cannot be judged."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


class Credibility(StrEnum):
    """Admiralty information credibility: 1 confirmed ... 5 improbable, 6 cannot be judged."""

    CONFIRMED = "1"
    PROBABLY_TRUE = "2"
    POSSIBLY_TRUE = "3"
    DOUBTFUL = "4"
    IMPROBABLE = "5"
    CANNOT_BE_JUDGED = "6"


class Tlp(StrEnum):
    """Traffic Light Protocol 2.0 labels, from most to least restrictive (see ``TLP_ORDER``)."""

    RED = "RED"
    AMBER_STRICT = "AMBER+STRICT"
    AMBER = "AMBER"
    GREEN = "GREEN"
    CLEAR = "CLEAR"

    @property
    def restrictiveness(self) -> int:
        """Higher is more restrictive."""
        return TLP_ORDER.index(self)


TLP_ORDER: tuple[Tlp, ...] = (Tlp.CLEAR, Tlp.GREEN, Tlp.AMBER, Tlp.AMBER_STRICT, Tlp.RED)


class Priority(StrEnum):
    """Lead priority, most urgent first in ``PRIORITY_ORDER``."""

    FLASH = "FLASH"
    IMMEDIATE = "IMMEDIATE"
    PRIORITY = "PRIORITY"
    ROUTINE = "ROUTINE"

    @property
    def rank(self) -> int:
        """0 is the most urgent."""
        return PRIORITY_ORDER.index(self)


PRIORITY_ORDER: tuple[Priority, ...] = (
    Priority.FLASH, Priority.IMMEDIATE, Priority.PRIORITY, Priority.ROUTINE,
)
