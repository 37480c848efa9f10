"""Where the engine keeps its state: a small key-value seam (pure; no I/O here).

Every value is plain JSON data (dicts, lists, strings, numbers), never a pickled object, so a
Faust table backed by a changelog topic can hold it as well as a dict can. Keys are strings:

- ``engine/clock``            the highest event time seen and the watermark
- ``engine/buffer``           events waiting for the watermark (the reorder buffer)
- ``rule/<rule id>/<key>``    one rule's state for one group key
- ``deadlines/<rule id>``     pending absence deadlines: group key -> deadline
- ``watch/<entity key>``      the watchlist in event time (``watch``)
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, Protocol, runtime_checkable

JsonDict = dict[str, Any]


@runtime_checkable
class StateStore(Protocol):
    """The engine's view of its state; a Faust table or a dict can stand behind it."""

    def get(self, key: str) -> JsonDict | None: ...

    def set(self, key: str, value: JsonDict) -> None: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> Iterator[str]: ...


class MappingStore:
    """A store over any mutable mapping: a dict in tests, a Faust table in a stream app."""

    def __init__(self, backing: MutableMapping[str, Any] | None = None) -> None:
        self._data: MutableMapping[str, Any] = {} if backing is None else backing

    def get(self, key: str) -> JsonDict | None:
        value = self._data.get(key)
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: JsonDict) -> None:
        self._data[key] = value

    def delete(self, key: str) -> None:
        self._data.pop(key, None)

    def keys(self) -> Iterator[str]:
        return iter(list(self._data.keys()))

    def snapshot(self) -> JsonDict:
        """A copy of everything, e.g. to ``json.dumps`` in a test of a restart."""
        return {key: self._data[key] for key in self._data}


class InMemoryStore(MappingStore):
    """A store held in a plain dict (tests, the command line, benchmarks)."""

    def __init__(self, initial: JsonDict | None = None) -> None:
        super().__init__(dict(initial or {}))
