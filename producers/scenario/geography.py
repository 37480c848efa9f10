"""Where the corridor's traffic happens: the paired ports with positions and weights, the
plate-reader networks of the transit zones, the ground-sensor segments, and the daily and
weekly cycles (rate multipliers) of each kind of traffic.

Times of day are read in "border time", UTC-7 (Arizona, no daylight saving): one clock for
the whole line keeps the cycles simple; California and Texas are an hour off either way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fusion.contract import Agency, Coordinates, Port

BORDER_TIME = dt.timezone(dt.timedelta(hours=-7), "UTC-7")


@dataclass(frozen=True, slots=True)
class PortSite:
    port: Port
    lat: float
    lon: float
    weight: float  # share of the line's crossings
    region: str  # US state whose plates dominate


US_PORTS: tuple[PortSite, ...] = (
    PortSite(Port.US_SAN_YSIDRO, 32.542, -117.029, 12, "US-CA"),
    PortSite(Port.US_OTAY_MESA, 32.553, -116.938, 7, "US-CA"),
    PortSite(Port.US_CALEXICO, 32.665, -115.498, 5, "US-CA"),
    PortSite(Port.US_SAN_LUIS, 32.485, -114.782, 3, "US-AZ"),
    PortSite(Port.US_LUKEVILLE, 31.880, -112.817, 1, "US-AZ"),
    PortSite(Port.US_NOGALES_DECONCINI, 31.333, -110.943, 4, "US-AZ"),
    PortSite(Port.US_NOGALES_MARIPOSA, 31.335, -110.975, 3, "US-AZ"),
    PortSite(Port.US_DOUGLAS, 31.334, -109.560, 2, "US-AZ"),
    PortSite(Port.US_SANTA_TERESA, 31.784, -106.679, 1, "US-NM"),
    PortSite(Port.US_EL_PASO_BOTA, 31.764, -106.451, 6, "US-TX"),
    PortSite(Port.US_EL_PASO_PDN, 31.748, -106.487, 5, "US-TX"),
    PortSite(Port.US_EL_PASO_YSLETA, 31.673, -106.338, 5, "US-TX"),
    PortSite(Port.US_DEL_RIO, 29.327, -100.928, 2, "US-TX"),
    PortSite(Port.US_EAGLE_PASS, 28.708, -100.511, 3, "US-TX"),
    PortSite(Port.US_LAREDO_WTB, 27.600, -99.533, 6, "US-TX"),
    PortSite(Port.US_LAREDO_JL, 27.501, -99.507, 5, "US-TX"),
    PortSite(Port.US_HIDALGO, 26.095, -98.270, 5, "US-TX"),
    PortSite(Port.US_PHARR, 26.068, -98.206, 4, "US-TX"),
    PortSite(Port.US_BROWNSVILLE, 25.901, -97.497, 5, "US-TX"),
)

# Mexican plates by the state across from each US port.
MX_REGION: dict[Port, str] = {
    Port.MX_TIJUANA: "MX-BCN", Port.MX_MESA_DE_OTAY: "MX-BCN", Port.MX_MEXICALI: "MX-BCN",
    Port.MX_SAN_LUIS_RC: "MX-SON", Port.MX_SONOYTA: "MX-SON", Port.MX_NOGALES: "MX-SON",
    Port.MX_AGUA_PRIETA: "MX-SON", Port.MX_SAN_JERONIMO: "MX-CHH",
    Port.MX_CIUDAD_JUAREZ: "MX-CHH", Port.MX_CIUDAD_ACUNA: "MX-COA",
    Port.MX_PIEDRAS_NEGRAS: "MX-COA", Port.MX_NUEVO_LAREDO: "MX-TAM",
    Port.MX_REYNOSA: "MX-TAM", Port.MX_MATAMOROS: "MX-TAM",
}


@dataclass(frozen=True, slots=True)
class Camera:
    camera_id: str
    position: Coordinates


@dataclass(frozen=True, slots=True)
class CameraNetwork:
    """Plate readers along one transit-zone corridor, ordered from the border inland."""

    corridor: str
    agency: Agency
    cameras: tuple[Camera, ...]
    region: str  # plates most often read here


def _line(prefix: str, start: tuple[float, float], end: tuple[float, float],
          n: int) -> tuple[Camera, ...]:
    return tuple(
        Camera(f"{prefix}-{i + 1:02d}", Coordinates(
            lat=round(start[0] + (end[0] - start[0]) * i / (n - 1), 4),
            lon=round(start[1] + (end[1] - start[1]) * i / (n - 1), 4)))
        for i in range(n))


CAMERA_NETWORKS: tuple[CameraNetwork, ...] = (
    CameraNetwork("TX-I35", Agency.TX_DPS,
                  _line("I35-LRD", (27.62, -99.47), (29.33, -98.55), 6), "US-TX"),
    CameraNetwork("TX-US83", Agency.USBP,
                  _line("US83-DRT", (28.75, -100.45), (29.35, -99.80), 4), "US-TX"),
    CameraNetwork("TX-I10-ELP", Agency.EPPD,
                  _line("I10-ELP", (31.76, -106.45), (31.70, -106.20), 4), "US-TX"),
    CameraNetwork("NM-I10", Agency.NM_DPS,
                  _line("I10-LCR", (32.28, -106.80), (32.27, -107.75), 4), "US-NM"),
    CameraNetwork("AZ-I19", Agency.AZ_DPS,
                  _line("I19-NOG", (31.36, -110.95), (32.18, -110.97), 5), "US-AZ"),
    CameraNetwork("AZ-SR86", Agency.TONPD,
                  _line("SR86-TON", (31.95, -112.05), (32.10, -111.25), 4), "US-AZ"),
    CameraNetwork("AZ-I10-PIMA", Agency.PCSD,
                  _line("I10-PIM", (32.20, -110.95), (32.45, -111.25), 3), "US-AZ"),
    CameraNetwork("CA-SR86", Agency.CHP,
                  _line("SR86-IMP", (32.70, -115.50), (33.60, -116.20), 4), "US-CA"),
    CameraNetwork("MX-FED15-SON", Agency.GN,
                  _line("F15-SON", (31.20, -110.93), (29.10, -110.95), 5), "MX-SON"),
)


@dataclass(frozen=True, slots=True)
class SensorSegment:
    segment: str
    agency: Agency
    sensors: tuple[Camera, ...]  # sensor id and position


SENSOR_SEGMENTS: tuple[SensorSegment, ...] = (
    SensorSegment(
        "CA-JACUMBA-01", Agency.USBP, _line("UGS-JAC", (32.62, -116.20), (32.64, -116.05), 3)),
    SensorSegment(
        "AZ-SONORA-07", Agency.USBP, _line("UGS-SON", (31.49, -111.40), (31.45, -111.10), 4)),
    SensorSegment(
        "AZ-TON-03", Agency.TONPD, _line("UGS-TON", (31.88, -112.30), (31.80, -111.90), 3)),
    SensorSegment(
        "NM-BOOTHEEL-04", Agency.USBP, _line("UGS-BHL", (31.34, -108.70), (31.33, -108.30), 3)),
    SensorSegment(
        "TX-BIGBEND-02", Agency.USBP, _line("UGS-BBD", (29.20, -103.30), (29.00, -102.90), 3)),
    SensorSegment(
        "TX-RGV-05", Agency.USBP, _line("UGS-RGV", (26.15, -98.40), (26.05, -97.90), 4)),
    SensorSegment(
        "MX-SON-ALTAR-01", Agency.GN, _line("SSP-ALT", (31.10, -111.90), (30.90, -111.70), 3)),
)


# Multipliers by hour of day (border time) and day of week (Monday = 0). Crossings peak with
# the morning commute and the afternoon return; between ports, sensors and apprehensions peak
# at night; commercial and office-driven feeds follow working hours.
CROSSING_HOURS = (0.25, 0.2, 0.15, 0.12, 0.2, 0.6, 1.3, 1.9, 1.8, 1.4, 1.2, 1.2,
                  1.2, 1.2, 1.3, 1.5, 1.7, 1.8, 1.5, 1.2, 0.9, 0.7, 0.5, 0.35)
CROSSING_DAYS = (1.0, 0.95, 0.95, 1.0, 1.15, 1.2, 1.05)
NIGHT_HOURS = (1.8, 1.9, 2.0, 2.0, 1.8, 1.3, 0.8, 0.5, 0.4, 0.4, 0.4, 0.4,
               0.4, 0.4, 0.4, 0.4, 0.5, 0.6, 0.8, 1.1, 1.4, 1.6, 1.7, 1.8)
OFFICE_HOURS = (0.2, 0.2, 0.2, 0.2, 0.2, 0.3, 0.6, 1.2, 1.7, 1.9, 1.9, 1.8,
                1.6, 1.8, 1.9, 1.8, 1.6, 1.2, 0.8, 0.5, 0.4, 0.3, 0.3, 0.2)
WORK_DAYS = (1.15, 1.15, 1.15, 1.15, 1.1, 0.75, 0.55)
FLAT_DAYS = (1.0,) * 7
TRANSIT_HOURS = (0.6, 0.5, 0.5, 0.5, 0.6, 0.8, 1.1, 1.3, 1.3, 1.2, 1.1, 1.1,
                 1.1, 1.1, 1.2, 1.3, 1.4, 1.4, 1.3, 1.1, 1.0, 0.9, 0.8, 0.7)


@dataclass(frozen=True, slots=True)
class Cycle:
    hours: tuple[float, ...]
    days: tuple[float, ...]

    def at(self, when: dt.datetime) -> float:
        local = when.astimezone(BORDER_TIME)
        return self.hours[local.hour] * self.days[local.weekday()]

    @property
    def peak(self) -> float:
        return max(self.hours) * max(self.days)


CROSSING_CYCLE = Cycle(CROSSING_HOURS, CROSSING_DAYS)
NIGHT_CYCLE = Cycle(NIGHT_HOURS, FLAT_DAYS)
OFFICE_CYCLE = Cycle(OFFICE_HOURS, WORK_DAYS)
TRANSIT_CYCLE = Cycle(TRANSIT_HOURS, CROSSING_DAYS)
