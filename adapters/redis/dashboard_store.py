"""The dashboard's Redis keys: sessions and failed-login counters (a cache of nothing that
Kafka holds; losing them logs officers out and forgets throttles, nothing else).

    <prefix>dash:session:<sha256 of the token>   the session (JSON), expiring after its TTL
    <prefix>dash:user-sessions:<username>        the set of that user's session keys
    <prefix>dash:login-failures:<who>            failed logins in the current window

The session token itself is never stored: a copy of Redis does not let anyone in.
"""

from __future__ import annotations

import hashlib

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from fusion.errors import DependencyUnavailableError


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DashboardStore:
    def __init__(self, client: aioredis.Redis, *, prefix: str, where: str) -> None:
        self._redis = client
        self._prefix = f"{prefix}dash:"
        self._where = where

    def _unavailable(self, exc: Exception) -> DependencyUnavailableError:
        return DependencyUnavailableError("Redis", self._where,
                                          f"{type(exc).__name__}: {exc}; sessions need it")

    async def put_session(self, token: str, username: str, value: bytes, *, ttl: int) -> None:
        key = f"{self._prefix}session:{_digest(token)}"
        user_key = f"{self._prefix}user-sessions:{username}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(key, value, ex=ttl)
                pipe.sadd(user_key, key)
                pipe.expire(user_key, ttl)
                await pipe.execute()
        except RedisError as exc:
            raise self._unavailable(exc) from exc

    async def touch_session(self, token: str, *, ttl: int) -> bytes | None:
        """The session's value, its TTL renewed (sliding expiry); None if there is none."""
        try:
            value = await self._redis.getex(f"{self._prefix}session:{_digest(token)}", ex=ttl)
        except RedisError as exc:
            raise self._unavailable(exc) from exc
        return value.encode() if isinstance(value, str) else value

    async def drop_session(self, token: str) -> None:
        try:
            await self._redis.delete(f"{self._prefix}session:{_digest(token)}")
        except RedisError as exc:
            raise self._unavailable(exc) from exc

    async def drop_user_sessions(self, username: str) -> int:
        """Log a user out everywhere (password reset, account removed)."""
        user_key = f"{self._prefix}user-sessions:{username}"
        try:
            keys = await self._redis.smembers(user_key)
            if keys:
                await self._redis.delete(*keys)
            await self._redis.delete(user_key)
        except RedisError as exc:
            raise self._unavailable(exc) from exc
        return len(keys)

    async def failures(self, who: str) -> tuple[int, int]:
        """Failed logins counted for ``who`` and the seconds left in its window."""
        key = f"{self._prefix}login-failures:{_digest(who)}"
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(key)
                pipe.ttl(key)
                count, ttl = await pipe.execute()
        except RedisError as exc:
            raise self._unavailable(exc) from exc
        return int(count or 0), max(int(ttl), 0)

    async def fail(self, who: str, *, window: int) -> int:
        key = f"{self._prefix}login-failures:{_digest(who)}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, window, nx=True)
                count, _ = await pipe.execute()
        except RedisError as exc:
            raise self._unavailable(exc) from exc
        return int(count)

    async def clear_failures(self, who: str) -> None:
        try:
            await self._redis.delete(f"{self._prefix}login-failures:{_digest(who)}")
        except RedisError as exc:
            raise self._unavailable(exc) from exc

    async def close(self) -> None:
        await self._redis.aclose()
