"""A schematic SVG map of the border region (no tile server): the line, every port of entry,
the plate-reader corridors and sensor segments, and the lead's own place highlighted (pure).

Positions are those of the corridor simulator (``producers/scenario/geography.py``, which
the dashboard may not import: same layer); a shared home in ``fusion/contract/`` would let
both read one table. Lead evidence references carry no place of their own (the contract's
``EvidenceRef``), so the lead's location is what is marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from fusion.contract import Location, Port

WEST, EAST, SOUTH, NORTH = -117.8, -96.8, 25.0, 33.9
WIDTH, HEIGHT = 840, 380

US_PORTS: dict[Port, tuple[float, float]] = {
    Port.US_SAN_YSIDRO: (32.542, -117.029), Port.US_OTAY_MESA: (32.553, -116.938),
    Port.US_CALEXICO: (32.665, -115.498), Port.US_SAN_LUIS: (32.485, -114.782),
    Port.US_LUKEVILLE: (31.880, -112.817), Port.US_NOGALES_DECONCINI: (31.333, -110.943),
    Port.US_NOGALES_MARIPOSA: (31.335, -110.975), Port.US_DOUGLAS: (31.334, -109.560),
    Port.US_SANTA_TERESA: (31.784, -106.679), Port.US_EL_PASO_BOTA: (31.764, -106.451),
    Port.US_EL_PASO_PDN: (31.748, -106.487), Port.US_EL_PASO_YSLETA: (31.673, -106.338),
    Port.US_DEL_RIO: (29.327, -100.928), Port.US_EAGLE_PASS: (28.708, -100.511),
    Port.US_LAREDO_WTB: (27.600, -99.533), Port.US_LAREDO_JL: (27.501, -99.507),
    Port.US_HIDALGO: (26.095, -98.270), Port.US_PHARR: (26.068, -98.206),
    Port.US_BROWNSVILLE: (25.901, -97.497),
}
# The Mexican side: just across the line from its counterpart(s).
PORTS: dict[Port, tuple[float, float]] = {**US_PORTS}
for _port in Port:
    if _port not in US_PORTS:
        _facing = [US_PORTS[p] for p in _port.counterparts]
        PORTS[_port] = (sum(p[0] for p in _facing) / len(_facing) - 0.06,
                        sum(p[1] for p in _facing) / len(_facing))

BORDER: tuple[tuple[float, float], ...] = (
    (32.53, -117.12), (32.72, -114.72), (32.49, -114.81), (31.33, -111.07), (31.33, -108.21),
    (31.78, -108.21), (31.78, -106.53), (31.35, -105.95), (30.63, -104.98), (29.56, -104.37),
    (29.00, -103.20), (29.78, -102.40), (29.36, -100.90), (28.70, -100.50), (27.50, -99.50),
    (26.55, -99.10), (26.10, -98.27), (25.90, -97.50), (25.96, -97.14),
)

CORRIDORS: dict[str, tuple[tuple[float, float], tuple[float, float]]] = {
    "TX-I35": ((27.62, -99.47), (29.33, -98.55)), "TX-US83": ((28.75, -100.45), (29.35, -99.80)),
    "TX-I10-ELP": ((31.76, -106.45), (31.70, -106.20)),
    "NM-I10": ((32.28, -106.80), (32.27, -107.75)), "AZ-I19": ((31.36, -110.95), (32.18, -110.97)),
    "AZ-SR86": ((31.95, -112.05), (32.10, -111.25)),
    "AZ-I10-PIMA": ((32.20, -110.95), (32.45, -111.25)),
    "CA-SR86": ((32.70, -115.50), (33.60, -116.20)),
    "MX-FED15-SON": ((31.20, -110.93), (29.10, -110.95)),
    "CA-JACUMBA-01": ((32.62, -116.20), (32.64, -116.05)),
    "AZ-SONORA-07": ((31.49, -111.40), (31.45, -111.10)),
    "AZ-TON-03": ((31.88, -112.30), (31.80, -111.90)),
    "NM-BOOTHEEL-04": ((31.34, -108.70), (31.33, -108.30)),
    "TX-BIGBEND-02": ((29.20, -103.30), (29.00, -102.90)),
    "TX-RGV-05": ((26.15, -98.40), (26.05, -97.90)),
    "MX-SON-ALTAR-01": ((31.10, -111.90), (30.90, -111.70)),
}


def _xy(lat: float, lon: float) -> tuple[float, float]:
    x = (lon - WEST) / (EAST - WEST) * WIDTH
    y = (NORTH - lat) / (NORTH - SOUTH) * HEIGHT
    return round(x, 1), round(y, 1)


@dataclass(frozen=True)
class Marked:
    port: Port | None
    point: tuple[float, float] | None
    corridor: str | None


def marked(location: Location | None) -> Marked:
    if location is None:
        return Marked(None, None, None)
    point = ((location.coordinates.lat, location.coordinates.lon)
             if location.coordinates is not None else None)
    return Marked(location.port, point, location.corridor)


def border_svg(location: Location | None, *, title: str) -> str:
    """The map as an inline SVG element; ``title`` is its accessible name."""
    mark = marked(location)
    line = " ".join(f"{x},{y}" for x, y in (_xy(*p) for p in BORDER))
    out = [f'<svg class="map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
           f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
           f"<title>{escape(title)}</title>",
           f'<polyline class="border" points="{line}" fill="none"/>']
    for name, (start, end) in CORRIDORS.items():
        (x1, y1), (x2, y2) = _xy(*start), _xy(*end)
        cls = "segment hit" if name == mark.corridor else "segment"
        out.append(f'<line class="{cls}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" '
                   f'data-corridor="{escape(name)}"><title>{escape(name)}</title></line>')
    for port, (lat, lon) in PORTS.items():
        x, y = _xy(lat, lon)
        hit = port is mark.port
        out.append(f'<circle class="{"port hit" if hit else "port"}" cx="{x}" cy="{y}" '
                   f'r="{7 if hit else 3}" data-port="{port.value}">'
                   f"<title>{port.value}</title></circle>")
        if hit:
            out.append(f'<text class="label" x="{x + 9}" y="{y - 6}">{port.value}</text>')
    if mark.point is not None:
        x, y = _xy(*mark.point)
        out.append(f'<circle class="point hit" cx="{x}" cy="{y}" r="6" data-point="1"/>')
    out.append("</svg>")
    return "".join(out)
