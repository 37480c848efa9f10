"""Delivering one message to one endpoint until it is received, refused for good, given up or
stopped: the retry loop around ``leads/webhooks`` (signing at each attempt with the
endpoint's secrets of that moment, the answer's meaning, backoff and Retry-After)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from adapters.kafka.webhook_endpoints import Endpoint
from fusion.contract import Agency
from leads.webhooks.answers import Answer, classify, failure_reason
from leads.webhooks.retry import RetryPolicy, exhausted, next_wait, parse_retry_after
from leads.webhooks.signing import SigningSecret, signing_secrets, webhook_headers
from stream_apps.webhooks.http_post import Poster
from stream_apps.webhooks.metrics import WebhookMetrics

Clock = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class Message:
    endpoint_id: str
    agency: Agency
    lead_id: str
    revision: int
    webhook_id: str
    body: bytes
    queued_at: dt.datetime  # when the lead reached the topic (a replay: when it was asked)
    source: str


class Outcome(StrEnum):
    DELIVERED = "delivered"
    GONE = "gone"
    EXHAUSTED = "exhausted"
    STOPPED = "stopped"  # the endpoint was disabled or removed, or the sender stops


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    attempts: int
    status: int | None = None
    reason: str = ""  # why it was given up (retry.exhausted), or the answer
    detail: str = ""


@dataclass
class Delivery:
    """What one delivery needs from the sender."""

    poster: Poster
    policy: RetryPolicy
    metrics: WebhookMetrics
    clock: Clock
    rand: Callable[[], float]

    async def deliver(self, message: Message, *, endpoint: Callable[[], Endpoint | None],
                      stop: asyncio.Event) -> Result:
        attempts, status, detail = 0, None, ""
        while True:
            current = endpoint()
            if current is None or not current.enabled or stop.is_set():
                return Result(Outcome.STOPPED, attempts, status)
            now = self.clock()
            secrets = signing_secrets(
                [SigningSecret(s.value, s.created_at, s.expires_at)
                 for s in current.endpoint.secrets], now)
            headers = webhook_headers(msg_id=message.webhook_id, at=now, body=message.body,
                                      secrets_=secrets)
            attempts += 1
            self.metrics.attempts.labels(message.agency.value).inc()
            attempt = await self.poster.post(current.endpoint.url, body=message.body,
                                             headers=headers)
            status = attempt.status
            answer = classify(status)
            if answer is Answer.DELIVERED:
                return Result(Outcome.DELIVERED, attempts, status, f"HTTP {status}")
            if answer is Answer.GONE:
                return Result(Outcome.GONE, attempts, status, "HTTP 410 Gone")
            reason = failure_reason(status, attempt.error)
            self.metrics.failures.labels(message.agency.value, reason).inc()
            detail = (f"HTTP {status}" if status is not None
                      else f"no answer ({attempt.error})")
            now = self.clock()
            why = exhausted(attempts=attempts, policy=self.policy,
                            client_error=answer is Answer.REFUSED,
                            queued_since=message.queued_at, now=now)
            if why is not None:
                return Result(Outcome.EXHAUSTED, attempts, status, why,
                              f"{detail} at the last of {attempts} attempts")
            wait = next_wait(attempts, self.policy,
                             retry_after=parse_retry_after(attempt.retry_after, now=now),
                             rand=self.rand)
            try:
                await asyncio.wait_for(stop.wait(), timeout=wait)
            except TimeoutError:
                continue
            return Result(Outcome.STOPPED, attempts, status, detail=detail)
