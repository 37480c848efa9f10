"""Background traffic of the corridor: every feed as its own Poisson process whose rate follows
a daily and weekly cycle (``geography.Cycle``), merged in event-time order.

The background is built to be *quiet* for the rule catalogue: on its own it should not make
any catalogue rule fire, so that every lead a scenario produces is either a planted pattern
(recorded in the ground truth) or a mistake worth looking at. That is done with realistic
choices rather than by leaving feeds out:

- every vehicle, traveller, container, firearm and train is fresh (``EntityFactory``), except
  SENTRI commuters, who cross again and again with the same car and card and are never refused;
- crossing outcomes are admitted, secondary or refused; port runners are planted only;
- plate-reader trips are read by one agency's cameras and never end at a port crossing;
- sensor alerts report 1 to 4 activations (bursts of 5+ are planted);
- southbound seizures are currency; firearms and ammunition are seized in Mexico (FGR, GN)
  with no direction; northbound narcotics use one fresh vehicle per seizure;
- southbound bulk cash at ports stays under USD 10,000 / MXN 200,000, one report per carrier;
- e-seal traffic is position reports and openings of containers armed before the scenario
  (an arming or tamper in the background would start an absence rule);
- watchlist entries name vehicles that never show up again.

Where it still could fire (by chance, not by design): two fresh plates that differ only in
confusable characters (O/0, I/1, B/8) are refused by the factory, so a collision would need
a bug there; the intake rule ``watchlist-vehicle-crossing`` sees no background hits either.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from fusion.contract import (
    Agency,
    Commodity,
    Concealment,
    Coordinates,
    Country,
    Credibility,
    Entity,
    EventEnvelope,
    Grading,
    Handling,
    Location,
    Port,
    SourceReliability,
    Tlp,
    Vehicle,
)
from producers.events import (
    apprehension_event,
    bulk_cash_event,
    crossing_event,
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
from producers.scenario.factory import EntityFactory, Traveller
from producers.scenario.geography import (
    CAMERA_NETWORKS,
    CROSSING_CYCLE,
    MX_REGION,
    NIGHT_CYCLE,
    OFFICE_CYCLE,
    SENSOR_SEGMENTS,
    TRANSIT_CYCLE,
    US_PORTS,
    CameraNetwork,
    Cycle,
    PortSite,
)

GREEN_USA_MEX = Handling(tlp=Tlp.GREEN, releasable_to=[Country.USA, Country.MEX])
AMBER_USA = Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA])
AMBER_USA_MEX = Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA, Country.MEX])
B2 = Grading(source=SourceReliability.B, credibility=Credibility.PROBABLY_TRUE)
A1 = Grading(source=SourceReliability.A, credibility=Credibility.CONFIRMED)
C3 = Grading(source=SourceReliability.C, credibility=Credibility.POSSIBLY_TRUE)
F6 = Grading(source=SourceReliability.F, credibility=Credibility.CANNOT_BE_JUDGED)

MX_AGENCIES = frozenset({Agency.GN, Agency.ANAM, Agency.FGR})
NARCOTICS = (Commodity.FENTANYL, Commodity.METHAMPHETAMINE, Commodity.COCAINE,
             Commodity.HEROIN, Commodity.MARIJUANA)
NARCOTIC_WEIGHTS = (20, 25, 15, 5, 35)
# (commodity) -> (unit, median quantity, spread factor)
QUANTITY = {Commodity.FENTANYL: ("kg", 3.0, 2.5), Commodity.METHAMPHETAMINE: ("kg", 20.0, 2.5),
            Commodity.COCAINE: ("kg", 12.0, 2.5), Commodity.HEROIN: ("kg", 2.0, 2.0),
            Commodity.MARIJUANA: ("lb", 250.0, 3.0)}
CONCEALMENTS = (Concealment.GAS_TANK, Concealment.SPARE_TIRE, Concealment.DOOR_PANEL,
                Concealment.DASHBOARD, Concealment.ROOF, Concealment.FLOOR_COMPARTMENT,
                Concealment.COMMERCIAL_LOAD, Concealment.BODY_CARRY)
# Northbound concealment by commodity: pills and powder in vehicles, marijuana in loads.
CONCEALMENT_WEIGHTS = {
    Commodity.FENTANYL: (20, 10, 12, 10, 5, 15, 8, 20),
    Commodity.METHAMPHETAMINE: (22, 12, 12, 8, 6, 15, 20, 5),
    Commodity.COCAINE: (15, 10, 15, 10, 8, 17, 22, 3),
    Commodity.HEROIN: (15, 10, 15, 12, 5, 13, 5, 25),
    Commodity.MARIJUANA: (5, 3, 5, 3, 5, 9, 65, 5),
}
FLIGHTS = (("AM642", "MEX", "ELP"), ("AM586", "GDL", "LAX"), ("Y4970", "GDL", "ONT"),
           ("VB712", "MTY", "DFW"), ("AA1453", "MEX", "PHX"), ("UA1087", "MEX", "IAH"),
           ("AM404", "MEX", "SAT"), ("Y4860", "CUL", "TIJ"), ("VB3010", "MEX", "TIJ"),
           ("AA2719", "DFW", "MTY"), ("AM680", "HMO", "PHX"))
DEALERS = ("Sunland Guns, El Paso TX", "Desert Tactical, Tucson AZ", "Border Arms LLC, Laredo TX",
           "Valley Sportsman, McAllen TX", "FFL 5-74-12345", "Rio Grande Pawn, Del Rio TX",
           "Phoenix Shooters Supply, Phoenix AZ", "FFL 9-86-54321")
TIP_TEXT = ("Caller reports a {color} {make} with plate {plate} loading packages at a stash "
            "house near the river at night.",
            "Se reporta camioneta {color} {make} placas {plate} que cruza varias veces por "
            "semana con carga sospechosa.",
            "Anonymous web tip: vehicle {plate} used to move cash south on weekends.",
            "Walk-in says {plate} belongs to a runner for a local cell; no further detail.")
CIRCUMSTANCES = ("group of {n} encountered on foot after sensor activation",
                 "{n} persons found in brush line near the border road",
                 "vehicle stop at checkpoint, {n} undocumented occupants",
                 "grupo de {n} personas detenido en brecha cerca de la línea")
RAIL_SITES = ((Port.US_LAREDO_WTB, 27.507, -99.513), (Port.US_EL_PASO_BOTA, 31.756, -106.470),
              (Port.US_NOGALES_MARIPOSA, 31.332, -110.940), (Port.US_EAGLE_PASS, 28.707, -100.50),
              (Port.US_BROWNSVILLE, 25.884, -97.510))
ESEAL_ROUTES = (("LRD-MTY", 27.55, -99.52, 25.68, -100.31), ("NOG-HMO", 31.33, -110.94,
                29.07, -110.95), ("OTM-ENS", 32.55, -116.94, 31.86, -116.60))


def crossing(*, persons: Sequence[Entity] = (), **kwargs: Any) -> EventEnvelope:
    """``crossing_event`` with documents among the persons (the builder takes persons only)."""
    event = crossing_event(**kwargs)
    return event.model_copy(update={"entities": [*event.entities, *persons]})


def pick_port(rng: random.Random) -> PortSite:
    return rng.choices(US_PORTS, weights=[p.weight for p in US_PORTS])[0]


def handling_for(rng: random.Random, agency: Agency) -> Handling:
    if agency in MX_AGENCIES:
        return GREEN_USA_MEX if rng.random() < 0.85 else AMBER_USA_MEX
    roll = rng.random()
    return GREEN_USA_MEX if roll < 0.75 else AMBER_USA if roll < 0.95 else AMBER_USA_MEX


@dataclass
class _Trip:
    network: CameraNetwork
    vehicle: Vehicle
    direction: str
    stops: list[int]


@dataclass
class _Commuter:
    vehicle: Vehicle
    driver: Traveller
    site: PortSite


@dataclass
class _Feed:
    name: str
    per_hour: float
    cycle: Cycle
    emit: Callable[[dt.datetime], EventEnvelope]
    next_at: dt.datetime = field(default=dt.datetime.min.replace(tzinfo=dt.UTC))


class Background:
    """Endless background events from ``start``, in event-time order."""

    def __init__(self, rng: random.Random, factory: EntityFactory, *,
                 per_hour: float = 120.0) -> None:
        self._rng = rng
        self._f = factory
        self._trips: list[_Trip] = []
        self._commuters: list[_Commuter] = []
        self._containers: list[tuple[str, str, Any]] = []
        shares: tuple[tuple[str, float, Cycle, Callable[[dt.datetime], EventEnvelope]], ...] = (
            ("poe-crossings", 0.55, CROSSING_CYCLE, self.crossing),
            ("lpr-reads", 0.20, TRANSIT_CYCLE, self.lpr_read),
            ("sensor-alerts", 0.06, NIGHT_CYCLE, self.sensor_alert),
            ("apprehensions", 0.03, NIGHT_CYCLE, self.apprehension),
            ("seizures", 0.03, CROSSING_CYCLE, self.seizure),
            ("bulk-cash", 0.02, CROSSING_CYCLE, self.bulk_cash),
            ("passenger-info", 0.04, OFFICE_CYCLE, self.passenger),
            ("eseal-events", 0.03, OFFICE_CYCLE, self.eseal),
            ("firearm-traces", 0.015, OFFICE_CYCLE, self.trace),
            ("tips", 0.01, OFFICE_CYCLE, self.tip),
            ("rail-imaging", 0.01, TRANSIT_CYCLE, self.rail),
            ("watchlist", 0.005, OFFICE_CYCLE, self.watchlist),
        )
        self._feeds = [_Feed(name, per_hour * share, cycle, emit)
                       for name, share, cycle, emit in shares]

    # -- time ---------------------------------------------------------------------------

    def times(self, start: dt.datetime, count: int) -> list[tuple[dt.datetime, int]]:
        """The next ``count`` background event times and feed indexes, from ``start`` on (the
        events themselves are made later by ``make``, so planted patterns can be placed in
        the span first)."""
        heap: list[tuple[dt.datetime, int]] = []
        for i, feed in enumerate(self._feeds):
            if feed.next_at < start:
                feed.next_at = self._next(feed, start)
            heapq.heappush(heap, (feed.next_at, i))
        out: list[tuple[dt.datetime, int]] = []
        while len(out) < count:
            at, i = heapq.heappop(heap)
            out.append((at, i))
            feed = self._feeds[i]
            feed.next_at = self._next(feed, at)
            heapq.heappush(heap, (feed.next_at, i))
        return out

    def _next(self, feed: _Feed, after: dt.datetime) -> dt.datetime:
        """Thinning: candidates at the peak rate, kept with probability rate(t) / peak."""
        peak = feed.per_hour * feed.cycle.peak / 3600.0
        at = after
        while True:
            at = at + dt.timedelta(seconds=round(self._rng.expovariate(peak), 3))
            if self._rng.random() * feed.cycle.peak <= feed.cycle.at(at):
                return at

    def make(self, at: dt.datetime, feed_index: int) -> EventEnvelope:
        return self._feeds[feed_index].emit(at)

    def feed_name(self, feed_index: int) -> str:
        return self._feeds[feed_index].name

    # -- feeds --------------------------------------------------------------------------

    def _id(self, agency: Agency) -> str:
        return self._f.event_id(agency)

    def crossing(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        if rng.random() < 0.2:
            return self._commute(at)
        site = pick_port(rng)
        if rng.random() < 0.1:  # ANAM's southbound inspection on the Mexican side
            port = rng.choice(site.port.counterparts)
            region = MX_REGION[port] if rng.random() < 0.5 else site.region
            vehicle = self._f.vehicle(region)
            driver = self._f.traveller()
            return crossing(
                event_id=self._id(Agency.ANAM), agency=Agency.ANAM, vehicle=vehicle, port=port,
                occurred_at=at, direction="S", lane=rng.choice(("general", "commercial")),
                outcome=rng.choices(("admitted", "secondary"), weights=(85, 15))[0],
                persons=(driver.person(rng, "driver", keep_accents=0.8), driver.doc("driver")),
                grading=B2, handling=handling_for(rng, Agency.ANAM))
        north = rng.random() < 0.7
        region = rng.choice(tuple(MX_REGION[p] for p in site.port.counterparts)) \
            if rng.random() < 0.55 else site.region
        vehicle = self._f.vehicle(region)
        driver = self._f.traveller()
        persons: list[Entity] = [driver.person(rng, "driver", keep_accents=0.2),
                                 driver.doc("driver")]
        if rng.random() < 0.3:
            rider = self._f.traveller()
            persons += [rider.person(rng, "passenger", keep_accents=0.2), rider.doc("passenger")]
        outcome = rng.choices(("admitted", "secondary", "refused"),
                              weights=(90, 8.5, 1.5 if north else 0))[0]
        lane = rng.choices(("general", "commercial"), weights=(80, 20))[0]
        return crossing(
            event_id=self._id(Agency.CBP_OFO), vehicle=vehicle, port=site.port, occurred_at=at,
            direction="N" if north else "S", lane=lane, outcome=outcome,
            persons=persons, grading=A1, handling=handling_for(rng, Agency.CBP_OFO))

    def _commute(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        if len(self._commuters) < 80 and (not self._commuters or rng.random() < 0.15):
            site = pick_port(rng)
            region = rng.choice((site.region, *(MX_REGION[p] for p in site.port.counterparts)))
            self._commuters.append(_Commuter(self._f.vehicle(region, with_vin=0.9),
                                             self._f.traveller(), site))
        c = rng.choice(self._commuters)
        return crossing(
            event_id=self._id(Agency.CBP_OFO), vehicle=c.vehicle, port=c.site.port,
            occurred_at=at, direction=rng.choice(("N", "S")), lane="sentri",
            outcome="admitted",
            persons=(c.driver.person(rng, "driver", keep_accents=0.2), c.driver.doc("driver")),
            grading=A1, handling=GREEN_USA_MEX)

    def lpr_read(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        if not self._trips or (len(self._trips) < 40 and rng.random() < 0.4):
            network = rng.choice(CAMERA_NETWORKS)
            region = network.region if rng.random() < 0.7 else rng.choice(
                ("MX-CHH", "MX-SON", "MX-BCN", "MX-TAM", "US-TX", "US-AZ"))
            direction = rng.choice(("N", "S"))
            stops = list(range(len(network.cameras)))
            start = rng.randrange(len(stops))
            length = rng.randint(1, 4)
            stops = stops[start:start + length] if direction == "N" else \
                list(reversed(stops[max(0, start - length + 1):start + 1]))
            self._trips.append(_Trip(network, self._f.vehicle(region), direction, stops))
        trip = rng.choice(self._trips)
        camera = trip.network.cameras[trip.stops.pop(0)]
        if not trip.stops:
            self._trips.remove(trip)
        vehicle = trip.vehicle
        if rng.random() < 0.1:  # the reader's OCR: 0 read as O, spaces
            vehicle = vehicle.model_copy(update={"plate": vehicle.plate.replace("0", "O")})
        return lpr_read_event(
            event_id=self._id(trip.network.agency), agency=trip.network.agency,
            vehicle=vehicle, coordinates=camera.position, occurred_at=at,
            camera_id=camera.camera_id, direction=trip.direction,  # type: ignore[arg-type]
            read_confidence=round(rng.betavariate(9, 1.2), 3), corridor=trip.network.corridor,
            grading=B2, handling=handling_for(rng, trip.network.agency))

    def sensor_alert(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        segment = rng.choice(SENSOR_SEGMENTS)
        sensor = rng.choice(segment.sensors)
        return sensor_alert_event(
            event_id=self._id(segment.agency), agency=segment.agency,
            location=Location(coordinates=sensor.position, corridor=segment.segment),
            occurred_at=at, sensor_id=sensor.camera_id, corridor_segment=segment.segment,
            kind=rng.choices(("seismic", "magnetic", "infrared", "camera"),
                             weights=(50, 20, 20, 10))[0],
            count=rng.choices((1, 2, 3, 4), weights=(60, 25, 10, 5))[0],
            grading=B2, handling=handling_for(rng, segment.agency))

    def apprehension(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        segment = rng.choice(SENSOR_SEGMENTS)
        agency = Agency.GN if segment.agency is Agency.GN else rng.choice(
            (Agency.USBP, Agency.USBP, Agency.TX_DPS))
        n = rng.choices(range(1, 13), weights=(20, 15, 12, 10, 8, 8, 6, 5, 5, 4, 4, 3))[0]
        persons = tuple(self._f.traveller(spanish=True).person(rng, "subject", keep_accents=0.5)
                        for _ in range(min(n, rng.randint(0, 2))))
        return apprehension_event(
            event_id=self._id(agency), agency=agency,
            location=Location(coordinates=rng.choice(segment.sensors).position,
                              corridor=segment.segment),
            occurred_at=at, count=n, circumstances=rng.choice(CIRCUMSTANCES).format(n=n),
            persons=persons, grading=B2, handling=handling_for(rng, agency))

    def seizure(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        roll = rng.random()
        if roll < 0.1:  # weapons recovered in Mexico: no direction, fresh firearms
            agency = rng.choice((Agency.FGR, Agency.GN))
            site = pick_port(rng)
            commodity = rng.choice((Commodity.FIREARMS, Commodity.AMMUNITION))
            guns = [self._f.firearm() for _ in range(rng.randint(1, 3))] \
                if commodity is Commodity.FIREARMS else []
            quantity = float(len(guns)) if guns else float(rng.randint(200, 5000))
            return seizure_event(
                event_id=self._id(agency), agency=agency,
                location=Location(port=rng.choice(site.port.counterparts)), occurred_at=at,
                commodity=commodity, quantity=quantity,
                unit="units" if guns else "rounds", concealment=rng.choice(
                    (Concealment.FLOOR_COMPARTMENT, Concealment.OTHER, Concealment.ROOF)),
                entities=guns, grading=B2, handling=handling_for(rng, agency))
        site = pick_port(rng)
        at_port = rng.random() < 0.7
        agency = Agency.CBP_OFO if at_port else Agency.USBP
        location = Location(port=site.port) if at_port else Location(
            coordinates=Coordinates(lat=round(site.lat + 0.3 + rng.random() * 0.4, 4),
                                    lon=round(site.lon + rng.uniform(-0.2, 0.2), 4)))
        subject = self._f.traveller()
        entities: list[Entity] = [subject.person(rng, "subject", keep_accents=0.3),
                                  subject.doc("subject")]
        if roll < 0.3:  # southbound: currency
            entities.insert(0, self._f.vehicle(site.region))
            return seizure_event(
                event_id=self._id(agency), agency=agency, location=location, occurred_at=at,
                commodity=Commodity.CURRENCY, quantity=float(rng.randrange(12_000, 250_000, 100)),
                unit="usd", concealment=rng.choice(CONCEALMENTS[:6]), direction="S",
                entities=entities, grading=A1, handling=handling_for(rng, agency))
        commodity = rng.choices(NARCOTICS, weights=NARCOTIC_WEIGHTS)[0]
        concealment = rng.choices(CONCEALMENTS, weights=CONCEALMENT_WEIGHTS[commodity])[0]
        unit, median, spread = QUANTITY[commodity]
        quantity = round(median * spread ** rng.gauss(0, 1), 2)
        if concealment is not Concealment.BODY_CARRY:
            region = rng.choice((site.region, *(MX_REGION[p] for p in site.port.counterparts)))
            entities.insert(0, self._f.vehicle(region))
        else:
            quantity = round(min(quantity, 2.0), 2) if unit == "kg" else round(min(quantity, 5), 2)
        return seizure_event(
            event_id=self._id(agency), agency=agency, location=location, occurred_at=at,
            commodity=commodity, quantity=max(quantity, 0.05), unit=unit,  # type: ignore[arg-type]
            concealment=concealment, direction="N", entities=entities, grading=A1,
            handling=handling_for(rng, agency))

    def bulk_cash(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        site = pick_port(rng)
        carrier = self._f.traveller()
        entities: list[Entity] = [carrier.person(rng, "carrier", keep_accents=0.3),
                                  carrier.doc("carrier")]
        if rng.random() < 0.6:  # southbound: under the reporting threshold
            agency = rng.choice((Agency.CBP_OFO, Agency.CBP_OFO, Agency.ANAM))
            port = site.port if agency is Agency.CBP_OFO else site.port.counterparts[0]
            currency = "USD" if rng.random() < 0.85 else "MXN"
            amount = float(rng.randrange(1500, 9900, 50)) if currency == "USD" else \
                float(rng.randrange(20_000, 190_000, 500))
            return bulk_cash_event(
                event_id=self._id(agency), agency=agency, location=Location(port=port),
                occurred_at=at, amount=amount, currency=currency,  # type: ignore[arg-type]
                direction="S", entities=entities, grading=A1, handling=handling_for(rng, agency))
        return bulk_cash_event(
            event_id=self._id(Agency.CBP_OFO), location=Location(port=site.port), occurred_at=at,
            amount=float(rng.randrange(10_000, 60_000, 100)), currency="USD", direction="N",
            entities=entities, grading=A1, handling=handling_for(rng, Agency.CBP_OFO))

    def passenger(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        flight, origin, destination = rng.choice(FLIGHTS)
        agency = Agency.ANAM if destination in ("MTY", "TIJ") else Agency.CBP_OFO
        traveller = self._f.traveller()
        departure = (at + dt.timedelta(hours=rng.randint(2, 48))).replace(second=0,
                                                                          microsecond=0)
        return passenger_info_event(
            event_id=self._id(agency), agency=agency,
            passenger=traveller.person(rng, "passenger", keep_accents=0.1),
            documents=(traveller.doc("passenger"),), occurred_at=at, flight_number=flight,
            origin=origin, destination=destination, scheduled_departure=departure,
            grading=A1, handling=handling_for(rng, agency))

    def eseal(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        if not self._containers or (len(self._containers) < 25 and rng.random() < 0.3):
            route = rng.choice(ESEAL_ROUTES)
            self._containers.append((self._f.label("ES"), route[0], (route, self._f.container(),
                                                                      rng.random())))
        seal, route_id, data = rng.choice(self._containers)
        route, container, progress = data
        progress = min(1.0, progress + rng.uniform(0.05, 0.25))
        opened = progress >= 1.0
        index = self._containers.index((seal, route_id, data))
        if opened:
            self._containers.pop(index)
        else:
            self._containers[index] = (seal, route_id, (route, container, progress))
        lat = route[1] + (route[3] - route[1]) * progress
        lon = route[2] + (route[4] - route[2]) * progress
        agency = Agency.ANAM if progress > 0.3 else Agency.CBP_OFO
        return eseal_event(
            event_id=self._id(agency), agency=agency, container=container,
            location=Location(coordinates=Coordinates(lat=round(lat, 4), lon=round(lon, 4))),
            occurred_at=at, seal_id=seal, state="opened" if opened else "position",
            route_id=route_id, grading=A1, handling=handling_for(rng, agency))

    def trace(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        purchaser = self._f.traveller(spanish=rng.random() < 0.5)
        agency = Agency.ATF if rng.random() < 0.85 else Agency.HSI
        return firearm_trace_event(
            event_id=self._id(agency), agency=agency, firearm=self._f.firearm(),
            occurred_at=at, dealer=rng.choice(DEALERS),
            purchase_date=(at - dt.timedelta(days=rng.randint(20, 900))).date(),
            recovery_country=rng.choices(("MEX", "USA", "GTM"), weights=(70, 25, 5))[0],
            multiple_sale=rng.random() < 0.2,
            purchaser=purchaser.person(rng, "purchaser", keep_accents=0.1),
            grading=A1, handling=handling_for(rng, agency))

    def tip(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        agency = rng.choice((Agency.HSI, Agency.DEA, Agency.EPIC, Agency.FGR))
        vehicle = self._f.vehicle(rng.choice(("US-TX", "US-AZ", "MX-CHH", "MX-SON")))
        text = rng.choice(TIP_TEXT).format(color=vehicle.color, make=vehicle.make,
                                           plate=vehicle.plate)
        return tip_event(
            event_id=self._id(agency), agency=agency, occurred_at=at, text=text,
            channel=rng.choice(("hotline", "web", "walk-in", "partner")),
            entities=(vehicle,), grading=rng.choice((F6, C3)),
            handling=handling_for(rng, agency))

    def rail(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        port, lat, lon = rng.choice(RAIL_SITES)
        return rail_imaging_event(
            event_id=self._id(Agency.CBP_OFO), train_id=self._f.train().identifier,
            location=Location(port=port, coordinates=Coordinates(lat=lat, lon=lon)),
            occurred_at=at, car_id=f"{rng.choice(('TFMX', 'KCSM', 'FXE', 'UP'))} "
                                   f"{rng.randint(100_000, 999_999)}",
            anomaly=rng.choice(("density", "void", "organic", "other")),
            grading=A1, handling=handling_for(rng, Agency.CBP_OFO))

    def watchlist(self, at: dt.datetime) -> EventEnvelope:
        rng = self._rng
        agency = rng.choice((Agency.HSI, Agency.DEA, Agency.ATF, Agency.TX_DPS))
        return watchlist_event(
            event_id=self._id(agency), entry_id=self._f.label("BOLO-"), agency=agency,
            vehicle=self._f.vehicle(rng.choice(("US-TX", "US-AZ", "US-CA", "MX-CHH"))),
            occurred_at=at, reason=rng.choice(("stolen vehicle report",
                                               "registered to seizure subject",
                                               "suspected load vehicle")),
            expires_at=at + dt.timedelta(days=90), grading=B2,
            handling=handling_for(rng, agency))


def iter_background(bg: Background, times: list[tuple[dt.datetime, int]]
                    ) -> Iterator[EventEnvelope]:
    for at, index in times:
        yield bg.make(at, index)
