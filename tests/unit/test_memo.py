"""``fusion.memo.per_object``: one answer per object, by identity, the oldest dropped."""

from __future__ import annotations

from fusion.memo import per_object


class _Thing:
    def __init__(self, name: str) -> None:
        self.name = name


def test_an_object_is_answered_once_and_another_object_on_its_own() -> None:
    calls: list[str] = []

    @per_object(4)
    def shout(thing: _Thing) -> str:
        calls.append(thing.name)
        return thing.name.upper()

    a, twin = _Thing("a"), _Thing("a")
    assert [shout(a), shout(a), shout(twin)] == ["A", "A", "A"]
    assert calls == ["a", "a"]  # the twin is another object: worked out again


def test_the_oldest_answer_goes_when_full() -> None:
    calls: list[str] = []

    @per_object(2)
    def name(thing: _Thing) -> str:
        calls.append(thing.name)
        return thing.name

    a, b, c = _Thing("a"), _Thing("b"), _Thing("c")
    for thing in (a, b, c, c, b, a):
        name(thing)
    assert calls == ["a", "b", "c", "a"]  # a was dropped for c, b and c were kept
