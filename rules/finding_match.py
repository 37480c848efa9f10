"""Compares the findings a rule produced with what its test expects (pure).

Order does not matter; each expectation must match a different finding, and there must be
as many findings as expectations. The messages say what differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rules.findings import Finding


@dataclass(frozen=True, slots=True)
class Expected:
    """One expected finding: ``key`` among its anchors, exactly ``evidence`` as event ids."""

    key: str | None = None
    evidence: frozenset[str] | None = None

    def matches(self, finding: Finding) -> bool:
        return not differences(self, finding)

    def describe(self) -> str:
        parts = [f"key {self.key}"] if self.key is not None else []
        if self.evidence is not None:
            parts.append(f"evidence {id_set(self.evidence)}")
        return "finding with " + ", ".join(parts) if parts else "a finding"


def compare_findings(findings: Sequence[Finding], expected: Sequence[Expected]) -> list[str]:
    """Why ``findings`` do not meet ``expected``; empty when they do."""
    pairs = _maximum_matching(findings, expected)
    messages: list[str] = []
    if len(findings) != len(expected):
        noun = "finding" if len(expected) == 1 else "findings"
        messages.append(f"expected {len(expected)} {noun}, got {len(findings)}")
    spare = [f for i, f in enumerate(findings) if i not in pairs.values()]
    for j, expectation in enumerate(expected):
        if j in pairs:
            continue
        if not spare:
            messages.append(f"no finding left for the expected {expectation.describe()}")
            continue
        closest = min(spare, key=lambda f: len(differences(expectation, f)))
        messages.extend(differences(expectation, closest))
        spare.remove(closest)
    messages.extend(f"unexpected finding: anchors {list(f.anchors)}, "
                    f"evidence {id_set(evidence_ids(f))}" for f in spare
                    if len(findings) > len(expected))
    return messages


def differences(expectation: Expected, finding: Finding) -> list[str]:
    out: list[str] = []
    if expectation.key is not None and expectation.key not in finding.anchors:
        out.append(f"finding anchors {list(finding.anchors)} lack key {expectation.key}")
    got = evidence_ids(finding)
    if expectation.evidence is not None and got != expectation.evidence:
        out.append(f"evidence {id_set(got)} != expected {id_set(expectation.evidence)}")
    return out


def evidence_ids(finding: Finding) -> frozenset[str]:
    return frozenset(event.event_id for event in finding.evidence)


def id_set(ids: frozenset[str]) -> str:
    return "{" + ", ".join(sorted(ids)) + "}"


def _maximum_matching(findings: Sequence[Finding], expected: Sequence[Expected]
                      ) -> dict[int, int]:
    """Expectation index -> finding index, as many pairs as possible (augmenting paths)."""
    fits = [[i for i, f in enumerate(findings) if e.matches(f)] for e in expected]
    owner: dict[int, int] = {}  # finding index -> expectation index

    def assign(j: int, seen: set[int]) -> bool:
        for i in fits[j]:
            if i in seen:
                continue
            seen.add(i)
            if i not in owner or assign(owner[i], seen):
                owner[i] = j
                return True
        return False

    for j in range(len(expected)):
        assign(j, set())
    return {j: i for i, j in owner.items()}
