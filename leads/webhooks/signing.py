"""Standard Webhooks signing (https://www.standardwebhooks.com, spec v1), pure.

Every delivery carries three headers:

    webhook-id         a stable id per message: the same on every retry and replay, so a
                       receiver dedupes on it (``webhook_id``: endpoint, lead and revision)
    webhook-timestamp  Unix seconds of this attempt (receivers refuse one > 5 min off)
    webhook-signature  ``v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``, one per
                       active secret, separated by spaces (key rotation: during the overlap
                       the new and the old secret both sign, so a receiver holding either
                       verifies)

A secret is ``whsec_`` + the base64 of 32 random bytes (the spec allows 24-64); the HMAC
key is the decoded bytes. Secrets are never logged: ``SigningSecret``'s repr hides it, and
``fingerprint`` names one without revealing it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fusion.errors import ConfigurationError

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
SECRET_BYTES = 32
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
SIGNATURE_VERSION = "v1"


@dataclass(frozen=True, slots=True)
class SigningSecret:
    """One ``whsec_`` secret and the window it signs in: from ``created_at`` until
    ``expires_at`` (None: until rotated away)."""

    value: str = field(repr=False)
    created_at: dt.datetime
    expires_at: dt.datetime | None = None

    def active(self, at: dt.datetime) -> bool:
        return self.created_at <= at and (self.expires_at is None or at < self.expires_at)


def new_secret() -> str:
    """A fresh ``whsec_`` secret: 32 random bytes from the OS's CSPRNG."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret; a malformed one is refused (never echoed)."""
    if not secret.startswith(SECRET_PREFIX):
        raise ConfigurationError("a webhook secret must start with 'whsec_'")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError("a webhook secret's part after 'whsec_' must be base64"
                                 ) from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ConfigurationError(f"a webhook secret must hold {MIN_SECRET_BYTES}-"
                                 f"{MAX_SECRET_BYTES} bytes, this one holds {len(key)}")
    return key


def fingerprint(secret: str) -> str:
    """A short name of a secret for listings and logs (SHA-256 prefix: reveals nothing)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def webhook_id(endpoint_id: str, lead_id: str, revision: int) -> str:
    """The message id of one lead revision to one endpoint: the same on every attempt,
    restart and replay (``msg_`` + 32 hex digits of SHA-256)."""
    digest = hashlib.sha256(f"{endpoint_id}\x1f{lead_id}\x1f{revision}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def sign(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<signature>`` of one message under one secret."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(mac).decode()}"


def signing_secrets(all_secrets: Iterable[SigningSecret], at: dt.datetime) -> list[str]:
    """The secrets that sign at ``at``, newest first (during a rotation's overlap: two)."""
    active = [s for s in all_secrets if s.active(at)]
    return [s.value for s in sorted(active, key=lambda s: s.created_at, reverse=True)]


def webhook_headers(*, msg_id: str, at: dt.datetime, body: bytes,
                    secrets_: Sequence[str]) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt at ``at``, signed by every secret
    in ``secrets_`` (at least one)."""
    if not secrets_:
        raise ConfigurationError("an endpoint has no active webhook secret: 'fusion webhooks "
                                 "rotate' gives it one")
    timestamp = int(at.timestamp())
    signatures = " ".join(sign(s, msg_id=msg_id, timestamp=timestamp, body=body)
                          for s in secrets_)
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signatures}


def rotated(current: Sequence[SigningSecret], new_value: str, *, at: dt.datetime,
            overlap: dt.timedelta) -> list[SigningSecret]:
    """The secrets after a rotation at ``at``: the new one, and each one still active kept
    for ``overlap`` (both sign meanwhile), expired ones dropped."""
    kept = []
    for old in current:
        if not old.active(at):
            continue
        ends = at + overlap
        if old.expires_at is not None:
            ends = min(ends, old.expires_at)
        if ends > at:
            kept.append(SigningSecret(old.value, old.created_at, ends))
    return [SigningSecret(new_value, at), *kept]
