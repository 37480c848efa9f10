"""Deterministic synthetic traffic: a watchlist, and vehicle crossings at the paired ports of
which a small share are watchlisted vehicles. Same seed, same events (times come from the
caller, so a replay with the same start time is identical)."""

from __future__ import annotations

import datetime as dt
import random
import string
from collections.abc import Iterator

from fusion.contract import (
    Agency,
    Country,
    EventEnvelope,
    Handling,
    Person,
    Port,
    Tlp,
    Vehicle,
)
from producers.events import crossing_event, watchlist_event

REGIONS = ("US-TX", "US-AZ", "US-CA", "US-NM", "MX-CHH", "MX-SON", "MX-BCN", "MX-TAM")
GIVEN = ("José Luis", "María", "Juan", "Ana", "Luis", "Guadalupe", "John", "Linda", "Carlos")
SURNAMES = ("García", "Hernández", "Martínez", "López", "González", "Pérez", "De la Cruz",
            "Smith", "Johnson", "Ramírez", "Flores")
REASONS = ("suspected bulk cash courier", "vehicle linked to firearms purchases",
           "registered to seizure subject", "stolen vehicle report")
US_PORTS = tuple(p for p in Port if p.value.startswith("US-"))


class TrafficGenerator:
    def __init__(self, seed: int, *, watchlist_size: int = 20, hit_ratio: float = 0.02) -> None:
        self._rng = random.Random(seed)  # noqa: S311 (reproducible simulation, not secrets)
        self._seed = seed
        self._hit_ratio = hit_ratio
        self.watchlisted = [self._vehicle() for _ in range(watchlist_size)]
        self._count = 0

    def watchlist(self, *, at: dt.datetime) -> list[EventEnvelope]:
        return [
            watchlist_event(
                event_id=f"sim{self._seed}-wl-{i}", entry_id=f"SIM{self._seed}-{i}",
                vehicle=vehicle, occurred_at=at, reason=self._rng.choice(REASONS),
                agency=self._rng.choice((Agency.HSI, Agency.DEA, Agency.ATF, Agency.TX_DPS)),
            )
            for i, vehicle in enumerate(self.watchlisted)
        ]

    def crossings(self, clock: Iterator[dt.datetime]) -> Iterator[EventEnvelope]:
        """Endless crossings, one per time drawn from ``clock``."""
        for at in clock:
            self._count += 1
            rng = self._rng
            hit = rng.random() < self._hit_ratio
            vehicle = rng.choice(self.watchlisted) if hit else self._vehicle()
            if hit and rng.random() < 0.5:  # officers type plates with dashes and spaces
                vehicle = vehicle.model_copy(update={"plate": _spaced(vehicle.plate)})
            yield crossing_event(
                event_id=f"sim{self._seed}-x-{self._count}",
                vehicle=vehicle,
                port=rng.choice(US_PORTS),
                occurred_at=at,
                direction=rng.choice(("N", "S")),
                lane=rng.choice(("general", "general", "sentri", "commercial")),
                outcome=rng.choices(("admitted", "secondary", "refused", "port-runner"),
                                    weights=(90, 8, 1.9, 0.1))[0],
                persons=(Person(role="driver", name=self._name()),),
                handling=self._handling(),
            )

    def _vehicle(self) -> Vehicle:
        rng = self._rng
        plate = "".join(rng.choices(string.ascii_uppercase, k=3)) + "".join(
            rng.choices(string.digits, k=4))
        return Vehicle(plate=plate, plate_region=rng.choice(REGIONS))

    def _name(self) -> str:
        rng = self._rng
        return f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"

    def _handling(self) -> Handling:
        if self._rng.random() < 0.2:
            return Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA])
        return Handling(tlp=Tlp.GREEN, releasable_to=[Country.USA, Country.MEX])


def _spaced(plate: str) -> str:
    return f"{plate[:3]}-{plate[3:]}"
