"""Fresh entities and event ids for one scenario, all drawn from the scenario's random source
and never repeated: every vehicle, document, container, firearm, train and event id is checked
against the keys already handed out (plates by their match form, so ``AB0`` and ``ABO`` count
as one). Planted patterns draw from the same factory as the background, which is what keeps
background traffic from touching a planted entity by chance."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from fusion.contract import Agency, Container, Conveyance, Document, Firearm, Person, Vehicle
from fusion.resolution.containers import container_check_digit
from fusion.resolution.keys import entity_keys
from fusion.resolution.vin import vin_check_digit
from producers.scenario.names import Identity, new_identity, render

UPPER = string.ascii_uppercase
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
MAKES = ("Ford", "Chevrolet", "Nissan", "Toyota", "Dodge", "Honda", "Volkswagen", "GMC")
MODELS = {"Ford": "F-150", "Chevrolet": "Silverado", "Nissan": "Sentra", "Toyota": "Tacoma",
          "Dodge": "Ram 1500", "Honda": "Civic", "Volkswagen": "Jetta", "GMC": "Sierra"}
COLORS = ("white", "black", "silver", "gray", "red", "blue")
GUNS = (("Colt", "M4 Carbine", "5.56mm"), ("Barrett", "M82A1", ".50 BMG"),
        ("FN Herstal", "Five-seveN", "5.7x28mm"), ("Century Arms", "WASR-10", "7.62x39mm"),
        ("Glock", "19", "9mm"), ("Smith & Wesson", "M&P15", "5.56mm"),
        ("Ruger", "AR-556", "5.56mm"), ("Romarm", "Draco", "7.62x39mm"))
OWNERS = ("MSK", "MSC", "CMA", "HLX", "TGH", "FCI", "SEG", "TRL")


@dataclass(frozen=True, slots=True)
class Traveller:
    """A person with the documents that identify them; ``person(role)`` writes one sighting."""

    identity: Identity
    document: Document

    def person(self, rng: random.Random, role: str, *, keep_accents: float = 0.4,
               with_dob: bool = True) -> Person:
        return Person(role=role, name=render(self.identity, rng, keep_accents=keep_accents),
                      date_of_birth=self.identity.date_of_birth if with_dob else None,
                      nationality=self.identity.nationality)

    def doc(self, role: str) -> Document:
        return self.document.model_copy(update={"role": role})


class EntityFactory:
    def __init__(self, rng: random.Random, *, prefix: str) -> None:
        self._rng = rng
        self._prefix = prefix
        self._used: set[str] = set()

    def _claim(self, key: str) -> bool:
        if key in self._used:
            return False
        self._used.add(key)
        return True

    def event_id(self, agency: Agency) -> str:
        while True:
            candidate = f"{agency.slug}-{self._prefix}-{self._rng.getrandbits(40):010x}"
            if self._claim(f"event:{candidate}"):
                return candidate

    def vehicle(self, region: str, *, with_vin: float = 0.3) -> Vehicle:
        rng = self._rng
        while True:
            if region == "US-CA":
                plate = f"{rng.randint(5, 9)}{''.join(rng.choices(UPPER, k=3))}" \
                        f"{rng.randint(0, 999):03d}"
            elif region.startswith("MX-"):
                plate = f"{''.join(rng.choices(UPPER, k=3))}{rng.randint(0, 999):03d}" \
                        f"{rng.choice(UPPER)}"
            elif region == "US-NM":
                plate = f"{''.join(rng.choices(UPPER, k=3))}{rng.randint(0, 999):03d}"
            else:
                plate = f"{''.join(rng.choices(UPPER, k=3))}{rng.randint(0, 9999):04d}"
            make = rng.choice(MAKES)
            vin = self._vin() if rng.random() < with_vin else None
            vehicle = Vehicle(plate=plate, plate_region=region, vin=vin, make=make,
                              model=MODELS[make], color=rng.choice(COLORS))
            keys = entity_keys(vehicle)
            if all(k not in self._used for k in keys):
                self._used.update(keys)
                return vehicle

    def _vin(self) -> str:
        body = "".join(self._rng.choices(VIN_CHARS, k=17))
        vin = body[:8] + "0" + body[9:]
        return vin[:8] + vin_check_digit(vin) + vin[9:]

    def traveller(self, *, spanish: bool | None = None) -> Traveller:
        rng = self._rng
        spanish = rng.random() < 0.75 if spanish is None else spanish
        identity = new_identity(rng, spanish=spanish)
        while True:
            if identity.nationality == "USA":
                kind, number, country = rng.choice((
                    ("driver-licence", f"{rng.randint(10_000_000, 99_999_999)}", "USA"),
                    ("passport", f"{rng.randint(500_000_000, 599_999_999)}", "USA")))
            else:
                kind, number, country = rng.choice((
                    ("passport", f"G{rng.randint(10_000_000, 99_999_999)}", "MEX"),
                    ("border-crossing-card", f"MXC{rng.randint(10_000_000, 99_999_999)}",
                     "MEX")))
                if identity.nationality != "MEX":
                    kind, number, country = ("passport", f"{rng.choice(UPPER)}"
                                             f"{rng.randint(1_000_000, 9_999_999)}",
                                             identity.nationality)
            document = Document(document_type=kind, number=number,
                                issuing_country=country)
            if self._claim(entity_keys(document)[0]):
                return Traveller(identity, document)

    def container(self) -> Container:
        rng = self._rng
        while True:
            body = f"{rng.choice(OWNERS)}U{rng.randint(0, 999_999):06d}"
            cid = f"{body}{container_check_digit(body)}"
            container = Container(container_id=cid)
            if self._claim(entity_keys(container)[0]):
                return container

    def firearm(self) -> Firearm:
        rng = self._rng
        while True:
            make, model, caliber = rng.choice(GUNS)
            serial = f"{''.join(rng.choices(UPPER, k=2))}{rng.randint(10_000, 999_999)}"
            firearm = Firearm(serial=serial, make=make, model=model, caliber=caliber)
            if self._claim(entity_keys(firearm)[0]):
                return firearm

    def train(self) -> Conveyance:
        rng = self._rng
        while True:
            ident = f"{rng.choice(('KCSM', 'FXE', 'UP', 'BNSF'))}-{rng.randint(1000, 9999)}" \
                    f"-{rng.randint(1, 28):02d}"
            train = Conveyance(mode="train", identifier=ident)
            if self._claim(entity_keys(train)[0]):
                return train

    def label(self, kind: str) -> str:
        """A unique free-text id (seal ids, watchlist entry ids, flight-independent ids)."""
        while True:
            candidate = f"{kind}{self._rng.randint(100_000, 999_999)}"
            if self._claim(f"label:{candidate}"):
                return candidate
