"""Every reach into Faust's and aiokafka's internals, in one place, each failing loudly.

The worker depends on five things faust-streaming does not offer as public API. Each was
checked against faust-streaming 0.15.3 (mode-streaming 0.7.1, aiokafka 0.14.0), the
versions ``constraints.txt`` pins; ``tests/unit/test_faust_internals.py`` checks them
against the installed versions, so an upgrade that removes or changes one fails that test
(and the worker at start, with ``FaustInternalsChanged``) instead of silently doing less.

``aiokafka_producer``
    ``faust.transport.drivers.aiokafka.Producer._ensure_producer()``: the started
    ``aiokafka.AIOKafkaProducer`` inside Faust's producer, whose public ``create_batch`` and
    ``send_batch`` let ``stream_apps/batch_send.py`` hand over one record batch per
    partition (Faust's ``topic.send`` costs ~400 µs of CPU per record).
``table_local_dict``
    ``faust.stores.memory.Store.data``: the plain dict a ``memory://`` table keeps, and that
    Faust's changelog recovery writes (``apply_changelog_batch``). The correlate stage reads
    and writes it directly; going through the table's ``MutableMapping`` costs a raised and
    caught ``KeyError`` per miss.
``changelog_key`` / ``changelog_value``
    The bytes of a changelog record as Faust's ``json`` codec decodes them on recovery, for
    a table whose key and value serializers are ``json`` (``check_changelog_codec``).
    ``stream_apps/partition_state.py`` writes one record per changed key per batch itself
    (Faust's ``send_changelog`` re-encodes and queues one by one), encoded with orjson.

``drop_builtin_web_views``
    ``faust.web.base.Web.blueprints._enabled``: the (prefix, blueprint) pairs the web server
    mounts at start. Faust's settings turn off ``/table``, ``/router``, ``/graph``, the
    statistics and ``/performance`` (``web_*_enabled``), but not the index at ``/``
    (``faust.web.apps.production_index``); the worker serves its own pages only.

Faust's Prometheus sensor is set up with its public pieces (``FaustMetrics``,
``PrometheusMonitor``), not through ``monitor._metrics``.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import orjson
from faust.stores.memory import Store as MemoryStore

from fusion.errors import ConfigurationError

CHECKED_AGAINST = "faust-streaming 0.15.3, mode-streaming 0.7.1, aiokafka 0.14.0"


class FaustInternalsChangedError(ConfigurationError):
    """An internal of Faust or aiokafka this project relies on is missing or changed."""

    def __init__(self, what: str, found: str) -> None:
        super().__init__(
            f"{what}: {found}. It was checked against {CHECKED_AGAINST}; the installed "
            "Faust or aiokafka differs. Pin the versions of constraints.txt, or adapt "
            "adapters/kafka/faust_internals.py and run tests/unit/test_faust_internals.py")


def aiokafka_producer(faust_producer: Any) -> Any:
    """The ``aiokafka.AIOKafkaProducer`` inside a Faust producer (created if not yet)."""
    ensure = getattr(faust_producer, "_ensure_producer", None)
    if ensure is None:
        raise FaustInternalsChangedError(
            f"{type(faust_producer).__qualname__}._ensure_producer", "no such method")
    producer = ensure()
    for method in ("create_batch", "send_batch", "partitions_for"):
        if not callable(getattr(producer, method, None)):
            raise FaustInternalsChangedError(
                f"{type(producer).__qualname__}.{method}", "no such method")
    return producer


def table_local_dict(table: Any) -> MutableMapping[Any, Any]:
    """The table's local data as the plain dict its memory store keeps; another store's
    mapping as it is."""
    store = table.data
    if not isinstance(store, MemoryStore):
        mapping: MutableMapping[Any, Any] = store
        return mapping
    data = getattr(store, "data", None)
    if not isinstance(data, dict):
        raise FaustInternalsChangedError(
            "faust.stores.memory.Store.data", f"expected a dict, found {type(data).__name__}")
    return data


def check_changelog_codec(table: Any) -> None:
    """Refuse a table whose changelog codec is not the ``json`` that ``changelog_key`` and
    ``changelog_value`` write."""
    found = (getattr(table, "key_serializer", None), getattr(table, "value_serializer", None))
    if found != ("json", "json"):
        raise FaustInternalsChangedError(
            f"the changelog serializers of table {getattr(table, 'name', table)!r}",
            f"expected ('json', 'json'), found {found!r}")


def changelog_key(key: str) -> bytes:
    return orjson.dumps(key)


def changelog_value(value: object) -> bytes:
    return orjson.dumps(value)


FAUST_VIEWS = "faust.web.apps."


def drop_builtin_web_views(app: Any) -> None:
    """Unmount every view Faust would serve itself (its blueprints under ``faust.web.apps``):
    the app's web server then answers only the pages it registers (``app.page``)."""
    blueprints = getattr(app.web, "blueprints", None)
    enabled = getattr(blueprints, "_enabled", None)
    if not isinstance(enabled, list) or getattr(blueprints, "applied", True):
        raise FaustInternalsChangedError(
            "faust.web.base.BlueprintManager._enabled",
            f"expected an unapplied list of (prefix, blueprint), found {type(enabled).__name__}")
    enabled[:] = [(prefix, blueprint) for prefix, blueprint in enabled
                  if not (isinstance(blueprint, str) and blueprint.startswith(FAUST_VIEWS))]
