"""The parser boundary, fuzzed: no body, content type or event of any shape makes the
ingest endpoint answer 500 or publish anything unless it answers 200."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fusion.contract import Agency
from producers.ingest.batch import check_batch
from producers.ingest.body import BodyProblem, deeper_than, parse_batch
from tests.factories import as_json, listing
from tests.unit.test_ingest_http import Endpoint, make_endpoint

ANSWERS = {200, 400, 413, 415, 422}
TEMPLATE = as_json(listing("F1", entry_id="F1"))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=20)


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event with some fields replaced, removed or added."""
    event = json.loads(json.dumps(TEMPLATE))
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from([*event, "extra"]))
        if draw(st.booleans()):
            event[name] = draw(json_values)
        else:
            event.pop(name, None)
    event["event_id"] = draw(st.sampled_from(["wl-F1", "wl-F2", event.get("event_id")]))
    return event


def nested(depth: int, opener: bytes, closer: bytes) -> bytes:
    return b'{"events": [' + opener * depth + closer * depth + b"]}"


bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.lists(json_values | mutated_events(), max_size=5).map(
        lambda items: json.dumps({"events": items}).encode()),
    st.builds(nested, st.integers(1, 20_000), st.sampled_from([b"[", b'{"a":']),
              st.sampled_from([b"]", b"}"])),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
)
content_types = st.sampled_from(["application/json", "application/json; charset=utf-8",
                                 "text/plain", "application/json; charset=latin-1", None])


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    yield from make_endpoint(tmp_path_factory.mktemp("fuzz"), burst=1_000_000)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, content_type=content_types)
def test_no_body_gets_a_500_and_only_a_200_publishes(endpoint: Endpoint, body: bytes,
                                                     content_type: str | None) -> None:
    before = len(endpoint.sink.published)
    status, doc, _ = endpoint.post(body, content_type=content_type)
    assert status in ANSWERS, (status, doc)
    if status != 200:
        assert isinstance(doc["error"], str)
        assert len(endpoint.sink.published) == before


@settings(max_examples=300, deadline=None)
@given(items=st.lists(json_values | mutated_events(), max_size=6))
def test_every_item_is_either_valid_or_refused_by_index(items: list[Any]) -> None:
    verdict = check_batch(items, agency=Agency.HSI, max_event_bytes=10_000)
    indices = [i for i, _ in verdict.events] + [r.index for r in verdict.refused]
    assert sorted(indices) == list(range(len(items)))
    for refused in verdict.refused:
        assert refused.refusal.reason
        assert refused.refusal.errors


@given(depth=st.integers(1, 40), limit=st.integers(1, 40))
def test_the_depth_check_finds_exactly_what_is_too_deep(depth: int, limit: int) -> None:
    doc: Any = 1
    for _ in range(depth):
        doc = [doc]
    found = deeper_than(doc, limit)
    assert (found is not None) == (depth > limit)
    if found is not None:
        assert found == "$" + "[0]" * limit


def test_a_body_past_the_parsers_recursion_limit_is_a_400() -> None:
    problem = parse_batch(b"[" * 100_000, max_depth=32, max_batch=10)
    assert isinstance(problem, BodyProblem)
    assert problem.status == 400
