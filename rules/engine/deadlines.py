"""Pending deadlines of the timed kinds (absence), so a watermark move costs nothing until
one is due (pure; state in a store).

- ``deadlines/<rule id>``  ``{"keys": {group key: deadline}}``, one map per timed rule;
- ``engine/deadlines``     ``{"rules": {rule id: its earliest deadline}, "next": earliest}``.

``due`` reads only the summary while nothing is due, then only the maps of rules that have
something due. The summary is rebuilt from the per-rule maps when it is missing (state
written by an older engine).
"""

from __future__ import annotations

from collections.abc import Sequence

from rules.engine.state import JsonDict, StateStore

SUMMARY_KEY = "engine/deadlines"


class Deadlines:
    def __init__(self, store: StateStore, timed: Sequence[str]) -> None:
        self._store = store
        self._timed = list(timed)

    def due(self, watermark: float) -> list[tuple[str, str]]:
        """(rule id, group key) of every deadline before ``watermark``: rules in the order
        given, keys by (deadline, key)."""
        if not self._timed:
            return []
        summary = self._summary()
        nearest = summary.get("next")
        if nearest is None or nearest >= watermark:
            return []
        earliest: dict[str, float] = summary["rules"]
        found: list[tuple[str, str]] = []
        for rule_id in self._timed:
            first = earliest.get(rule_id)
            if first is None or first >= watermark:
                continue
            keys: dict[str, float] = self._map(rule_id)["keys"]
            found += [(rule_id, key) for key, deadline in
                      sorted(keys.items(), key=lambda kv: (kv[1], kv[0])) if deadline < watermark]
        stale = set(earliest) - set(self._timed)
        if stale:  # rules no longer loaded: their deadlines can never be served
            for rule_id in stale:
                del earliest[rule_id]
            summary["next"] = min(earliest.values(), default=None)
            self._store.set(SUMMARY_KEY, summary)
        return found

    def note(self, rule_id: str, key: str, deadline: float | None) -> None:
        """Record ``key``'s next deadline for ``rule_id`` (None: it has none). The rule's
        earliest deadline and the summary's are kept up to date incrementally: a full
        ``min`` only when the earliest one itself was removed or moved later."""
        index = self._map(rule_id)
        keys: dict[str, float] = index["keys"]
        before = keys.get(key)
        if before == deadline:
            return
        if deadline is None:
            del keys[key]
        else:
            keys[key] = deadline
        if keys:
            self._store.set(_map_key(rule_id), index)
        else:
            self._store.delete(_map_key(rule_id))
        summary = self._summary()
        rules: dict[str, float] = summary["rules"]
        was = rules.get(rule_id)
        first = _earliest(keys, was, before, deadline)
        if was == first:
            return
        if first is None:
            del rules[rule_id]
        else:
            rules[rule_id] = first
        summary["next"] = _earliest(rules, summary["next"], was, first)
        self._store.set(SUMMARY_KEY, summary)

    def _map(self, rule_id: str) -> JsonDict:
        return self._store.get(_map_key(rule_id)) or {"keys": {}}

    def _summary(self) -> JsonDict:
        summary = self._store.get(SUMMARY_KEY)
        if summary is None:
            summary = self._rebuild()
        return summary

    def _rebuild(self) -> JsonDict:
        rules = {}
        for rule_id in self._timed:
            keys = self._map(rule_id)["keys"]
            if keys:
                rules[rule_id] = min(keys.values())
        summary: JsonDict = {"rules": rules, "next": min(rules.values(), default=None)}
        self._store.set(SUMMARY_KEY, summary)
        return summary


def _earliest(values: dict[str, float], was: float | None, removed: float | None,
              added: float | None) -> float | None:
    """The least of ``values`` after one of them went from ``removed`` to ``added`` (either
    None: absent), given the least before, ``was``; scans only when ``was`` went away."""
    if removed is not None and removed == was:
        return min(values.values(), default=None)
    if added is not None and (was is None or added < was):
        return added
    return was


def _map_key(rule_id: str) -> str:
    return f"deadlines/{rule_id}"
