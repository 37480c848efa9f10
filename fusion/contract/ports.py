"""Ports of entry on the US-Mexico border and their counterparts across the line."""

from __future__ import annotations

from enum import StrEnum

from fusion.contract.codes import Country


class Port(StrEnum):
    """Port codes: ``US-`` ports on the US side, ``MX-`` on the Mexican side."""

    US_SAN_YSIDRO = "US-SAN-YSIDRO"
    US_OTAY_MESA = "US-OTAY-MESA"
    US_CALEXICO = "US-CALEXICO"
    US_SAN_LUIS = "US-SAN-LUIS"
    US_LUKEVILLE = "US-LUKEVILLE"
    US_NOGALES_DECONCINI = "US-NOGALES-DECONCINI"
    US_NOGALES_MARIPOSA = "US-NOGALES-MARIPOSA"
    US_DOUGLAS = "US-DOUGLAS"
    US_SANTA_TERESA = "US-SANTA-TERESA"
    US_EL_PASO_BOTA = "US-EL-PASO-BOTA"  # Bridge of the Americas
    US_EL_PASO_PDN = "US-EL-PASO-PDN"  # Paso del Norte
    US_EL_PASO_YSLETA = "US-EL-PASO-YSLETA"  # Ysleta-Zaragoza
    US_DEL_RIO = "US-DEL-RIO"
    US_EAGLE_PASS = "US-EAGLE-PASS"  # noqa: S105 (a port, not a password)
    US_LAREDO_WTB = "US-LAREDO-WTB"  # World Trade Bridge
    US_LAREDO_JL = "US-LAREDO-JL"  # Juarez-Lincoln
    US_HIDALGO = "US-HIDALGO"
    US_PHARR = "US-PHARR"
    US_BROWNSVILLE = "US-BROWNSVILLE"
    MX_TIJUANA = "MX-TIJUANA"
    MX_MESA_DE_OTAY = "MX-MESA-DE-OTAY"
    MX_MEXICALI = "MX-MEXICALI"
    MX_SAN_LUIS_RC = "MX-SAN-LUIS-RC"
    MX_SONOYTA = "MX-SONOYTA"
    MX_NOGALES = "MX-NOGALES"
    MX_AGUA_PRIETA = "MX-AGUA-PRIETA"
    MX_SAN_JERONIMO = "MX-SAN-JERONIMO"
    MX_CIUDAD_JUAREZ = "MX-CIUDAD-JUAREZ"
    MX_CIUDAD_ACUNA = "MX-CIUDAD-ACUNA"
    MX_PIEDRAS_NEGRAS = "MX-PIEDRAS-NEGRAS"
    MX_NUEVO_LAREDO = "MX-NUEVO-LAREDO"
    MX_REYNOSA = "MX-REYNOSA"
    MX_MATAMOROS = "MX-MATAMOROS"

    @property
    def country(self) -> Country:
        return Country.USA if self.value.startswith("US-") else Country.MEX

    @property
    def counterparts(self) -> tuple[Port, ...]:
        """The port(s) facing this one across the border."""
        return _COUNTERPARTS[self]


_PAIRS: tuple[tuple[tuple[Port, ...], tuple[Port, ...]], ...] = (
    ((Port.US_SAN_YSIDRO,), (Port.MX_TIJUANA,)),
    ((Port.US_OTAY_MESA,), (Port.MX_MESA_DE_OTAY,)),
    ((Port.US_CALEXICO,), (Port.MX_MEXICALI,)),
    ((Port.US_SAN_LUIS,), (Port.MX_SAN_LUIS_RC,)),
    ((Port.US_LUKEVILLE,), (Port.MX_SONOYTA,)),
    ((Port.US_NOGALES_DECONCINI, Port.US_NOGALES_MARIPOSA), (Port.MX_NOGALES,)),
    ((Port.US_DOUGLAS,), (Port.MX_AGUA_PRIETA,)),
    ((Port.US_SANTA_TERESA,), (Port.MX_SAN_JERONIMO,)),
    ((Port.US_EL_PASO_BOTA, Port.US_EL_PASO_PDN, Port.US_EL_PASO_YSLETA), (Port.MX_CIUDAD_JUAREZ,)),
    ((Port.US_DEL_RIO,), (Port.MX_CIUDAD_ACUNA,)),
    ((Port.US_EAGLE_PASS,), (Port.MX_PIEDRAS_NEGRAS,)),
    ((Port.US_LAREDO_WTB, Port.US_LAREDO_JL), (Port.MX_NUEVO_LAREDO,)),
    ((Port.US_HIDALGO, Port.US_PHARR), (Port.MX_REYNOSA,)),
    ((Port.US_BROWNSVILLE,), (Port.MX_MATAMOROS,)),
)


def _counterparts() -> dict[Port, tuple[Port, ...]]:
    table: dict[Port, tuple[Port, ...]] = {}
    for us_side, mx_side in _PAIRS:
        for port in us_side:
            table[port] = mx_side
        for port in mx_side:
            table[port] = us_side
    return table


_COUNTERPARTS = _counterparts()
