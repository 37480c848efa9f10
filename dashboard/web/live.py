"""``GET /events``: server-sent events telling an open queue or lead page that the board
changed, at most every ``COALESCE`` seconds; the page then fetches its fragment again
(htmx). A comment line every ``heartbeat`` seconds keeps proxies from closing the stream;
the stream ends when the session does."""

from __future__ import annotations

import asyncio

from aiohttp import web

from dashboard.web.context import CONTEXT

COALESCE = 0.1


async def events(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-store",
                                           "X-Accel-Buffering": "no"})
    await response.prepare(request)
    version = context.service.board.version
    await response.write(f"retry: 2000\nevent: hello\ndata: {version}\n\n".encode())
    try:
        while True:
            changed = await context.service.wait_for_change(version, timeout=context.heartbeat)
            if await context.sessions.current(request) is None:
                await response.write(b"event: logged-out\ndata: \n\n")
                break
            if changed == version:
                await response.write(b": keep-alive\n\n")
                continue
            version = changed
            await response.write(f"event: changed\ndata: {version}\n\n".encode())
            await asyncio.sleep(COALESCE)  # a storm of records: one refresh per interval
    except ConnectionResetError:
        pass
    return response
