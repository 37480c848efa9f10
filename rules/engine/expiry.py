"""When a rule's state for one key can go: its newest time plus the rule's span lies before
the watermark (pure).

A stateful kind prunes a key's state when an event for that key comes: the entries that left
the window go. A key that gets no more events keeps its state for ever, so a worker that
saw a million plates once held a million states (``bench.memory``: ~12 KB of RSS per entity
key with rule state, never given back). The engine's sweep (``RuleEngine.sweep``) asks this
module which states nothing can use any more.

The newest time of a state is the latest of its stored events' times (entries ``{"t", "k",
...}`` wherever the kind keeps them) and of its own marks (``fired_at``, ``deadline``). Past
``newest + span``, no event within the lateness can join any entry of it (every window that
could hold one has closed, a cool-down after a firing has run out, an absence's deadline has
passed and fired), so deleting it changes no finding.
"""

from __future__ import annotations

from typing import Any

MARKS = ("fired_at", "deadline")


def newest_time(value: Any) -> float | None:
    """The latest event time or mark anywhere in ``value`` (None: nothing timed in it)."""
    newest: float | None = None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "t" in item and "k" in item:  # a stored event: its time, not its contents
                t = item["t"]
                if isinstance(t, int | float):
                    newest = t if newest is None or t > newest else newest
                continue
            for name in MARKS:
                mark = item.get(name)
                if isinstance(mark, int | float):
                    newest = mark if newest is None or mark > newest else newest
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend(v for v in item if isinstance(v, dict | list))
    return newest


def expired(state: dict[str, Any], *, span: float, watermark: float) -> bool:
    """Whether nothing can use ``state`` any more once event time is at ``watermark``."""
    newest = newest_time(state)
    return newest is None or newest + span < watermark
