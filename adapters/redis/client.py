"""Opens an asyncio Redis client and checks it answers, with a message that says how to fix it."""

from __future__ import annotations

import json

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from fusion.errors import ConfigurationError, DependencyUnavailableError
from fusion.settings import ConnectionSettings

REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)
"""What a call to Redis raises while the server is down or restarting: worth a retry."""


def redis_password(settings: ConnectionSettings) -> str:
    """FUSION_REDIS_PASSWORD, else the generated one in the credentials folder."""
    if settings.redis_password is not None:
        return settings.redis_password.get_secret_value()
    directory = settings.credentials_dir or settings.run_dir / "credentials"
    path = directory / "redis.json"
    try:
        password: str = json.loads(path.read_text(encoding="utf-8"))["password"]
    except FileNotFoundError:
        raise ConfigurationError(
            f"no Redis password at {path}: deploy/redis-start.sh (make up) generates it; or "
            "set FUSION_REDIS_PASSWORD") from None
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigurationError(f"{path} is unreadable ({type(exc).__name__})") from None
    return password


async def connect_redis(settings: ConnectionSettings) -> aioredis.Redis:
    """A client of FUSION_REDIS_URL, authenticated, checked with a PING."""
    url = settings.redis_url
    client: aioredis.Redis = aioredis.from_url(url, password=redis_password(settings),
                                               decode_responses=False)
    try:
        await client.ping()
    except RedisError as exc:
        await client.aclose()
        raise DependencyUnavailableError(
            "Redis", url, f"{exc}; start it with 'make up' or deploy/redis-start.sh"
        ) from exc
    return client
