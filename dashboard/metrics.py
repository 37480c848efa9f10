"""Prometheus metrics of the dashboard (``GET /metrics`` on its own loopback listener, like
the worker's): each rule's leads, confirmations, dismissals and precision over the last
``FUSION_DASHBOARD_PRECISION_DAYS``, computed from the board at every scrape. Rule ids come
from the catalogue, a closed set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from dashboard.precision import precision_by_rule
from dashboard.service import DashboardService


class PrecisionCollector(Collector):
    def __init__(self, service: DashboardService, *, days: float,
                 clock: Callable[[], dt.datetime]) -> None:
        self._service, self._days, self._clock = service, days, clock

    def collect(self) -> Iterator[Metric]:
        now = self._clock()
        rows = precision_by_rule(self._service.board, since=now - dt.timedelta(days=self._days),
                                 until=now + dt.timedelta(days=1))
        period = f"{self._days:g}d"
        leads = GaugeMetricFamily("fusion_dashboard_rule_leads",
                                  "Leads each rule fired on within the period", labels=["rule"])
        confirmed = GaugeMetricFamily("fusion_dashboard_rule_confirmed",
                                      "Leads of the rule judged right (confirm)", labels=["rule"])
        dismissed = GaugeMetricFamily("fusion_dashboard_rule_dismissed",
                                      "Leads of the rule judged wrong (dismiss)", labels=["rule"])
        precision = GaugeMetricFamily(
            "fusion_dashboard_rule_precision",
            f"confirmed / (confirmed + dismissed) over the last {period}; absent until judged",
            labels=["rule"])
        for row in rows:
            leads.add_metric([row.rule_id], row.leads)
            confirmed.add_metric([row.rule_id], row.confirmed)
            dismissed.add_metric([row.rule_id], row.dismissed)
            if row.precision is not None:
                precision.add_metric([row.rule_id], row.precision)
        yield from (leads, confirmed, dismissed, precision)
        board = self._service.board
        yield GaugeMetricFamily("fusion_dashboard_leads", "Leads on the board (every agency)",
                                value=len(board.leads))
        refused = CounterMetricFamily("fusion_dashboard_refused_records",
                                      "Records read that were no lead, audit entry or action")
        refused.add_metric([], self._service.refused_records)
        yield refused


def registry(service: DashboardService, *, days: float,
             clock: Callable[[], dt.datetime]) -> CollectorRegistry:
    reg = CollectorRegistry()
    reg.register(PrecisionCollector(service, days=days, clock=clock))
    return reg
