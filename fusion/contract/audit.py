"""One entry of the dissemination audit (``audit.disseminations``): a decision about one lead
revision for one agency, sent or withheld, with its reason, as the dispatcher made it.

Entries form one chain per partition: ``seq`` counts from 0, ``prev`` is the ``mac`` of the
entry before (empty for the first), and ``mac`` is HMAC-SHA256, under the dispatcher's audit
key, of ``prev`` and the entry's other fields (``leads/audit_chain.py``). A deleted,
reordered, inserted or altered entry breaks the chain where it happened, and nobody without
the key can write an entry that fits it (``fusion audit verify``). 28 CFR 23.20(e) asks for
this trail: who received what, when and why.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from fusion.contract.codes import Agency, Priority, Tlp
from fusion.contract.envelope import _Wire


class AuditEntry(_Wire):
    schema_version: Literal[1] = 1
    chain: int = Field(ge=0, description="The chain: the internal.leads partition of the lead.")
    seq: int = Field(ge=0, description="Position in the chain, from 0, without gaps.")
    lead_id: str = Field(max_length=64)
    revision: int = Field(ge=1)
    agency: Agency
    outcome: str = Field(max_length=64, description="sent, or why it was withheld.")
    reason: str = Field(max_length=500)
    priority: Priority
    tlp: Tlp
    rules: list[str] = Field(max_length=64, description="rule_id@version of every hit.")
    decided_at: AwareDatetime = Field(description="When the dispatcher decided (its clock).")
    prev: str = Field(pattern=r"^([0-9a-f]{64})?$", description="The mac of the entry before.")
    mac: str = Field(pattern=r"^[0-9a-f]{64}$")
