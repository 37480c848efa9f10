"""One signed POST to a receiver (aiohttp): its status and Retry-After, or why there was no
answer. Redirects are not followed; the response body is not read past 64 KiB."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True, slots=True)
class Attempt:
    status: int | None
    retry_after: str | None = None
    error: str | None = None  # "timeout", or the connection error's name


class Poster:
    def __init__(self, *, timeout: float) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def post(self, url: str, *, body: bytes, headers: dict[str, str]) -> Attempt:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, headers={"User-Agent": "fusion-webhooks/1"})
        try:
            async with self._session.post(
                    url, data=body, allow_redirects=False,
                    headers={**headers, "Content-Type": "application/json"}) as response:
                await response.content.read(64 * 1024)
                return Attempt(response.status, response.headers.get("Retry-After"))
        except TimeoutError:
            return Attempt(None, error="timeout")
        except (aiohttp.ClientError, OSError) as exc:
            return Attempt(None, error=type(exc).__name__)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            await asyncio.sleep(0)  # let aiohttp close its connections
