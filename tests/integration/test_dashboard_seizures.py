"""Seizure analytics on the real broker: reports published by agencies on their seizure
feeds are read by svc-dashboard (its grants on the broker), counted by port, concealment and
commodity over the chosen period on the page, in Spanish for a Spanish-speaking officer,
and exported as CSV; a Mexican officer sees neither a US-only report nor its numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
from pathlib import Path

import pytest

from adapters.kafka.dashboard_feed import DashboardFeed
from dashboard.service import seizure_topics
from fusion.contract import Agency, Commodity, Concealment, Country, Feed, Port, Tlp, feed_topic
from fusion.contract.principals import DASHBOARD
from tests.dashboard_factories import seizure
from tests.integration import partner
from tests.integration.conftest import Stack
from tests.integration.dashboard_harness import add_account, in_process, in_thread

pytestmark = pytest.mark.integration


def test_seizures_by_port_concealment_and_commodity_on_the_page_and_as_csv(
        stack: Stack, tmp_path: Path) -> None:
    # A day of its own far in the past (event time), so other tests' seizures stay out.
    day = dt.date(2001, 1, 1) + dt.timedelta(days=random.randrange(3000))
    at = dt.datetime.combine(day, dt.time(12), dt.UTC)
    reports = [
        seizure(agency=Agency.CBP_OFO, port=Port.US_EL_PASO_BOTA, quantity=2.5, at=at),
        seizure(agency=Agency.CBP_OFO, port=Port.US_EL_PASO_BOTA, quantity=1500, unit="g",
                commodity=Commodity.COCAINE, concealment=Concealment.SPARE_TIRE, at=at),
        seizure(agency=Agency.ANAM, port=Port.MX_CIUDAD_JUAREZ, commodity=Commodity.FIREARMS,
                quantity=3, unit="units", concealment=Concealment.DOOR_PANEL, at=at),
        seizure(agency=Agency.HSI, port=Port.US_NOGALES_MARIPOSA, commodity=Commodity.HEROIN,
                quantity=7, tlp=Tlp.AMBER, to=(Country.USA,), at=at),  # US only
        seizure(agency=Agency.CBP_OFO, quantity=99, at=at + dt.timedelta(days=1)),  # after
    ]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    for report in reports:
        partner.produce(stack.agency(report.agency), feed_topic(report.agency, Feed.SEIZURES),
                        [(report.event_id, report.model_dump_json())])
    partner.produce(stack.agency(Agency.CBP_OFO), feed_topic(Agency.CBP_OFO, Feed.SEIZURES),
                    [(reports[0].event_id, reports[0].model_dump_json())])  # sent twice

    async def scenario() -> None:
        async with in_process(stack, tmp_path) as app:
            feed = DashboardFeed(stack.access(DASHBOARD), topics=seizure_topics(), since=start)
            await feed.start()
            try:
                await feed.catch_up(app.context.service.take)
            finally:
                await feed.stop()
            period = f"since={day.isoformat()}&until={day.isoformat()}"

            hsi = add_account(app.accounts, "hsi", Agency.HSI)
            assert await app.login("hsi", hsi) == 303
            page = await app.client.get(f"{app.url}/seizures?{period}")
            assert page.status == 200
            html = await page.text()
            port = _section(html, "port")
            assert re.search(r'<tr data-key="US-EL-PASO-BOTA"><td>US-EL-PASO-BOTA</td>'
                             r'<td class="num">2</td><td class="num">4.0 kg</td>', port)
            assert 'data-key="US-NOGALES-MARIPOSA"' in port
            assert "<svg" in port
            assert re.search(r'data-key="gas-tank"><td>gas tank</td><td class="num">2<',
                             _section(html, "concealment"))
            assert re.search(r'<tr data-key="fentanyl">[^\n]*>2.5 kg<', _section(html, "commodity"))
            answer = await app.client.get(f"{app.url}/seizures.csv?{period}")
            assert answer.status == 200
            assert answer.content_type == "text/csv"
            assert "attachment" in answer.headers["Content-Disposition"]
            rows = list(csv.DictReader(io.StringIO(await answer.text())))
            assert sorted((r["port"], r["commodity"], r["unit"], r["seizures"], r["quantity"])
                          for r in rows) == [
                ("MX-CIUDAD-JUAREZ", "firearms", "units", "1", "3"),
                ("US-EL-PASO-BOTA", "cocaine", "kg", "1", "1.5"),
                ("US-EL-PASO-BOTA", "fentanyl", "kg", "1", "2.5"),
                ("US-NOGALES-MARIPOSA", "heroin", "kg", "1", "7")]
            bad = await app.client.get(f"{app.url}/seizures?since=yesterday")
            assert bad.status == 400
            assert "since" in await bad.text()
            await app.client.post(f"{app.url}/logout", data={"csrf_token": await app.csrf()})

            anam = add_account(app.accounts, "anam", Agency.ANAM, language="es")
            assert await app.login("anam", anam) == 303
            html = await (await app.client.get(f"{app.url}/seizures?{period}")).text()
            assert "<h1>Aseguramientos</h1>" in html
            assert "US-NOGALES-MARIPOSA" not in html
            assert "heroína" not in html
            assert re.search(r'data-key="door-panel"><td>panel de puerta</td>', html)
            text = await (await app.client.get(f"{app.url}/seizures.csv?{period}")).text()
            assert "heroin" not in text
            assert len(text.strip().splitlines()) == 1 + 3
    in_thread(scenario)


def _section(html: str, dimension: str) -> str:
    found = re.search(rf'<section id="by-{dimension}".*?</section>', html, re.S)
    assert found is not None, f"no section by-{dimension}"
    return found[0]
