"""Subscriptions kept in Redis (adapter around ``leads.subscriptions``).

Layout, under the configured prefix:
    subscriptions           hash: agency code -> Subscription JSON
    subscriptions:version   counter raised on every change, so readers reload only then
"""

from __future__ import annotations

import redis.asyncio as aioredis

from fusion.contract import Agency
from leads.subscriptions import Subscription


class SubscriptionStore:
    def __init__(self, client: aioredis.Redis, *, prefix: str) -> None:
        self._redis = client
        self._hash = f"{prefix}subscriptions"
        self._version = f"{prefix}subscriptions:version"
        self._cached: tuple[bytes | str | None, tuple[Subscription, ...]] | None = None

    async def put(self, subscription: Subscription) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._hash, subscription.agency.value, subscription.model_dump_json())
        pipe.incr(self._version)
        await pipe.execute()

    async def remove(self, agency: Agency) -> bool:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hdel(self._hash, agency.value)
        pipe.incr(self._version)
        removed, _ = await pipe.execute()
        return bool(removed)

    async def all(self) -> tuple[Subscription, ...]:
        raw = await self._redis.hgetall(self._hash)
        subs = (Subscription.model_validate_json(v) for v in raw.values())
        return tuple(sorted(subs, key=lambda s: s.agency.value))

    async def snapshot(self) -> tuple[Subscription, ...]:
        """All subscriptions; one GET per call while nothing changed, a reload when it did."""
        version = await self._redis.get(self._version)
        if self._cached is None or self._cached[0] != version:
            self._cached = (version, await self.all())
        return self._cached[1]
