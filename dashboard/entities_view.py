"""How each entity of a lead was resolved: the keys it is matched under
(``fusion.resolution.keys.entity_keys``, the same keys correlation and the watchlist use)
and a sentence saying what the key makes equal (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.labels import N_
from fusion.contract.entities import (
    Container,
    Conveyance,
    Document,
    Entity,
    Firearm,
    Person,
    Phone,
    Vehicle,
)
from fusion.resolution.keys import entity_keys


@dataclass(frozen=True)
class EntityView:
    kind: str
    shown: str
    role: str | None
    keys: tuple[str, ...]
    how: str  # a sentence to translate


def describe(entity: Entity) -> EntityView:
    keys = entity_keys(entity)
    match entity:
        case Vehicle():
            shown = f"{entity.plate} ({entity.plate_region})"
            how = N_("Matched by plate within its issuing region: case, spaces and dashes "
                     "ignored, and O/0, I/1, B/8 read alike.")
        case Person():
            shown = entity.name
            how = N_("Not matched by name alone: a person is linked through a document or "
                     "a vehicle.")
        case Document():
            shown = f"{entity.document_type} {entity.number} ({entity.issuing_country})"
            how = N_("Matched by issuing country, document type and number.")
        case Container():
            shown = entity.container_id
            how = N_("Matched by container id (ISO 6346), spaces ignored.")
        case Firearm():
            shown = " ".join(p for p in (entity.make, entity.serial) if p)
            how = N_("Matched by make and serial number.")
        case Phone():
            shown = entity.number
            how = N_("Matched by the digits of the number.")
        case Conveyance():
            shown = f"{entity.mode} {entity.identifier}"
            how = N_("Matched by mode and identifier.")
    return EntityView(entity.kind, shown, entity.role, keys, how)
