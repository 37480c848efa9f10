"""The officer's pages: the queue, a lead, triage, precision, the language switch, static
files. Every lead is looked up through ``visibility.visible_lead``: a lead the officer's
agency may not see is answered 404, exactly like one that does not exist."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypeVar

from aiohttp import web

from dashboard.accounts import LANGUAGES, Role
from dashboard.border_map import border_svg
from dashboard.entities_view import describe
from dashboard.precision import precision_by_rule
from dashboard.queue import QueryError, QueueQuery, select
from dashboard.service import ActionRequest
from dashboard.triage_state import fold, in_order
from dashboard.visibility import visible_lead
from dashboard.web.context import CONTEXT
from dashboard.web.keys import officer
from dashboard.web.login import safe_next, see_other
from dashboard.web.render import STATIC
from fusion.contract import Lead
from fusion.contract.escalation import WATCH_FLOOR
from fusion.contract.triage import DismissReason, TriageKind
from fusion.errors import FusionError

LEAD_ID = re.compile(r"^L-[0-9a-f]{32}$")
MAX_BULK = 500
OFFICER_ACTIONS = {TriageKind.ACKNOWLEDGE, TriageKind.ASSIGN, TriageKind.ESCALATE,
                   TriageKind.NOTE, TriageKind.CONFIRM, TriageKind.DISMISS,
                   TriageKind.WITHDRAW}


async def home(request: web.Request) -> web.StreamResponse:
    return see_other("/queue")


def _query(request: web.Request) -> QueueQuery:
    try:
        return QueueQuery.parse(list(request.query.items()))
    except QueryError as exc:
        raise web.HTTPBadRequest(text=f"refused: {exc}") from None


def _queue_context(request: web.Request) -> dict[str, Any]:
    context = request.app[CONTEXT]
    account = officer(request)
    query = _query(request)
    view = select(context.service.board, account.agency, query, deadlines=context.deadlines)
    return {"view": view, "query": query, "now": context.clock(),
            "deadline_source": context.deadlines.source}


async def queue(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    return context.renderer.page(request, "queue.html", **_queue_context(request))


async def queue_rows(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    return context.renderer.page(request, "queue_rows.html", **_queue_context(request))


async def bulk_acknowledge(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    account = officer(request)
    form = await request.post()
    ids = [v for v in form.getall("lead_id", []) if isinstance(v, str)]
    if len(ids) > MAX_BULK:
        raise web.HTTPBadRequest(text=f"refused: lead_id: at most {MAX_BULK} at once")
    requests = []
    for lead_id in dict.fromkeys(ids):
        lead = _visible(request, lead_id)
        if not fold(context.service.board.actions_of(lead_id), account.agency).acknowledged:
            requests.append(ActionRequest(lead_id, lead.revision, TriageKind.ACKNOWLEDGE))
    await _act(request, requests)
    back = form.get("back")
    return see_other(back if isinstance(back, str) and back.startswith("/queue")
                     and safe_next(back) == back else "/queue")


def _visible(request: web.Request, lead_id: str) -> Lead:
    context = request.app[CONTEXT]
    account = officer(request)
    entry = context.service.board.leads.get(lead_id) if LEAD_ID.match(lead_id) else None
    lead = visible_lead(entry.lead, account.agency) if entry else None
    if lead is None:
        raise web.HTTPNotFound(text=f"no lead {lead_id[:40]} for {account.agency.value}")
    return lead


def _lead_context(request: web.Request) -> dict[str, Any]:
    context = request.app[CONTEXT]
    account = officer(request)
    lead_id = request.match_info["lead_id"]
    lead = _visible(request, lead_id)
    board = context.service.board
    entry = board.leads[lead_id]
    actions = board.actions_of(lead_id)
    triage = fold(actions, account.agency)
    colleagues = sorted(a.username for a in context.accounts.all().values()
                        if a.agency is account.agency)
    gettext = context.renderer.gettext(account.language)
    return {
        "lead": lead, "entry": entry, "triage": triage,
        "deadline": context.deadlines.deadline(lead.priority, since=entry.first_seen),
        "deadline_source": context.deadlines.source,
        "evidence": sorted(lead.evidence, key=lambda e: e.occurred_at),
        "entities": [describe(e) for e in lead.entities],
        # A fact-only view shows the agency its own decisions only, not the others' reasons.
        "decisions": [d for d in board.decisions_of(lead_id)
                      if lead.redaction is None or d.agency is account.agency],
        "activity": in_order(a for a in actions if a.agency is account.agency),
        "map": border_svg(lead.location, title=gettext("Where it happened")),
        "colleagues": colleagues if account.role.at_least(Role.SUPERVISOR)
        else [account.username],
        "dismiss_reasons": list(DismissReason), "now": context.clock(),
        "may_withdraw": may_withdraw(account),
    }


async def lead(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    return context.renderer.page(request, "lead.html", **_lead_context(request))


async def lead_live(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    return context.renderer.page(request, "lead_live.html", **_lead_context(request))


async def triage(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    account = officer(request)
    lead_id = request.match_info["lead_id"]
    lead = _visible(request, lead_id)
    form = await request.post()
    kind = _field(form, "kind", TriageKind, allowed=OFFICER_ACTIONS)
    action = ActionRequest(lead_id, lead.revision, kind)
    if kind is TriageKind.ASSIGN:
        assignee = str(form.get("assignee", ""))
        colleague = context.accounts.get(assignee)
        if colleague is None or colleague.agency is not account.agency:
            raise web.HTTPBadRequest(text=f"refused: assignee: {assignee[:64]!r} is no "
                                          f"officer of {account.agency.value}")
        if assignee != account.username and not account.role.at_least(Role.SUPERVISOR):
            raise web.HTTPForbidden(text="refused: assignee: officers assign leads to "
                                         "themselves; a supervisor assigns to others")
        action = ActionRequest(lead_id, lead.revision, kind, assignee=assignee)
    elif kind is TriageKind.DISMISS:
        reason = _field(form, "dismiss_reason", DismissReason)
        action = ActionRequest(lead_id, lead.revision, kind, dismiss_reason=reason)
    elif kind is TriageKind.WITHDRAW and not may_withdraw(account):
        raise web.HTTPForbidden(text="refused: kind: a lead is withdrawn (recalled from every "
                                     f"recipient) by a supervisor of the {WATCH_FLOOR.value} "
                                     "watch floor only")
    note = str(form.get("note", "")).strip()
    if kind is TriageKind.NOTE and not note:
        raise web.HTTPBadRequest(text="refused: note: write the note first")
    if kind is TriageKind.WITHDRAW and not note:
        raise web.HTTPBadRequest(text="refused: note: say why the lead is withdrawn (every "
                                      "recipient is told)")
    if len(note) > 2000:
        raise web.HTTPBadRequest(text="refused: note: at most 2,000 characters")
    if note:
        action = ActionRequest(action.lead_id, action.revision, kind, action.assignee,
                               action.dismiss_reason, note)
    await _act(request, [action])
    return see_other(f"/leads/{lead_id}")


def may_withdraw(account: Any) -> bool:
    """Whether ``account`` may withdraw a lead: the fusion center disseminated it, so a
    supervisor of its watch floor recalls it (the escalation service then sends the recall
    to every earlier recipient, on every channel)."""
    return bool(account.agency is WATCH_FLOOR and account.role.at_least(Role.SUPERVISOR))


E = TypeVar("E", TriageKind, DismissReason)


def _field(form: Any, name: str, enum: type[E], *, allowed: set[E] | None = None) -> E:
    value = form.get(name)
    try:
        chosen = enum(value)
    except ValueError:
        chosen = None
    if chosen is None or (allowed is not None and chosen not in allowed):
        names = ", ".join(e.value for e in (allowed or set(enum)))
        raise web.HTTPBadRequest(text=f"refused: {name}: {str(value)[:40]!r} is not one of "
                                      f"{names}")
    return chosen


async def _act(request: web.Request, actions: list[ActionRequest]) -> None:
    context = request.app[CONTEXT]
    account = officer(request)
    try:
        await context.service.act(actions, agency=account.agency, actor=account.username)
    except FusionError as exc:
        raise web.HTTPServiceUnavailable(text=f"not recorded: {exc}",
                                         headers={"Retry-After": "5"}) from None


async def precision(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    account = officer(request)
    if not account.role.at_least(Role.SUPERVISOR):
        raise web.HTTPForbidden(text="refused: precision is for supervisors")
    now = context.clock()
    since = query_date(request, "since", now - dt.timedelta(days=30))
    until = query_date(request, "until", now + dt.timedelta(days=1))
    rows = precision_by_rule(context.service.board, since=since, until=until,
                             visible=lambda lead: visible_lead(lead, account.agency) is not None)
    return context.renderer.page(request, "precision.html", rows=rows, since=since,
                                 until=until)


def query_date(request: web.Request, name: str, default: dt.datetime) -> dt.datetime:
    value = request.query.get(name, "").strip()
    if not value:
        return default
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise web.HTTPBadRequest(text=f"refused: {name}: {value[:40]!r} is no date "
                                      "(YYYY-MM-DD)") from None
    return dt.datetime.combine(day, dt.time(), dt.UTC)


async def language(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    account = officer(request)
    form = await request.post()
    chosen = form.get("language")
    if chosen not in LANGUAGES:
        raise web.HTTPBadRequest(text=f"refused: language: one of {', '.join(LANGUAGES)}")
    context.accounts.replace(account.model_copy(update={"language": chosen}))
    return see_other(safe_next(form.get("back")))


async def static(request: web.Request) -> web.StreamResponse:
    return _file(STATIC, request.match_info["name"])


async def vendor(request: web.Request) -> web.StreamResponse:
    return _file(STATIC / "vendor", request.match_info["name"])


def _file(folder: Any, name: str) -> web.StreamResponse:
    path = folder / name
    if not path.is_file():
        raise web.HTTPNotFound(text=f"no file {name}")
    return web.FileResponse(path)

