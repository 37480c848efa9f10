"""The sender's retry loop for one message, with a scripted receiver (the Poster seam) and a
policy of millisecond waits: what each answer sequence ends in, and how many attempts."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from prometheus_client import CollectorRegistry

from adapters.kafka.webhook_endpoints import Endpoint
from fusion.contract import Agency
from fusion.contract.webhooks import EndpointSecret, EndpointState, WebhookEndpoint
from leads.webhooks.retry import RetryPolicy
from leads.webhooks.signing import new_secret
from stream_apps.webhooks.delivering import Delivery, Message, Outcome, Result
from stream_apps.webhooks.http_post import Attempt, Poster
from stream_apps.webhooks.metrics import WebhookMetrics

NOW = dt.datetime.now(dt.UTC)
POLICY = RetryPolicy(base=0.001, cap=0.01, max_attempts=5, max_age=dt.timedelta(hours=1),
                     client_error_attempts=2)


class ScriptedPoster(Poster):
    def __init__(self, answers: list[Attempt]) -> None:
        super().__init__(timeout=1)
        self.answers = answers
        self.seen: list[dict[str, str]] = []

    async def post(self, url: str, *, body: bytes, headers: dict[str, str]) -> Attempt:
        self.seen.append(headers)
        return self.answers.pop(0) if self.answers else Attempt(200)


def _endpoint() -> Endpoint:
    return Endpoint(WebhookEndpoint(
        endpoint_id="hsi.main", agency=Agency.HSI, url="https://hsi.example/h",
        secrets=[EndpointSecret(value=new_secret(), created_at=NOW - dt.timedelta(days=1))],
        created_at=NOW - dt.timedelta(days=1)), None)


def _run(answers: list[Attempt], *, queued: dt.datetime = NOW,
         endpoint: Endpoint | None = None) -> tuple[Result, ScriptedPoster, WebhookMetrics]:
    poster = ScriptedPoster(answers)
    metrics = WebhookMetrics(CollectorRegistry())
    delivery = Delivery(poster, POLICY, metrics, lambda: dt.datetime.now(dt.UTC), lambda: 0.5)
    target = endpoint or _endpoint()
    message = Message("hsi.main", Agency.HSI, "L-1", 2, "msg_1", b"{}", queued, "leads.hsi:0:7")
    result = asyncio.run(delivery.deliver(message, endpoint=lambda: target,
                                          stop=asyncio.Event()))
    return result, poster, metrics


def _value(metrics: WebhookMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_transient_answers_are_retried_until_received_under_one_webhook_id() -> None:
    result, poster, metrics = _run([Attempt(503), Attempt(None, error="timeout"),
                                    Attempt(429, "0"), Attempt(204)])
    assert (result.outcome, result.attempts, result.status) == (Outcome.DELIVERED, 4, 204)
    assert {h["webhook-id"] for h in poster.seen} == {"msg_1"}
    assert _value(metrics, "fusion_webhook_attempts_total", agency="HSI") == 4
    assert _value(metrics, "fusion_webhook_failures_total", agency="HSI",
                  reason="timeout") == 1
    assert _value(metrics, "fusion_webhook_failures_total", agency="HSI",
                  reason="http-429") == 1


def test_410_ends_at_once() -> None:
    result, poster, _ = _run([Attempt(410), Attempt(200)])
    assert (result.outcome, result.attempts, len(poster.seen)) == (Outcome.GONE, 1, 1)


@pytest.mark.parametrize(("answers", "reason", "attempts"), [
    ([Attempt(503)] * 9, "max-attempts", 5),
    ([Attempt(404)] * 9, "client-error", 2),
    ([Attempt(301)] * 9, "client-error", 2),
])
def test_a_delivery_is_given_up_with_its_reason(answers: list[Attempt], reason: str,
                                                attempts: int) -> None:
    result, _, _ = _run(answers)
    assert (result.outcome, result.reason, result.attempts) == (Outcome.EXHAUSTED, reason,
                                                                attempts)
    assert result.status == answers[0].status


def test_a_lead_older_than_max_age_gets_one_attempt_then_its_dead_letter() -> None:
    result, _, _ = _run([Attempt(503)] * 3, queued=NOW - dt.timedelta(hours=2))
    assert (result.outcome, result.reason, result.attempts) == (Outcome.EXHAUSTED, "max-age", 1)


def test_a_disabled_endpoint_is_not_posted_to() -> None:
    endpoint = _endpoint()
    off = Endpoint(endpoint.endpoint, EndpointState(
        endpoint_id="hsi.main", enabled=False, reason="admin", changed_at=NOW,
        changed_by="admin"))
    result, poster, _ = _run([Attempt(200)], endpoint=off)
    assert (result.outcome, result.attempts, poster.seen) == (Outcome.STOPPED, 0, [])
