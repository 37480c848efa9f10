"""A lead as one agency received it: what a reader of ``leads.<agency>`` sees (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fusion.contract import Agency, Lead


@dataclass(frozen=True, slots=True)
class Delivery:
    """One lead record read from ``leads.<agency>``, with the wall time it was read."""

    lead: Lead
    agency: Agency
    received_at: dt.datetime
