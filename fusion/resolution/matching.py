"""Entity matching with reasons: ``match_persons`` and ``match_vehicles``.

Each returns a ``MatchResult``: a ``Verdict`` (same, possible, different), a score in [0, 1]
that lies inside the verdict's band (``BANDS``), and reasons in words an analyst can check.
Strong keys (a shared document, date of birth with an agreeing name, the VIN) dominate; a
name alone, or a plate that differs by reader confusions, stops at "possible". Both are
symmetric: swapping the arguments changes neither score, verdict nor reasons.
"""

from __future__ import annotations

from fusion.resolution.match_result import BANDS, MatchResult, Verdict
from fusion.resolution.person_matching import match_persons
from fusion.resolution.vehicle_matching import match_vehicles

__all__ = ["BANDS", "MatchResult", "Verdict", "match_persons", "match_vehicles"]
