"""One event as the compiled filters see it: field values and predicate results, each worked
out once per event however many clauses ask (pure).

The engine makes one ``Probe`` per event and hands it to the index and to every candidate
clause, so a path read by a hundred clauses is read once, and a predicate that a hundred
clauses share (``outcome eq admitted``) is evaluated once.
"""

from __future__ import annotations

from fusion.contract import EventEnvelope, Feed
from rules.engine.fields import plain_reader


class Probe:
    __slots__ = ("_plain", "event", "kind", "results")

    def __init__(self, event: EventEnvelope) -> None:
        self.event = event
        self.kind: tuple[Feed, str] = (event.feed, event.type)
        """The event's feed and type, read once (a model's attributes are slow to read)."""
        self.results: dict[int, bool] = {}
        """Predicate id (see ``compiled.predicate_id``) -> its result for this event."""
        self._plain: dict[tuple[str, ...], list[object]] = {}

    def plain_values(self, paths: tuple[str, ...]) -> list[object]:
        """Every value at any of ``paths`` (in path order), enum members as their values
        (``checks.plain``), as predicates compare them; read once per event."""
        found = self._plain.get(paths)
        if found is None:
            if len(paths) == 1:
                found = plain_reader(paths[0])(self.event)
            else:
                found = [v for path in paths for v in plain_reader(path)(self.event)]
            self._plain[paths] = found
        return found
