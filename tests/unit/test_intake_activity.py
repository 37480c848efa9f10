"""The tick timer's question, "is the intake caught up?": only after an empty poll, and only
for a moment; a batch in hand (or one held on refused outputs, when nothing polls) is not."""

from __future__ import annotations

from stream_apps.feed_intake import IntakeActivity


def test_caught_up_only_after_an_empty_poll_and_for_a_moment() -> None:
    now = [100.0]
    activity = IntakeActivity(monotonic=lambda: now[0])
    assert not activity.caught_up(within=1.0)  # never polled yet
    activity.polled(0)
    assert activity.caught_up(within=1.0)
    now[0] += 0.9
    assert activity.caught_up(within=1.0)
    now[0] += 0.2  # no poll since (held on a batch): not caught up any more
    assert not activity.caught_up(within=1.0)


def test_a_batch_in_hand_is_not_caught_up() -> None:
    activity = IntakeActivity(monotonic=lambda: 5.0)
    activity.polled(0)
    activity.polled(120)
    assert not activity.caught_up(within=10.0)
