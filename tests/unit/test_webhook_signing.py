"""Standard Webhooks signing, checked by the reference library (``standardwebhooks``) as a
partner's receiver would, and against the spec's published test vector."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from fusion.errors import ConfigurationError
from leads.webhooks.signing import (
    SigningSecret,
    fingerprint,
    new_secret,
    rotated,
    secret_key,
    sign,
    signing_secrets,
    webhook_headers,
    webhook_id,
)

T0 = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def test_the_specs_published_vector() -> None:
    # standard-webhooks spec.md, "Signature scheme": this secret, id, timestamp and body
    # give this signature.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 (the spec's test key)
    got = sign(secret, msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330,
               body=b'{"test": 2432232314}')
    assert got == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_new_secrets_are_whsec_with_32_random_bytes() -> None:
    made = {new_secret() for _ in range(50)}
    assert len(made) == 50
    for secret in made:
        assert secret.startswith("whsec_")
        assert len(secret_key(secret)) == 32


@given(body=st.binary(max_size=2000).map(lambda b: base64.b64encode(b)),
       revision=st.integers(min_value=1, max_value=10_000))
def test_the_reference_library_verifies_what_we_sign(body: bytes, revision: int) -> None:
    secret = new_secret()
    now = dt.datetime.now(dt.UTC)
    msg = webhook_id("hsi.main", "lead-1", revision)
    headers = webhook_headers(msg_id=msg, at=now, body=body, secrets_=[secret])
    assert Webhook(secret).verify(body, headers, json_parse=False) is None


def test_a_wrong_secret_or_an_altered_body_fails_verification() -> None:
    secret, other = new_secret(), new_secret()
    now = dt.datetime.now(dt.UTC)
    headers = webhook_headers(msg_id="msg_x", at=now, body=b'{"a":1}', secrets_=[secret])
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(b'{"a":1}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(b'{"a":2}', headers)


def test_during_a_rotation_both_secrets_sign_and_either_verifies() -> None:
    old = SigningSecret(new_secret(), T0 - dt.timedelta(days=30))
    fresh = new_secret()
    after = rotated([old], fresh, at=T0, overlap=dt.timedelta(hours=24))
    assert [s.value for s in after] == [fresh, old.value]
    assert after[1].expires_at == T0 + dt.timedelta(hours=24)

    during = signing_secrets(after, T0 + dt.timedelta(hours=1))
    assert during == [fresh, old.value]
    now = dt.datetime.now(dt.UTC)
    headers = webhook_headers(msg_id="msg_r", at=now, body=b"{}", secrets_=during)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (fresh, old.value):
        Webhook(secret).verify(b"{}", headers)

    later = signing_secrets(after, T0 + dt.timedelta(hours=24))
    assert later == [fresh]
    headers = webhook_headers(msg_id="msg_r", at=now, body=b"{}", secrets_=later)
    with pytest.raises(WebhookVerificationError):
        Webhook(old.value).verify(b"{}", headers)


def test_a_second_rotation_drops_expired_and_never_extends_an_overlap() -> None:
    first = rotated([SigningSecret("whsec_" + "A" * 44, T0)], new_secret(), at=T0,
                    overlap=dt.timedelta(hours=1))
    second = rotated(first, new_secret(), at=T0 + dt.timedelta(minutes=30),
                     overlap=dt.timedelta(hours=24))
    assert len(second) == 3
    assert second[2].expires_at == T0 + dt.timedelta(hours=1)  # kept its own end
    third = rotated(second, new_secret(), at=T0 + dt.timedelta(hours=2),
                    overlap=dt.timedelta(0))
    assert len(third) == 1


def test_webhook_ids_are_stable_per_endpoint_lead_and_revision() -> None:
    assert webhook_id("hsi.main", "L1", 1) == webhook_id("hsi.main", "L1", 1)
    ids = {webhook_id(e, lead, r) for e in ("hsi.main", "hsi.desk")
           for lead in ("L1", "L2") for r in (1, 2)}
    assert len(ids) == 8
    assert all(i.startswith("msg_") for i in ids)


@pytest.mark.parametrize(("secret", "problem"), [
    ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "start with 'whsec_'"),
    ("whsec_not base64!", "base64"),
    ("whsec_" + base64.b64encode(b"short").decode(), "24-64 bytes"),
])
def test_malformed_secrets_are_refused_without_echoing_them(secret: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem) as caught:
        secret_key(secret)
    assert secret not in str(caught.value)


def test_no_active_secret_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="no active webhook secret"):
        webhook_headers(msg_id="m", at=T0, body=b"", secrets_=[])


def test_the_repr_and_fingerprint_never_show_a_secret() -> None:
    secret = new_secret()
    assert secret not in repr(SigningSecret(secret, T0))
    assert secret.removeprefix("whsec_") not in fingerprint(secret)
    assert len(fingerprint(secret)) == 12
