"""The correlate stage's watermark follows the slowest active source, not the fastest."""

from __future__ import annotations

from stream_apps.source_watermarks import SourceWatermarks


def _marks(idle_after: float = 5, lateness: float = 10, started: float = 0) -> SourceWatermarks:
    return SourceWatermarks(idle_after=idle_after, lateness=lateness, started=started)


def test_the_slowest_active_source_sets_the_watermark() -> None:
    marks = _marks()
    marks.observe("feeds.a:0", 1_000, wall=100)
    marks.observe("feeds.b:0", 5_000, wall=100)
    assert marks.watermark(wall=101) == 990
    marks.observe("feeds.a:0", 2_000, wall=102)
    assert marks.watermark(wall=102) == 1_990


def test_an_older_event_never_lowers_a_source() -> None:
    marks = _marks()
    marks.observe("feeds.a:0", 2_000, wall=100)
    marks.observe("feeds.a:0", 1_500, wall=101)
    assert marks.watermark(wall=101) == 1_990


def test_an_idle_source_stops_holding_time_back() -> None:
    marks = _marks(idle_after=5)
    marks.observe("feeds.slow:0", 1_000, wall=100)
    marks.observe("feeds.fast:0", 9_000, wall=104)
    assert marks.watermark(wall=104) == 990
    assert marks.watermark(wall=106) == 8_990  # feeds.slow silent for 6 s
    # Every source silent: what was seen is complete, up to the highest event time.
    assert marks.watermark(wall=110) == 8_990


def test_no_watermark_before_the_first_event() -> None:
    assert _marks().watermark(wall=1) is None


def test_no_watermark_while_warming_up() -> None:
    """Just after a (re)start a source read a moment later than another must not be marked
    late by it: the first ``idle_after`` seconds give no watermark."""
    marks = _marks(idle_after=5, lateness=0, started=100)
    marks.observe("feeds.fast:0", 9_000, wall=101)
    assert marks.watermark(wall=104) is None
    marks.observe("feeds.slow:0", 1_000, wall=104)
    assert marks.watermark(wall=105) == 1_000


def test_a_source_with_unread_records_holds_time_back_however_long_it_is_silent() -> None:
    """A worker that falls behind reads some partitions late: their silence is a backlog,
    not idleness, and must not let the others' time run past them."""
    marks = _marks(idle_after=5, lateness=0)
    marks.observe("feeds.slow:0", 1_000, wall=100, behind=True)
    marks.observe("feeds.fast:0", 9_000, wall=130)
    assert marks.watermark(wall=130) == 1_000  # slow silent for 30 s, but behind
    marks.observe("feeds.slow:0", 2_000, wall=131, behind=False)  # caught up
    assert marks.watermark(wall=131) == 2_000
    assert marks.watermark(wall=140) == 9_000  # now idle for real
