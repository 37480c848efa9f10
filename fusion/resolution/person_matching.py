"""Are two reported persons one person? Documents and date of birth decide; names support.

A shared document is the strongest evidence, a date of birth with an agreeing name next; a
name alone is never enough for "same". Evidence that contradicts a strong key (another date
of birth, another passport of the same country) pulls the verdict down and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from fusion.contract.entities import Document, Person
from fusion.resolution.dates import day_month_swapped
from fusion.resolution.documents import describe_document, document_key
from fusion.resolution.match_result import MatchResult, Verdict
from fusion.resolution.names import name_similarity

NAME_AGREES = 0.7  # name_similarity at or above this supports a strong key
NAME_PLAUSIBLE = 0.35


class DocumentEvidence(StrEnum):
    SHARED = "shared"
    CONFLICTING = "conflicting"
    NONE = "none"


class DobEvidence(StrEnum):
    AGREES = "agrees"
    SWAPPED = "swapped"
    DIFFERS = "differs"
    UNKNOWN = "unknown"


def _documents(a: tuple[Document, ...], b: tuple[Document, ...]) -> tuple[DocumentEvidence,
                                                                             list[str]]:
    keys_b = {document_key(doc) for doc in b}
    shared = [f"same document {describe_document(doc)}" for doc in a
              if document_key(doc) in keys_b]
    if shared:
        return DocumentEvidence.SHARED, sorted(set(shared))
    conflicts = sorted({
        f"different {x.issuing_country} {x.document_type} numbers "
        f"({describe_document(x).split()[-1]} vs {describe_document(y).split()[-1]}): "
        "a renewal, or another person"
        for x in a for y in b
        if (x.issuing_country, x.document_type) == (y.issuing_country, y.document_type)
    })
    return (DocumentEvidence.CONFLICTING if conflicts else DocumentEvidence.NONE), conflicts


def _dob(a: dt.date | None, b: dt.date | None) -> tuple[DobEvidence, list[str]]:
    if a is None or b is None:
        missing = a is not None or b is not None
        return DobEvidence.UNKNOWN, ["date of birth missing on one side"] if missing else []
    if a == b:
        return DobEvidence.AGREES, [f"date of birth {a.isoformat()} agrees"]
    if day_month_swapped(a, b):
        return DobEvidence.SWAPPED, [
            f"dates of birth {a.isoformat()} and {b.isoformat()} differ only by day/month "
            "order, a common US/Mexican format mix-up"
        ]
    return DobEvidence.DIFFERS, [f"dates of birth differ ({a.isoformat()} vs {b.isoformat()})"]


def _nationality(a: Person, b: Person) -> tuple[float, list[str]]:
    if a.nationality is None or b.nationality is None:
        return 1.0, []
    if a.nationality == b.nationality:
        return 1.0, [f"nationality {a.nationality} agrees"]
    return 0.8, [f"nationalities differ ({a.nationality} vs {b.nationality}): dual "
                 "nationals exist"]


def _decide(docs: DocumentEvidence, dob: DobEvidence, name: float) -> tuple[Verdict, float,
                                                                            str | None]:
    """Verdict, strength within its band, and a reason when the rule itself needs one."""
    if docs is DocumentEvidence.SHARED:
        if dob is DobEvidence.DIFFERS:
            return Verdict.POSSIBLE, 0.5, "strong keys disagree: same document, other birth date"
        if name < NAME_PLAUSIBLE:
            return Verdict.POSSIBLE, 0.5, "same document but the names disagree"
        return Verdict.SAME, 0.6 + 0.4 * name, None
    if dob is DobEvidence.DIFFERS:
        return Verdict.DIFFERENT, 0.5 * name, "different dates of birth: different persons"
    if dob is DobEvidence.AGREES and name >= NAME_AGREES:
        verdict = Verdict.POSSIBLE if docs is DocumentEvidence.CONFLICTING else Verdict.SAME
        return verdict, (name - NAME_AGREES) / (1 - NAME_AGREES), None
    if dob is DobEvidence.AGREES and name >= NAME_PLAUSIBLE:
        return Verdict.POSSIBLE, name, "same date of birth, names only partly agree"
    if dob is not DobEvidence.AGREES and name >= NAME_AGREES:
        why = "name alone cannot confirm a person" if dob is DobEvidence.UNKNOWN else None
        return Verdict.POSSIBLE, 0.6 * name, why
    return Verdict.DIFFERENT, name, None


def _order_key(person: Person, documents: tuple[Document, ...]) -> tuple[str, tuple[str, ...]]:
    return person.model_dump_json(), tuple(document_key(doc) for doc in documents)


def match_persons(
    a: Person, b: Person, *, a_documents: Iterable[Document] = (),
    b_documents: Iterable[Document] = (),
) -> MatchResult:
    """How likely ``a`` and ``b`` are one person, and why. Symmetric in (a, a_documents) and
    (b, b_documents): the pair is put in a fixed order before any reason is written."""
    sides = [(a, tuple(sorted(a_documents, key=document_key))),
             (b, tuple(sorted(b_documents, key=document_key)))]
    (first, first_docs), (second, second_docs) = sorted(sides, key=lambda s: _order_key(*s))
    docs, reasons = _documents(first_docs, second_docs)
    dob, dob_reasons = _dob(first.date_of_birth, second.date_of_birth)
    name = name_similarity(first.name, second.name)
    weight, nationality_reasons = _nationality(first, second)
    verdict, strength, rule_reason = _decide(docs, dob, name.score)
    reasons += dob_reasons
    reasons.append(f"names {first.name} / {second.name}: similarity {name.score:.2f}")
    reasons += [f"name: {reason}" for reason in name.reasons]
    reasons += nationality_reasons
    if rule_reason:
        reasons.append(rule_reason)
    return MatchResult.within(verdict, strength * weight, reasons)
