"""Planted threat patterns: one planter per catalogue rule (and one for the intake rule
``watchlist-vehicle-crossing``), each making the events that should make its rule fire, with
fresh entities from the scenario's factory.

A planter gets an anchor time and a ``scale`` (0 < scale <= 1) that compresses its natural
spacing when the scenario is short; every rule window is an upper bound, so a compressed
pattern still fires. Patterns that would also trip another rule are shaped not to (noted in
each planter), except where that cannot be avoided: a tamper nobody inspects is also a tamper,
so ``eseal-tamper-not-inspected`` expects a second, non-primary ``eseal-tamper`` record.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fusion.contract import (
    Agency,
    Commodity,
    Concealment,
    Coordinates,
    Country,
    Entity,
    EventEnvelope,
    Firearm,
    Handling,
    Location,
    Port,
    Tlp,
)
from fusion.resolution.keys import entity_keys
from producers.events import (
    bulk_cash_event,
    eseal_event,
    firearm_trace_event,
    lpr_read_event,
    passenger_info_event,
    rail_imaging_event,
    seizure_event,
    sensor_alert_event,
    tip_event,
    watchlist_event,
)
from producers.scenario.background import A1, B2, C3, DEALERS, FLIGHTS, GREEN_USA_MEX, crossing
from producers.scenario.factory import EntityFactory, Traveller
from producers.scenario.geography import CAMERA_NETWORKS, SENSOR_SEGMENTS

H = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Expectation:
    """One finding a planted pattern should produce."""

    rule_id: str
    category: str
    evidence: tuple[EventEnvelope, ...]  # exactly the events the finding's evidence holds
    group_key: str | None  # the engine's group key (None for match rules)
    subjects: tuple[str, ...]  # the planted entities' keys
    fires_at: dt.datetime  # event time at which the rule can fire
    primary: bool = True
    engine: str = "rules"  # "rules" (catalogue, correlation stage) or "intake"
    rule_handling: Handling | None = None  # the rule's own handling, if the catalogue sets one
    context: tuple[EventEnvelope, ...] = ()  # planted events that are needed but not evidence


@dataclass(frozen=True, slots=True)
class Planted:
    events: tuple[EventEnvelope, ...]
    expectations: tuple[Expectation, ...]


@dataclass
class Plant:
    """What a planter may use: the random source, the factory and the pattern's handling."""

    rng: random.Random
    factory: EntityFactory
    handling: Handling
    events: list[EventEnvelope] = field(default_factory=list)

    def id(self, agency: Agency) -> str:
        return self.factory.event_id(agency)

    def add(self, event: EventEnvelope) -> EventEnvelope:
        self.events.append(event)
        return event


@dataclass(frozen=True, slots=True)
class Planter:
    rule_id: str
    category: str
    span: dt.timedelta  # natural span from first to last event
    size: int  # number of events it plants
    plant: Callable[[Plant, dt.datetime, float], tuple[Expectation, ...]]


def _key(entity: Entity) -> str:
    return entity_keys(entity)[0]


def _port_runner(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    vehicle = p.factory.vehicle("MX-BCN")
    driver = p.factory.traveller(spanish=True)
    c = p.add(crossing(
        event_id=p.id(Agency.CBP_OFO), vehicle=vehicle, port=Port.US_SAN_YSIDRO, occurred_at=t,
        direction="N", outcome="port-runner",
        persons=(driver.person(p.rng, "driver", keep_accents=0.0, with_dob=False),),
        grading=A1, handling=p.handling))
    return (Expectation("port-runner", "ports", (c,), None, (_key(vehicle),), t),)


def _refused_then_crossed(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    vehicle = p.factory.vehicle("MX-CHH")
    driver = p.factory.traveller(spanish=True)
    persons = (driver.person(p.rng, "driver"), driver.doc("driver"))
    c1 = p.add(crossing(
        event_id=p.id(Agency.CBP_OFO), vehicle=vehicle, port=Port.US_EL_PASO_BOTA, occurred_at=t,
        direction="N", outcome="refused", persons=persons, grading=A1, handling=p.handling))
    t2 = t + 5 * H * s
    c2 = p.add(crossing(
        event_id=p.id(Agency.CBP_OFO), vehicle=vehicle, port=Port.US_SANTA_TERESA,
        occurred_at=t2, direction="N", outcome="admitted",
        persons=(driver.person(p.rng, "driver"), driver.doc("driver")), grading=A1,
        handling=p.handling))
    key = _key(vehicle)
    return (Expectation("refused-then-crossed-again", "ports", (c1, c2), key, (key,), t2),)


def _transit_then_south(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    network = next(n for n in CAMERA_NETWORKS if n.corridor == "TX-I35")
    vehicle = p.factory.vehicle("US-TX")
    camera = network.cameras[2]
    r = p.add(lpr_read_event(
        event_id=p.id(network.agency), agency=network.agency, vehicle=vehicle,
        coordinates=camera.position, occurred_at=t, camera_id=camera.camera_id, direction="S",
        read_confidence=0.97, corridor=network.corridor, grading=B2, handling=p.handling))
    driver = p.factory.traveller(spanish=False)
    t2 = t + 3 * H * s
    c = p.add(crossing(
        event_id=p.id(Agency.CBP_OFO), vehicle=vehicle, port=Port.US_LAREDO_JL, occurred_at=t2,
        direction="S", persons=(driver.person(p.rng, "driver"), driver.doc("driver")),
        grading=A1, handling=p.handling))
    key = _key(vehicle)
    return (Expectation("transit-read-then-southbound-crossing", "vehicles", (r, c), key,
                        (key,), t2),)


def _many_drivers(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    vehicle = p.factory.vehicle("MX-BCN")
    events = []
    for i, hours in enumerate((0, 20, 44)):
        driver = p.factory.traveller(spanish=True)
        events.append(p.add(crossing(
            event_id=p.id(Agency.CBP_OFO), vehicle=vehicle,
            port=(Port.US_CALEXICO, Port.US_SAN_YSIDRO, Port.US_OTAY_MESA)[i],
            occurred_at=t + hours * H * s, direction="N",
            persons=(driver.person(p.rng, "driver"), driver.doc("driver")), grading=A1,
            handling=p.handling)))
    key = _key(vehicle)
    return (Expectation("vehicle-many-drivers", "vehicles", tuple(events), key, (key,),
                        events[-1].occurred_at),)


def _watchlisted_read(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    vehicle = p.factory.vehicle("US-AZ")
    w = p.add(watchlist_event(
        event_id=p.id(Agency.HSI), entry_id=p.factory.label("BOLO-"), vehicle=vehicle,
        occurred_at=t, reason="vehicle linked to firearms purchases", agency=Agency.HSI,
        expires_at=t + dt.timedelta(days=30), grading=B2, handling=p.handling))
    network = next(n for n in CAMERA_NETWORKS if n.corridor == "AZ-I19")
    camera = network.cameras[1]
    t2 = t + 6 * H * s
    seen = vehicle.model_copy(update={"plate": f"{vehicle.plate[:3]} {vehicle.plate[3:]}"})
    r = p.add(lpr_read_event(
        event_id=p.id(network.agency), agency=network.agency, vehicle=seen,
        coordinates=camera.position, occurred_at=t2, camera_id=camera.camera_id,
        direction="N", read_confidence=0.92, corridor=network.corridor, grading=B2,
        handling=p.handling))
    return (Expectation("watchlisted-plate-read", "vehicles", (r,), None, (_key(vehicle),), t2,
                        context=(w,)),)


def _two_agencies_vehicle(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    # A northbound read (so the transit rule stays out of it) and a tip from another agency.
    vehicle = p.factory.vehicle("US-AZ")
    network = next(n for n in CAMERA_NETWORKS if n.corridor == "AZ-I10-PIMA")
    camera = network.cameras[0]
    r = p.add(lpr_read_event(
        event_id=p.id(network.agency), agency=network.agency, vehicle=vehicle,
        coordinates=camera.position, occurred_at=t, camera_id=camera.camera_id, direction="N",
        read_confidence=0.9, corridor=network.corridor, grading=B2, handling=p.handling))
    t2 = t + 10 * H * s
    tip = p.add(tip_event(
        event_id=p.id(Agency.DEA), agency=Agency.DEA, occurred_at=t2,
        text=f"Source says {vehicle.color} {vehicle.make} {vehicle.plate} picks up loads in "
             "Tucson for a Sinaloa cell.", channel="partner", entities=(vehicle,),
        grading=C3, handling=p.handling))
    key = _key(vehicle)
    return (Expectation("vehicle-reported-by-two-agencies", "corroboration", (r, tip), key,
                        (key,), t2),)


def _tip_then_seizure(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    # Tip and seizure by the same agency, so the two-agency rule does not fire as well.
    vehicle = p.factory.vehicle("MX-SON")
    tip = p.add(tip_event(
        event_id=p.id(Agency.HSI), agency=Agency.HSI, occurred_at=t,
        text=f"Llamada anónima: la camioneta {vehicle.plate} trae mercancía escondida en la "
             "carga, cruza por Nogales.", channel="hotline", entities=(vehicle,), grading=C3,
        handling=p.handling))
    subject = p.factory.traveller(spanish=True)
    t2 = t + 60 * H * s
    seizure = p.add(seizure_event(
        event_id=p.id(Agency.HSI), agency=Agency.HSI,
        location=Location(port=Port.US_NOGALES_MARIPOSA), occurred_at=t2,
        commodity=Commodity.MARIJUANA, quantity=840.0, unit="lb",
        concealment=Concealment.COMMERCIAL_LOAD, direction="N",
        entities=(vehicle, subject.person(p.rng, "subject"), subject.doc("subject")),
        grading=A1, handling=p.handling))
    key = _key(vehicle)
    return (Expectation("tip-corroborated-by-seizure", "corroboration", (tip, seizure), key,
                        (key,), t2),)


def _concealment_repeat(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    vehicle = p.factory.vehicle("MX-CHH")
    out = []
    for i, (commodity, quantity, concealment) in enumerate((
            (Commodity.FENTANYL, 4.2, Concealment.GAS_TANK),
            (Commodity.METHAMPHETAMINE, 18.5, Concealment.SPARE_TIRE))):
        subject = p.factory.traveller(spanish=True)
        out.append(p.add(seizure_event(
            event_id=p.id(Agency.CBP_OFO), location=Location(port=Port.US_EL_PASO_YSLETA),
            occurred_at=t + i * 30 * H * s, commodity=commodity, quantity=quantity, unit="kg",
            concealment=concealment, direction="N",
            entities=(vehicle, subject.person(p.rng, "subject"), subject.doc("subject")),
            grading=A1, handling=p.handling)))
    key = _key(vehicle)
    return (Expectation("northbound-concealment-vehicle-repeat", "narcotics", tuple(out), key,
                        (key,), out[-1].occurred_at),)


def _rail(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    train = p.factory.train()
    a = p.add(rail_imaging_event(
        event_id=p.id(Agency.CBP_OFO), train_id=train.identifier,
        location=Location(port=Port.US_LAREDO_WTB,
                          coordinates=Coordinates(lat=27.507, lon=-99.513)),
        occurred_at=t, car_id="TFMX 884213", anomaly="density", grading=A1,
        handling=p.handling))
    t2 = t + 20 * H * s
    seizure = p.add(seizure_event(
        event_id=p.id(Agency.CBP_OFO), location=Location(port=Port.US_LAREDO_WTB),
        occurred_at=t2, commodity=Commodity.COCAINE, quantity=310.0, unit="kg",
        concealment=Concealment.COMMERCIAL_LOAD, direction="N", entities=(train,),
        grading=A1, handling=p.handling))
    key = _key(train)
    return (Expectation("rail-anomaly-then-seizure", "rail", (a, seizure), key, (key,), t2),)


def _sensor_burst(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    segment = next(x for x in SENSOR_SEGMENTS if x.segment == "AZ-TON-03")
    sensor = segment.sensors[1]
    e = p.add(sensor_alert_event(
        event_id=p.id(segment.agency), agency=segment.agency,
        location=Location(coordinates=sensor.position, corridor=segment.segment),
        occurred_at=t, sensor_id=sensor.camera_id, corridor_segment=segment.segment,
        kind="seismic", count=p.rng.randint(6, 18), grading=B2, handling=p.handling))
    return (Expectation("ground-sensor-burst", "sensors", (e,), None, (), t),)


def _eseal_location(progress: float) -> Location:
    return Location(coordinates=Coordinates(lat=round(27.55 - 1.87 * progress, 4),
                                            lon=round(-99.52 - 0.79 * progress, 4)))


def _eseal_tamper(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    # Opened for inspection 3 h later, so only the tamper itself is a lead.
    container = p.factory.container()
    seal = p.factory.label("ES")
    tamper = p.add(eseal_event(
        event_id=p.id(Agency.CBP_OFO), container=container, location=_eseal_location(0.2),
        occurred_at=t, seal_id=seal, state="tamper", route_id="LRD-MTY", grading=A1,
        handling=p.handling))
    opened = p.add(eseal_event(
        event_id=p.id(Agency.CBP_OFO), container=container,
        location=Location(port=Port.US_LAREDO_WTB), occurred_at=t + 3 * H * s, seal_id=seal,
        state="opened", route_id="LRD-MTY", grading=A1, handling=p.handling))
    return (Expectation("eseal-tamper", "cargo", (tamper,), None, (_key(container),), t,
                        context=(opened,)),)


def _eseal_not_inspected(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    container = p.factory.container()
    tamper = p.add(eseal_event(
        event_id=p.id(Agency.ANAM), agency=Agency.ANAM, container=container,
        location=_eseal_location(0.6), occurred_at=t, seal_id=p.factory.label("ES"),
        state="tamper", route_id="LRD-MTY", grading=A1, handling=p.handling))
    key = _key(container)
    return (
        Expectation("eseal-tamper-not-inspected", "cargo", (tamper,), key, (key,),
                    t + 12 * H),
        Expectation("eseal-tamper", "cargo", (tamper,), None, (key,), t, primary=False),
    )


def _eseal_dark(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    container = p.factory.container()
    armed = p.add(eseal_event(
        event_id=p.id(Agency.CBP_OFO), container=container, location=_eseal_location(0.0),
        occurred_at=t, seal_id=p.factory.label("ES"), state="armed", route_id="LRD-MTY",
        grading=A1, handling=p.handling))
    key = _key(container)
    return (Expectation("eseal-armed-gone-dark", "cargo", (armed,), key, (key,), t + 6 * H),)


def _cash_at_port(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    carrier = p.factory.traveller(spanish=True)
    vehicle = p.factory.vehicle("US-TX")
    e = p.add(bulk_cash_event(
        event_id=p.id(Agency.CBP_OFO), location=Location(port=Port.US_HIDALGO), occurred_at=t,
        amount=float(p.rng.randrange(18_000, 95_000, 100)), currency="USD", direction="S",
        entities=(vehicle, carrier.person(p.rng, "carrier"), carrier.doc("carrier")),
        grading=A1, handling=p.handling))
    return (Expectation("southbound-bulk-cash-at-port", "cash", (e,), None,
                        (_key(carrier.document),), t),)


def _structuring(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    # Each run under USD 10,000, so the at-port rule stays quiet.
    carrier = p.factory.traveller(spanish=True)
    out = []
    for i, hours in enumerate((0, 30, 70)):
        out.append(p.add(bulk_cash_event(
            event_id=p.id(Agency.CBP_OFO),
            location=Location(port=(Port.US_LAREDO_JL, Port.US_LAREDO_WTB, Port.US_EAGLE_PASS)[i]),
            occurred_at=t + hours * H * s, amount=float(p.rng.randrange(7_000, 9_800, 50)),
            currency="USD", direction="S",
            entities=(carrier.person(p.rng, "carrier"), carrier.doc("carrier")),
            grading=A1, handling=p.handling)))
    key = _key(carrier.document)
    return (Expectation("bulk-cash-structuring", "cash", tuple(out), key, (key,),
                        out[-1].occurred_at),)


def _trace(p: Plant, t: dt.datetime, purchaser: Traveller, *, multiple: bool,
           firearm: Firearm | None = None) -> EventEnvelope:
    """An ATF trace naming ``purchaser`` (person and document, both role purchaser)."""
    event = firearm_trace_event(
        event_id=p.id(Agency.ATF), agency=Agency.ATF, firearm=firearm or p.factory.firearm(),
        occurred_at=t, dealer=p.rng.choice(DEALERS),
        purchase_date=(t - dt.timedelta(days=40)).date(), recovery_country="MEX",
        multiple_sale=multiple, purchaser=purchaser.person(p.rng, "purchaser"), grading=A1,
        handling=p.handling)
    return p.add(event.model_copy(
        update={"entities": [*event.entities, purchaser.doc("purchaser")]}))


def _carrier_is_purchaser(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    # The cash run stays under USD 10,000 (no at-port lead) and there is no crossing.
    person = p.factory.traveller(spanish=False)
    trace = _trace(p, t, person, multiple=True)
    t2 = t + 96 * H * s
    cash = p.add(bulk_cash_event(
        event_id=p.id(Agency.CBP_OFO), location=Location(port=Port.US_DOUGLAS), occurred_at=t2,
        amount=9_200.0, currency="USD", direction="S",
        entities=(person.person(p.rng, "carrier"), person.doc("carrier")), grading=A1,
        handling=p.handling))
    key = _key(person.document)
    return (Expectation("cash-carrier-multiple-sale-purchaser", "weapons", (trace, cash), key,
                        (key,), t2),)


def _purchaser_south(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    person = p.factory.traveller(spanish=True)
    trace = _trace(p, t, person, multiple=True)
    t2 = t + 72 * H * s
    south = p.add(crossing(
        event_id=p.id(Agency.CBP_OFO), vehicle=p.factory.vehicle("US-TX"),
        port=Port.US_EL_PASO_PDN, occurred_at=t2, direction="S",
        persons=(person.person(p.rng, "driver"), person.doc("driver")), grading=A1,
        handling=p.handling))
    key = _key(person.document)
    return (Expectation("multiple-sale-purchaser-southbound", "weapons", (trace, south), key,
                        (key,), t2),)


def _weapons_south(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    guns = tuple(p.factory.firearm() for _ in range(p.rng.randint(3, 8)))
    driver = p.factory.traveller(spanish=True)
    e = p.add(seizure_event(
        event_id=p.id(Agency.CBP_OFO), location=Location(port=Port.US_LAREDO_WTB),
        occurred_at=t, commodity=Commodity.FIREARMS, quantity=float(len(guns)), unit="units",
        concealment=Concealment.FLOOR_COMPARTMENT, direction="S",
        entities=(p.factory.vehicle("US-TX"), driver.person(p.rng, "subject"),
                  driver.doc("subject"), *guns),
        grading=A1, handling=p.handling))
    return (Expectation("southbound-weapons-seizure", "weapons", (e,), None,
                        tuple(_key(g) for g in guns), t),)


def _firearm_two_agencies(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    # Recovered in Mexico with no direction (no southbound-seizure lead), traced as a single
    # sale (no purchaser link).
    gun = p.factory.firearm()
    seizure = p.add(seizure_event(
        event_id=p.id(Agency.FGR), agency=Agency.FGR,
        location=Location(port=Port.MX_CIUDAD_JUAREZ), occurred_at=t,
        commodity=Commodity.FIREARMS, quantity=1.0, unit="units", concealment=Concealment.OTHER,
        entities=(gun,), grading=A1, handling=p.handling))
    trace = _trace(p, t + 48 * H * s, p.factory.traveller(spanish=False), multiple=False,
                   firearm=gun)
    key = _key(gun)
    return (Expectation("firearm-reported-by-two-agencies", "weapons", (seizure, trace), key,
                        (key,), trace.occurred_at),)


PASSENGER_RULE_HANDLING = Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA, Country.MEX])


def _passenger_subject(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    person = p.factory.traveller(spanish=True)
    seizure = p.add(seizure_event(
        event_id=p.id(Agency.CBP_OFO), location=Location(port=Port.US_EL_PASO_PDN),
        occurred_at=t, commodity=Commodity.FENTANYL, quantity=0.9, unit="kg",
        concealment=Concealment.BODY_CARRY, direction="N",
        entities=(person.person(p.rng, "subject"), person.doc("subject")), grading=A1,
        handling=p.handling))
    flight, origin, destination = FLIGHTS[0]
    t2 = t + 48 * H * s
    api = p.add(passenger_info_event(
        event_id=p.id(Agency.CBP_OFO), passenger=person.person(p.rng, "passenger"),
        documents=(person.doc("passenger"),), occurred_at=t2, flight_number=flight,
        origin=origin, destination=destination,
        scheduled_departure=(t2 + 6 * H).replace(second=0, microsecond=0), grading=A1,
        handling=p.handling))
    key = _key(person.document)
    return (Expectation("passenger-was-seizure-subject", "persons", (seizure, api), key, (key,),
                        t2, rule_handling=PASSENGER_RULE_HANDLING),)


def _watchlist_crossing(p: Plant, t: dt.datetime, s: float) -> tuple[Expectation, ...]:
    vehicle = p.factory.vehicle("US-NM")
    w = p.add(watchlist_event(
        event_id=p.id(Agency.DEA), entry_id=p.factory.label("DEA-BOLO-"), vehicle=vehicle,
        occurred_at=t, reason="registered to seizure subject", agency=Agency.DEA,
        expires_at=t + dt.timedelta(days=60), grading=B2, handling=p.handling))
    driver = p.factory.traveller(spanish=True)
    t2 = t + 5 * H * s
    c = p.add(crossing(
        event_id=p.id(Agency.CBP_OFO), vehicle=vehicle.model_copy(
            update={"plate": f"{vehicle.plate[:3]}-{vehicle.plate[3:]}"}),
        port=Port.US_SANTA_TERESA, occurred_at=t2, direction="N",
        persons=(driver.person(p.rng, "driver"), driver.doc("driver")), grading=A1,
        handling=p.handling))
    return (Expectation("watchlist-vehicle-crossing", "watchlist", (c, w), None,
                        (_key(vehicle),), t2, engine="intake"),)


PLANTERS: tuple[Planter, ...] = (
    Planter("port-runner", "ports", 0 * H, 1, _port_runner),
    Planter("refused-then-crossed-again", "ports", 5 * H, 2, _refused_then_crossed),
    Planter("transit-read-then-southbound-crossing", "vehicles", 3 * H, 2, _transit_then_south),
    Planter("vehicle-many-drivers", "vehicles", 44 * H, 3, _many_drivers),
    Planter("watchlisted-plate-read", "vehicles", 6 * H, 2, _watchlisted_read),
    Planter("vehicle-reported-by-two-agencies", "corroboration", 10 * H, 2,
            _two_agencies_vehicle),
    Planter("tip-corroborated-by-seizure", "corroboration", 60 * H, 2, _tip_then_seizure),
    Planter("northbound-concealment-vehicle-repeat", "narcotics", 30 * H, 2,
            _concealment_repeat),
    Planter("rail-anomaly-then-seizure", "rail", 20 * H, 2, _rail),
    Planter("ground-sensor-burst", "sensors", 0 * H, 1, _sensor_burst),
    Planter("eseal-tamper", "cargo", 3 * H, 2, _eseal_tamper),
    Planter("eseal-tamper-not-inspected", "cargo", 0 * H, 1, _eseal_not_inspected),
    Planter("eseal-armed-gone-dark", "cargo", 0 * H, 1, _eseal_dark),
    Planter("southbound-bulk-cash-at-port", "cash", 0 * H, 1, _cash_at_port),
    Planter("bulk-cash-structuring", "cash", 70 * H, 3, _structuring),
    Planter("cash-carrier-multiple-sale-purchaser", "weapons", 96 * H, 2,
            _carrier_is_purchaser),
    Planter("multiple-sale-purchaser-southbound", "weapons", 72 * H, 2, _purchaser_south),
    Planter("southbound-weapons-seizure", "weapons", 0 * H, 1, _weapons_south),
    Planter("firearm-reported-by-two-agencies", "weapons", 48 * H, 2, _firearm_two_agencies),
    Planter("passenger-was-seizure-subject", "persons", 48 * H, 2, _passenger_subject),
    Planter("watchlist-vehicle-crossing", "watchlist", 5 * H, 2, _watchlist_crossing),
)

PATTERN_HANDLINGS: Sequence[tuple[Handling, float]] = (
    (GREEN_USA_MEX, 0.6),
    (Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA]), 0.2),
    (Handling(tlp=Tlp.AMBER_STRICT, releasable_to=[Agency.HSI, Agency.ATF, Agency.EPIC]), 0.1),
    (Handling(tlp=Tlp.GREEN, releasable_to=[Country.USA, Country.MEX, Country.CAN]), 0.1),
)
