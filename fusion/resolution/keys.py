"""Canonical entity keys: the group keys that correlation, watchlists and leads share."""

from __future__ import annotations

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
from fusion.resolution.plates import normalise_plate, vehicle_key


def _compact(text: str) -> str:
    return normalise_plate(text)  # same rule: upper case, letters and digits only


def entity_keys(entity: Entity) -> tuple[str, ...]:
    """Every key under which ``entity`` can be matched; the strongest key first.

    A person with no document or date of birth has no key: a name alone is too weak to match.
    """
    match entity:
        case Vehicle():
            keys = [vehicle_key(entity.plate, entity.plate_region)]
            if entity.vin:
                keys.append(f"vin:{entity.vin}")
            return tuple(keys)
        case Document():
            return (f"document:{entity.issuing_country}:{entity.document_type}:"
                    f"{_compact(entity.number)}",)
        case Container():
            return (f"container:{_compact(entity.container_id)}",)
        case Firearm():
            make = _compact(entity.make or "")
            return (f"firearm:{make}:{_compact(entity.serial)}",)
        case Phone():
            return (f"phone:{''.join(ch for ch in entity.number if ch.isdigit())}",)
        case Conveyance():
            return (f"conveyance:{entity.mode}:{_compact(entity.identifier)}",)
        case Person():
            return ()
