"""People of the corridor and the many ways feeds write their names.

A ``Identity`` is one person: Spanish (given names, paternal and maternal surname, maybe a
particle such as "de la") or English (given, middle initial, surname). ``render`` writes the
name the way one feed might: accents kept or dropped, upper or title case, surnames first
with a comma or without, given names cut to an initial, the maternal surname dropped. The
document and date of birth stay the same: they are the strong keys, the name is not.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass

SPANISH_GIVEN = ("José Luis", "María Guadalupe", "Juan Carlos", "Ana María", "Luis",
                 "Jesús", "María", "Francisco Javier", "Martín", "Adriana", "Héctor", "Raúl",
                 "Verónica", "Ramón", "Sofía", "Óscar", "Rosa Elena", "Miguel Ángel")
SPANISH_SURNAMES = ("García", "Hernández", "Martínez", "López", "González", "Pérez",
                    "Rodríguez", "Sánchez", "Ramírez", "Flores", "Gómez", "Díaz", "Morales",
                    "Jiménez", "Ruiz", "Núñez", "Ibarra", "Treviño", "Cárdenas", "Valdez",
                    "De la Cruz", "De León", "Del Río", "Castañeda", "Ochoa", "Zúñiga")
ENGLISH_GIVEN = ("John", "Linda", "Michael", "Jennifer", "Robert", "Patricia", "David",
                 "Susan", "James", "Karen", "William", "Mary")
ENGLISH_SURNAMES = ("Smith", "Johnson", "Williams", "Brown", "Miller", "Davis", "Wilson",
                    "Anderson", "Taylor", "Moore", "Jackson", "Walker")


@dataclass(frozen=True, slots=True)
class Identity:
    given: str  # one or two given names
    paternal: str
    maternal: str | None  # Spanish second surname; None for English names
    date_of_birth: dt.date
    nationality: str  # ISO alpha-3

    @property
    def canonical(self) -> str:
        """The full name in natural order, accents kept."""
        surnames = f"{self.paternal} {self.maternal}" if self.maternal else self.paternal
        return f"{self.given} {surnames}"


def new_identity(rng: random.Random, *, spanish: bool) -> Identity:
    dob = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 45 * 365))
    if spanish:
        paternal = rng.choice(SPANISH_SURNAMES)
        maternal = rng.choice([s for s in SPANISH_SURNAMES if s != paternal])
        nationality = rng.choices(("MEX", "USA", "GTM", "HND"), weights=(80, 15, 3, 2))[0]
        return Identity(rng.choice(SPANISH_GIVEN), paternal, maternal, dob, nationality)
    given = rng.choice(ENGLISH_GIVEN)
    if rng.random() < 0.5:
        given = f"{given} {rng.choice('ABCDEJLMPRST')}."
    return Identity(given, rng.choice(ENGLISH_SURNAMES), None, dob, "USA")


def strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))


FORMS = ("natural", "upper-natural", "surnames-comma", "upper-surnames-comma",
         "surnames-first", "initial", "maternal-dropped", "paternal-comma-only")


def render(identity: Identity, rng: random.Random, *, keep_accents: float = 0.4,
           form: str | None = None) -> str:
    """One way a feed writes the name; ``keep_accents`` is the chance accents survive."""
    form = form or rng.choice(FORMS)
    given_words = identity.given.split()
    surnames = [identity.paternal] + ([identity.maternal] if identity.maternal else [])
    if form == "natural":
        text = f"{identity.given} {' '.join(surnames)}"
    elif form == "upper-natural":
        text = f"{identity.given} {' '.join(surnames)}".upper()
    elif form == "surnames-comma":
        text = f"{' '.join(surnames)}, {identity.given}"
    elif form == "upper-surnames-comma":
        text = f"{' '.join(surnames)}, {identity.given}".upper()
    elif form == "surnames-first":
        text = f"{' '.join(surnames)} {identity.given}".upper()
    elif form == "initial":  # "Jose L. Garcia": second given name cut, maternal dropped
        first = given_words[0]
        rest = " ".join(f"{w[0]}." if not w.endswith(".") else w for w in given_words[1:])
        text = " ".join(part for part in (first, rest, identity.paternal) if part)
    elif form == "maternal-dropped":
        text = f"{identity.given} {identity.paternal}"
    else:  # "paternal-comma-only": GARCIA, JOSE LUIS
        text = f"{identity.paternal}, {identity.given}".upper()
    if rng.random() >= keep_accents:
        text = strip_accents(text)
    return text
