"""The watchlist kept in Redis (adapter around ``rules.watchlist``).

Layout, under the configured prefix:
    wl:entry:<AGENCY>/<entry_id>   JSON of the WatchlistEntry
    wl:key:<entity key>            set of entry store ids listed under that key
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import redis.asyncio as aioredis

from rules.watchlist import WatchlistEntry


class WatchlistStore:
    def __init__(self, client: aioredis.Redis, *, prefix: str) -> None:
        self._redis = client
        self._entry = f"{prefix}wl:entry:"
        self._key = f"{prefix}wl:key:"

    async def apply(self, changes: Sequence[tuple[str, WatchlistEntry]]) -> None:
        """Apply ``("add" | "remove", entry)`` changes in order, atomically."""
        if not changes:
            return
        pipe = self._redis.pipeline(transaction=True)
        for action, entry in changes:
            if action == "add":
                pipe.set(self._entry + entry.store_id, entry.model_dump_json())
                for key in entry.keys:
                    pipe.sadd(self._key + key, entry.store_id)
            else:
                pipe.delete(self._entry + entry.store_id)
                for key in entry.keys:
                    pipe.srem(self._key + key, entry.store_id)
        await pipe.execute()

    async def lookup(self, keys: Iterable[str]) -> dict[str, list[WatchlistEntry]]:
        """Entries listed under each key (two round trips for any number of keys)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        for key in wanted:
            pipe.smembers(self._key + key)
        members: list[set[bytes]] = await pipe.execute()
        ids = sorted({m for found in members for m in found})
        if not ids:
            return {}
        raw = await self._redis.mget([self._entry.encode() + i for i in ids])
        entries = {i: WatchlistEntry.model_validate_json(r) for i, r in zip(ids, raw, strict=True)
                   if r is not None}
        return {key: [entries[i] for i in sorted(found) if i in entries]
                for key, found in zip(wanted, members, strict=True) if found}
