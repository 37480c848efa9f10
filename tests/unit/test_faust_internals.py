"""The Faust and aiokafka internals of ``adapters/kafka/faust_internals.py``, checked against
the installed versions: an upgrade that removes or changes one fails here, by name."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from aiokafka import AIOKafkaProducer
from faust.serializers import codecs

from adapters.kafka import faust_internals
from adapters.kafka.faust_internals import FaustInternalsChangedError


def _app() -> faust.App:
    return faust.App("internals-contract", broker="kafka://127.0.0.1:1", store="memory://",
                     web_enabled=False)


def test_the_aiokafka_producer_inside_faust_has_the_batch_api() -> None:
    async def check() -> None:
        faust_producer = _app().producer
        # What Faust's Producer.on_start does, without the broker: create the aiokafka one.
        faust_producer._producer = faust_producer._new_producer()
        producer = faust_internals.aiokafka_producer(faust_producer)
        assert isinstance(producer, AIOKafkaProducer)
        batch = producer.create_batch()
        assert batch.append(timestamp=None, key=b"k", value=b"v", headers=[]) is not None
        await producer.stop()

    asyncio.run(check())


def test_the_memory_table_s_local_dict_is_what_the_table_reads() -> None:
    async def check() -> None:
        table = _app().Table("t", default=None, partitions=1)
        data = faust_internals.table_local_dict(table)
        assert type(data) is dict
        data["0/key"] = {"n": 1}
        assert table.data.get("0/key") == {"n": 1}  # the store serves what we wrote

    asyncio.run(check())


def test_changelog_records_decode_with_the_table_s_own_codec() -> None:
    async def check() -> None:
        table = _app().Table("t", default=None, partitions=1)
        faust_internals.check_changelog_codec(table)
        value = {"events": [{"id": "e1", "at": "2026-01-01T00:00:00+00:00"}], "n": 2.5,
                 "none": None, "text": "Ciudad Juárez"}
        assert codecs.loads(table.key_serializer,
                            faust_internals.changelog_key("2/rule/x")) == "2/rule/x"
        assert codecs.loads(table.value_serializer,
                            faust_internals.changelog_value(value)) == value

    asyncio.run(check())


@pytest.mark.parametrize(("call", "missing", "named"), [
    (faust_internals.aiokafka_producer, SimpleNamespace(), "_ensure_producer"),
    (faust_internals.aiokafka_producer,
     SimpleNamespace(_ensure_producer=lambda: SimpleNamespace()), "create_batch"),
    (faust_internals.check_changelog_codec,
     SimpleNamespace(name="t", key_serializer="raw", value_serializer="json"), "serializers"),
])
def test_a_missing_internal_fails_loudly_naming_it(call: Any, missing: Any, named: str) -> None:
    with pytest.raises(FaustInternalsChangedError, match=named) as caught:
        call(missing)
    assert "faust-streaming 0.15.3" in str(caught.value)


def test_faust_s_own_web_views_can_be_unmounted() -> None:
    app = faust.App("internals-web", broker="kafka://127.0.0.1:1", store="memory://",
                    web_tables_enabled=False, web_router_enabled=False,
                    web_stats_enabled=False, web_graph_enabled=False)
    mounted = [bp for _, bp in app.web.blueprints._enabled]
    assert mounted == ["faust.web.apps.production_index:blueprint"]  # "/" has no setting
    everything = faust.App("internals-web-all", broker="kafka://127.0.0.1:1",
                           store="memory://", web_stats_enabled=True, web_graph_enabled=True)
    assert {bp for _, bp in everything.web.blueprints._enabled} >= {
        "faust.web.apps.router:blueprint", "faust.web.apps.tables.blueprint",
        "faust.web.apps.stats:blueprint", "faust.web.apps.graph:blueprint"}
    for each in (app, everything):
        faust_internals.drop_builtin_web_views(each)
        assert each.web.blueprints._enabled == []


def test_unmounting_web_views_fails_loudly_once_the_server_applied_them() -> None:
    app = faust.App("internals-web-late", broker="kafka://127.0.0.1:1", store="memory://")
    app.web.blueprints.applied = True
    with pytest.raises(FaustInternalsChangedError, match="BlueprintManager"):
        faust_internals.drop_builtin_web_views(app)
