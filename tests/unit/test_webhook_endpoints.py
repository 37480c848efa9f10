"""Folding the endpoints' topics (fail closed: an unreadable or misplaced record removes the
endpoint, an unreadable state disables it) and which URLs `fusion webhooks add` takes."""

from __future__ import annotations

import datetime as dt

import pytest

from adapters.kafka.webhook_endpoints import combine, fold_endpoints, fold_states
from cli.commands.webhooks_cmd import check_url
from fusion.contract import Agency
from fusion.contract.webhooks import EndpointSecret, EndpointState, WebhookEndpoint
from fusion.errors import ConfigurationError
from leads.webhooks.signing import new_secret

T0 = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)


def _endpoint(eid: str = "hsi.main", url: str = "https://hsi.example/h") -> bytes:
    return WebhookEndpoint(endpoint_id=eid, agency=Agency.HSI, url=url,
                           secrets=[EndpointSecret(value=new_secret(), created_at=T0)],
                           created_at=T0).model_dump_json().encode()


def _state(enabled: bool) -> bytes:
    return EndpointState(endpoint_id="hsi.main", enabled=enabled, reason="r", changed_at=T0,
                         changed_by="admin").model_dump_json().encode()


def test_the_last_record_wins_and_a_tombstone_removes() -> None:
    folded = fold_endpoints([(b"hsi.main", _endpoint()),
                             (b"hsi.main", _endpoint(url="https://new.example/h")),
                             (b"hsi.desk", _endpoint("hsi.desk")), (b"hsi.desk", None)])
    assert list(folded) == ["hsi.main"]
    assert folded["hsi.main"].url == "https://new.example/h"


def test_an_unreadable_or_misplaced_endpoint_record_removes_it() -> None:
    assert fold_endpoints([(b"hsi.main", _endpoint()), (b"hsi.main", b"{not json")]) == {}
    assert fold_endpoints([(b"hsi.other", _endpoint())]) == {}


def test_states_enable_disable_and_an_unreadable_one_disables() -> None:
    endpoints = fold_endpoints([(b"hsi.main", _endpoint())])
    (plain,) = combine(endpoints, fold_states([]))
    assert plain.enabled
    (off,) = combine(endpoints, fold_states([(b"hsi.main", _state(False))]))
    assert not off.enabled
    (on,) = combine(endpoints, fold_states([(b"hsi.main", _state(False)),
                                            (b"hsi.main", _state(True))]))
    assert on.enabled
    (broken,) = combine(endpoints, fold_states([(b"hsi.main", b"garbage")]))
    assert not broken.enabled


def test_an_endpoint_id_must_carry_its_agency() -> None:
    with pytest.raises(ValueError, match="agency's slug"):
        _endpoint("dea.main")


@pytest.mark.parametrize(("url", "allow_http", "problem"), [
    ("https://partner.example/hook", False, None),
    ("http://127.0.0.1:8080/hook", False, None),
    ("http://localhost/hook", False, None),
    ("http://[::1]/hook", False, None),
    ("http://partner.example/hook", False, "unencrypted"),
    ("http://partner.example/hook", True, None),
    ("https://user:pw@partner.example/hook", False, "no credentials"),
    ("ftp://partner.example/hook", False, "http"),
    ("https:///hook", False, "host"),
])
def test_which_urls_add_takes(url: str, allow_http: bool, problem: str | None) -> None:
    if problem is None:
        assert check_url(url, allow_http=allow_http) == url
    else:
        with pytest.raises(ConfigurationError, match=problem):
            check_url(url, allow_http=allow_http)
