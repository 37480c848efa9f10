"""Identity documents: the strongest key a person has, once its number is written one way.

A document is keyed by issuing country, type and number (``document:MEX:passport:G1234567``),
the same key ``keys.entity_keys`` gives it, so both meet. The checks here are sanity checks
for dirty feeds, not proof that a document exists.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Final, NewType

from fusion.contract.entities import Document
from fusion.resolution.exceptions import MalformedIdentifierError

DocumentKey = NewType("DocumentKey", str)


class DocumentType(StrEnum):
    """The document types the contract allows (``Document.document_type``)."""

    PASSPORT = "passport"
    VISA = "visa"
    BORDER_CROSSING_CARD = "border-crossing-card"
    DRIVER_LICENCE = "driver-licence"
    NATIONAL_ID = "national-id"
    OTHER = "other"


# Clave Única de Registro de Población: 4 letters from the name, birth date YYMMDD, sex
# (H, M, or X since 2022), state of birth (NE = born abroad), 3 internal consonants,
# a homonym differentiator (digit before 2000, letter after) and a check digit.
_CURP: Final = re.compile(
    r"[A-Z][AEIOUX][A-Z]{2}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[HMX]"
    r"(AS|BC|BS|CC|CL|CM|CS|CH|DF|DG|GT|GR|HG|JC|MC|MN|MS|NT|NL|OC|PL|QT|QR|SP|SL|SR|TC|TS"
    r"|TL|VZ|YN|ZS|NE)[B-DF-HJ-NP-TV-Z]{3}[A-Z\d]\d"
)
_CURP_ALPHABET: Final = "0123456789ABCDEFGHIJKLMN\u00d1OPQRSTUVWXYZ"
CURP_LENGTH: Final = 18
# ICAO 9303 gives the document number nine characters in the machine-readable zone.
PASSPORT_MIN_LENGTH: Final = 5
PASSPORT_MAX_LENGTH: Final = 9


def normalise_document_number(raw: str) -> str:
    """Upper case, accents dropped, letters and digits only: ``"g-123 456"`` -> ``G123456``."""
    decomposed = unicodedata.normalize("NFKD", raw)
    return "".join(ch for ch in decomposed.upper() if ch.isascii() and ch.isalnum())


def document_key(document: Document) -> DocumentKey:
    """``document:<issuing country>:<type>:<number>``, equal to ``entity_keys(document)[0]``."""
    number = normalise_document_number(document.number)
    return DocumentKey(f"document:{document.issuing_country}:{document.document_type}:{number}")


def describe_document(document: Document) -> str:
    """How reasons name a document: ``"MEX passport G1234567"``."""
    number = normalise_document_number(document.number)
    return f"{document.issuing_country} {document.document_type} {number}"


def curp_check_digit(curp: str) -> int:
    """Check digit of a CURP's first 17 characters (RENAPO: weights 18 down to 2, mod 10)."""
    head = normalise_document_number(curp)[: CURP_LENGTH - 1]
    if len(head) != CURP_LENGTH - 1 or not head.isalnum():
        raise MalformedIdentifierError("CURP", curp, "needs at least 17 letters and digits")
    total = sum(_CURP_ALPHABET.index(ch) * (CURP_LENGTH - i) for i, ch in enumerate(head))
    return (10 - total % 10) % 10


def curp_problem(raw: str) -> str | None:
    """What is wrong with a Mexican CURP in words, or ``None``."""
    curp = normalise_document_number(raw)
    if len(curp) != CURP_LENGTH:
        return f"has {len(curp)} letters and digits, a CURP has {CURP_LENGTH}"
    if not _CURP.fullmatch(curp):
        return "does not follow the CURP layout (name letters, YYMMDD, sex, state, ...)"
    expected = curp_check_digit(curp)
    if int(curp[-1]) != expected:
        return f"check digit is {curp[-1]} but the first 17 characters give {expected}"
    return None


def passport_number_problem(raw: str) -> str | None:
    """A sanity check any country's passport number passes, or what fails it, in words."""
    number = normalise_document_number(raw)
    if not PASSPORT_MIN_LENGTH <= len(number) <= PASSPORT_MAX_LENGTH:
        return (
            f"has {len(number)} letters and digits, passport numbers have "
            f"{PASSPORT_MIN_LENGTH} to {PASSPORT_MAX_LENGTH}"
        )
    if not any(ch.isdigit() for ch in number):
        return "has no digits"
    if len(set(number)) == 1:
        return "repeats one character, a placeholder rather than a number"
    return None


def document_problem(document: Document) -> str | None:
    """Sanity problems of a document's number, for the types that have a known shape."""
    if DocumentType(document.document_type) is DocumentType.PASSPORT:
        return passport_number_problem(document.number)
    if not normalise_document_number(document.number):
        return "number has no letters or digits"
    return None
