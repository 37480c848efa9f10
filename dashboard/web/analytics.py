"""``/seizures``: seizure analytics for the bilateral exchange (by port, concealment and
commodity over a period, with bar charts) and ``/seizures.csv``, the same period as CSV.
Every account may see them; each sees only the reports releasable to its agency."""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from dashboard.seizures import Dimension, Seizure, summarise, to_csv
from dashboard.web.context import CONTEXT
from dashboard.web.keys import officer
from dashboard.web.pages import query_date

DEFAULT_DAYS = 7  # the seizure feeds' retention
MAX_DAYS = 3660


def _period(request: web.Request) -> tuple[dt.date, dt.date, list[Seizure]]:
    """``since`` and ``until`` (both days included, UTC), and the seizures in them."""
    context = request.app[CONTEXT]
    today = dt.datetime.combine(context.clock().date(), dt.time(), dt.UTC)
    since = query_date(request, "since", today - dt.timedelta(days=DEFAULT_DAYS - 1))
    until = query_date(request, "until", today)
    if until < since:
        raise web.HTTPBadRequest(text="refused: until: the period ends before it starts "
                                      f"({since.date()})")
    if until - since > dt.timedelta(days=MAX_DAYS):
        raise web.HTTPBadRequest(text=f"refused: since: at most {MAX_DAYS} days at once")
    found = context.service.seizures.visible(officer(request).agency, since=since,
                                              until=until + dt.timedelta(days=1))
    return since.date(), until.date(), found


async def seizures(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    since, until, found = _period(request)
    groups = {d.value: summarise(found, d) for d in Dimension}
    return context.renderer.page(request, "seizures.html", since=since, until=until,
                                 total=len(found), groups=groups,
                                 most={k: max((g.seizures for g in v), default=1)
                                       for k, v in groups.items()})


async def seizures_csv(request: web.Request) -> web.StreamResponse:
    since, until, found = _period(request)
    agency = officer(request).agency
    name = f"seizures-{agency.slug}-{since.isoformat()}-{until.isoformat()}.csv"
    return web.Response(text=to_csv(found), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
