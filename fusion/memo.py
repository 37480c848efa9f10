"""A value worked out once per object, for the last few thousand objects (pure).

The engine asks the same questions of the same objects many times per event: the strongest
key of an entity (each rule that groups by it, each finding), the ``RuleRef`` of a rule, the
ISO form of an event time (each finding it is evidence of). ``per_object`` remembers the
answer by the object's identity; the memo holds the object, so its id is not reused while
remembered, and the oldest answer goes first when it is full. Only for immutable objects
(entities, rule specs and datetimes are), whose answer can never change.

A memo keeps its objects alive: one of events or findings (several KB each) is sized for
what a batch or two asks again (thousands), not for a stream's history, or it holds tens of
MB that look like growth per entity in a memory bench.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
V = TypeVar("V")


def per_object(size: int) -> Callable[[Callable[[T], V]], Callable[[T], V]]:
    """Decorate a function of one immutable object to remember its last ``size`` answers."""
    def decorate(compute: Callable[[T], V]) -> Callable[[T], V]:
        # An OrderedDict drops its oldest entry in O(1); a dict's first key, after many
        # deletions at the front, is found by skipping every deleted slot before it.
        held: OrderedDict[int, tuple[T, V]] = OrderedDict()

        def remembered(obj: T) -> V:
            hit = held.get(id(obj))
            if hit is not None and hit[0] is obj:
                return hit[1]
            value = compute(obj)
            if len(held) >= size:
                held.popitem(last=False)
            held[id(obj)] = (obj, value)
            return value

        remembered.__doc__ = compute.__doc__
        return remembered
    return decorate
