"""The dissemination audit trail in Redis: who received which lead revision, or why not, when.

Layout, under the configured prefix:
    audit:disseminations    stream: one entry per decision (lead, revision, agency, outcome,
                            reason, at), capped at about ``max_entries``
    audit:lead:<lead_id>    hash: "<revision>:<agency>" -> "<outcome> <reason>", for look-ups
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import redis.asyncio as aioredis

from leads.routing import Decision

AuditEntry = tuple[str, int, Sequence[Decision]]


class DisseminationLog:
    def __init__(
        self, client: aioredis.Redis, *, prefix: str, max_entries: int = 1_000_000
    ) -> None:
        self._redis = client
        self._stream = f"{prefix}audit:disseminations"
        self._lead = f"{prefix}audit:lead:"
        self._max = max_entries

    async def record(self, entries: Sequence[AuditEntry], *, at: dt.datetime) -> None:
        """Write every decision of every lead revision in ``entries`` in one round trip."""
        pipe = self._redis.pipeline(transaction=False)
        for lead_id, revision, decisions in entries:
            if not decisions:
                continue
            for d in decisions:
                pipe.xadd(self._stream, {
                    "lead_id": lead_id, "revision": revision, "agency": d.agency.value,
                    "outcome": d.outcome.value, "reason": d.reason, "at": at.isoformat(),
                }, maxlen=self._max, approximate=True)
            pipe.hset(self._lead + lead_id, mapping={
                f"{revision}:{d.agency.value}": f"{d.outcome.value} {d.reason}" for d in decisions
            })
        if len(pipe):
            await pipe.execute()

    async def already_dispatched(self, leads: Sequence[tuple[str, int]]) -> set[tuple[str, int]]:
        """Which ``(lead_id, revision)`` pairs have decisions on record already: a replayed or
        re-fired lead must not reach the agencies twice."""
        if not leads:
            return set()
        pipe = self._redis.pipeline(transaction=False)
        for lead_id, _ in leads:
            pipe.hkeys(self._lead + lead_id)
        found: list[list[bytes | str]] = await pipe.execute()
        return {pair for pair, fields in zip(leads, found, strict=True)
                if any(_text(f).startswith(f"{pair[1]}:") for f in fields)}

    async def for_lead(self, lead_id: str) -> dict[str, str]:
        raw = await self._redis.hgetall(self._lead + lead_id)
        return {_text(k): _text(v) for k, v in raw.items()}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
