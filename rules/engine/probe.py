"""One event as the compiled filters see it: field values and predicate results, each worked
out once per event however many clauses ask (pure).

The engine makes one ``Probe`` per event and hands it to the index and to every candidate
clause, so a path read by a hundred clauses is read once, and a predicate that a hundred
clauses share (``outcome eq admitted``) is evaluated once.
"""

from __future__ import annotations

from fusion.contract import EventEnvelope
from rules.engine.checks import plain
from rules.engine.fields import path_reader


class Probe:
    __slots__ = ("_plain", "_values", "event", "results")

    def __init__(self, event: EventEnvelope) -> None:
        self.event = event
        self.results: dict[int, bool] = {}
        """Predicate id (see ``compiled.predicate_id``) -> its result for this event."""
        self._values: dict[tuple[str, ...], list[object]] = {}
        self._plain: dict[tuple[str, ...], list[object]] = {}

    def values(self, paths: tuple[str, ...]) -> list[object]:
        """Every value at any of ``paths`` (in path order); read once per event."""
        found = self._values.get(paths)
        if found is None:
            if len(paths) == 1:
                found = path_reader(paths[0])(self.event)
            else:
                found = [v for path in paths for v in path_reader(path)(self.event)]
            self._values[paths] = found
        return found

    def plain_values(self, paths: tuple[str, ...]) -> list[object]:
        """``values`` with enum members as their values (``checks.plain``), as predicates
        compare them; worked out once per event."""
        found = self._plain.get(paths)
        if found is None:
            found = self._plain[paths] = [plain(value) for value in self.values(paths)]
        return found
