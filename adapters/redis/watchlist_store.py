"""The watchlist kept in Redis (adapter around ``rules.watchlist``): a cache of
``state.watchlist`` on Kafka, rebuilt from it whenever Redis is found without it.

Layout, under the configured prefix:
    wl:entry:<AGENCY>/<entry_id>   JSON of the WatchlistEntry
    wl:key:<entity key>            set of entry store ids listed under that key
    wl:loaded                      set once the cache holds the whole watchlist

Every call checks ``wl:loaded`` in the same round trip as its work; a Redis that came back
empty (restarted without its files, or flushed) lacks it, and the store then rebuilds the
cache (``rebuild``, ``adapters.kafka.watchlist_state``) before it answers or applies
anything, so no look-up is ever answered from a half-empty cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence

import redis.asyncio as aioredis

from rules.watchlist import WatchlistEntry

Rebuild = Callable[[], Awaitable[Sequence[WatchlistEntry]]]


class WatchlistStore:
    def __init__(self, client: aioredis.Redis, *, prefix: str,
                 rebuild: Rebuild | None = None) -> None:
        """``rebuild``: every entry of the system of record; None for a store that is its
        own record (tests, benches)."""
        self._redis = client
        self._entry = f"{prefix}wl:entry:"
        self._key = f"{prefix}wl:key:"
        self._loaded = f"{prefix}wl:loaded"
        self._rebuild = rebuild
        self.rebuilds = 0

    async def apply(self, changes: Sequence[tuple[str, WatchlistEntry]]) -> None:
        """Apply ``("add" | "remove", entry)`` changes in order, atomically."""
        if not changes:
            return
        pipe = self._redis.pipeline(transaction=True)
        pipe.exists(self._loaded)
        self._queue(pipe, changes)
        loaded, *_ = await pipe.execute()
        if not loaded:
            await self._reload()
            pipe = self._redis.pipeline(transaction=True)
            self._queue(pipe, changes)  # again, over the rebuilt cache
            await pipe.execute()

    async def lookup(self, keys: Iterable[str]) -> dict[str, list[WatchlistEntry]]:
        """Entries listed under each key (two round trips for any number of keys)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        pipe.exists(self._loaded)
        for key in wanted:
            pipe.smembers(self._key + key)
        loaded, *members = await pipe.execute()
        if not loaded:
            await self._reload()
            return await self.lookup(wanted)
        ids = sorted({m for found in members for m in found})
        if not ids:
            return {}
        raw = await self._redis.mget([self._entry.encode() + i for i in ids])
        entries = {i: WatchlistEntry.model_validate_json(r) for i, r in zip(ids, raw, strict=True)
                   if r is not None}
        return {key: [entries[i] for i in sorted(found) if i in entries]
                for key, found in zip(wanted, members, strict=True) if found}

    def _queue(self, pipe: aioredis.client.Pipeline,
               changes: Iterable[tuple[str, WatchlistEntry]]) -> None:
        for action, entry in changes:
            if action == "add":
                pipe.set(self._entry + entry.store_id, entry.model_dump_json())
                for key in entry.keys:
                    pipe.sadd(self._key + key, entry.store_id)
            else:
                pipe.delete(self._entry + entry.store_id)
                for key in entry.keys:
                    pipe.srem(self._key + key, entry.store_id)

    async def _reload(self) -> None:
        entries = await self._rebuild() if self._rebuild is not None else ()
        pipe = self._redis.pipeline(transaction=True)
        self._queue(pipe, (("add", e) for e in entries))
        pipe.set(self._loaded, "1")
        await pipe.execute()
        self.rebuilds += 1
