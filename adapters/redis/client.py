"""Opens an asyncio Redis client and checks it answers, with a message that says how to fix it."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from fusion.errors import DependencyUnavailableError

REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)
"""What a call to Redis raises while the server is down or restarting: worth a retry."""


async def connect_redis(url: str) -> aioredis.Redis:
    client: aioredis.Redis = aioredis.from_url(url, decode_responses=False)
    try:
        await client.ping()
    except RedisError as exc:
        await client.aclose()
        raise DependencyUnavailableError(
            "Redis", url, f"{exc}; start it with 'make up' or deploy/redis-start.sh"
        ) from exc
    return client
