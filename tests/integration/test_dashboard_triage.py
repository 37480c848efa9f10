"""Triage through the dashboard's own routes on the real broker: assign (an officer to
oneself, a supervisor to any officer of the agency, nobody to another agency's officer),
escalate, a note, dismiss with a reason; each published on triage.actions (the broker
confirmed it before the answer) with the actor, agency and details, and shown in the lead's
audit trail; a bad value is refused naming its field."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from dashboard.accounts import Role
from fusion.contract import TRIAGE_TOPIC, Agency, Country, Tlp
from fusion.contract.lead import LeadStatus
from tests.dashboard_factories import make_lead
from tests.integration import partner
from tests.integration.conftest import Stack
from tests.integration.dashboard_harness import add_account, in_process, in_thread

pytestmark = pytest.mark.integration


def test_assign_escalate_note_and_dismiss_are_published_and_shown(
        stack: Stack, tmp_path: Path) -> None:
    lead = make_lead(tlp=Tlp.GREEN, to=(Country.USA, Country.MEX),
                     at=dt.datetime.now(dt.UTC))
    start = partner.end_offsets(stack.admin, TRIAGE_TOPIC)

    async def scenario() -> None:
        async with in_process(stack, tmp_path) as app:
            app.context.service.board.add_lead(lead, agency=Agency.HSI,
                                               written_at=dt.datetime.now(dt.UTC))
            app.context.service.board.add_lead(lead, agency=Agency.ANAM,
                                               written_at=dt.datetime.now(dt.UTC))
            ana = add_account(app.accounts, "ana", Agency.HSI)
            add_account(app.accounts, "ben", Agency.HSI)
            add_account(app.accounts, "pepe", Agency.ANAM)
            sup = add_account(app.accounts, "sup", Agency.HSI, Role.SUPERVISOR)
            target = f"{app.url}/leads/{lead.lead_id}/triage"

            async def post(**form: str) -> tuple[int, str]:
                answer = await app.client.post(target, allow_redirects=False, data={
                    "csrf_token": await app.csrf(), **form})
                return answer.status, await answer.text()

            assert await app.login("ana", ana) == 303
            assert (await post(kind="assign", assignee="ana"))[0] == 303
            status, text = await post(kind="assign", assignee="ben")
            assert (status, "assignee" in text) == (403, True)
            status, text = await post(kind="assign", assignee="pepe")  # ANAM's
            assert (status, "assignee" in text) == (400, True)
            assert (await post(kind="escalate"))[0] == 303
            status, text = await post(kind="note", note="  ")
            assert (status, "note" in text) == (400, True)
            assert (await post(kind="note", note="Driver known to EPIC.\nCall port."))[0] == 303
            status, text = await post(kind="dismiss", dismiss_reason="boring")
            assert (status, "dismiss_reason" in text) == (400, True)
            status, text = await post(kind="withdraw", note="wrong")  # the watch floor's
            assert (status, "kind" in text) == (403, True)
            page = await (await app.client.get(f"{app.url}/leads/{lead.lead_id}")).text()
            assert re.search(r'data-kind="assign">.*?<strong>ana</strong>.*?→ ana', page, re.S)
            assert 'id="withdraw"' not in page  # not offered to an agency's officer
            assert 'data-kind="escalate"' in page
            assert "<blockquote>Driver known to EPIC.\nCall port.</blockquote>" in page
            await app.client.post(f"{app.url}/logout", data={"csrf_token": await app.csrf()})

            assert await app.login("sup", sup) == 303
            assert (await post(kind="assign", assignee="ben"))[0] == 303
            assert (await post(kind="dismiss", dismiss_reason="duplicate"))[0] == 303
            page = await (await app.client.get(f"{app.url}/leads/{lead.lead_id}")).text()
            state = re.search(r'<section id="state">.*?</section>', page, re.S)
            assert state is not None
            assert "dismissed" in state[0]
            assert "duplicate" in state[0]
            assert "assigned to ben" in state[0]
            status, text = await post(kind="withdraw", note="wrong")  # HSI's supervisor
            assert (status, "kind" in text) == (403, True)
            await app.client.post(f"{app.url}/logout", data={"csrf_token": await app.csrf()})

            app.context.service.board.add_lead(lead, agency=Agency.EPIC,
                                               written_at=dt.datetime.now(dt.UTC))
            floor = add_account(app.accounts, "floor", Agency.EPIC, Role.SUPERVISOR)
            assert await app.login("floor", floor) == 303
            page = await (await app.client.get(f"{app.url}/leads/{lead.lead_id}")).text()
            assert 'id="withdraw"' in page  # offered to the watch floor's supervisor only
            status, text = await post(kind="withdraw", note="  ")
            assert (status, "note" in text) == (400, True)
            assert (await post(kind="withdraw", note="The plate was misread."))[0] == 303
            recalled = lead.model_copy(update={  # the recall revision, as dispatch sends it
                "revision": lead.revision + 1, "status": LeadStatus.WITHDRAWN,
                "status_reason": "withdrawn by floor (EPIC, dashboard): The plate was misread."})
            app.context.service.board.add_lead(recalled, agency=Agency.EPIC,
                                               written_at=dt.datetime.now(dt.UTC))
            page = await (await app.client.get(f"{app.url}/leads/{lead.lead_id}")).text()
            shown = re.search(r'<p class="status status-withdrawn"[^>]*>(.*?)</p>', page, re.S)
            assert shown is not None
            assert "recalled from every recipient" in shown[1]
            assert "The plate was misread." in shown[1]
            rows = await (await app.client.get(f"{app.url}/queue")).text()
            assert 'class="status status-withdrawn"' in rows
    in_thread(scenario)

    published: list[dict[str, Any]] = [
        m.json() for m in partner.read_to_end(stack.admin, TRIAGE_TOPIC, start)
        if m.key == lead.lead_id]
    assert [(a["kind"], a["actor"], a["agency"], a.get("assignee"), a.get("dismiss_reason"))
            for a in published] == [
        ("assign", "ana", "HSI", "ana", None),
        ("escalate", "ana", "HSI", None, None),
        ("note", "ana", "HSI", None, None),
        ("assign", "sup", "HSI", "ben", None),
        ("dismiss", "sup", "HSI", None, "duplicate"),
        ("withdraw", "floor", "EPIC", None, None)]
    assert published[2]["note"] == "Driver known to EPIC.\nCall port."
    assert published[5]["note"] == "The plate was misread."
    assert {a["channel"] for a in published} == {"dashboard"}
    assert len({a["action_id"] for a in published}) == 6
