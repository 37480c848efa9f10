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


def test_a_source_behind_with_no_event_time_yet_holds_the_watermark() -> None:
    """A worker starting on a backlog reads some feed partitions before others: one it has
    not read yet is reported behind with no event time, and must not be run past."""
    marks = _marks(idle_after=5, lateness=0)
    marks.observe("feeds.first:0", 9_000, wall=100, behind=False)
    marks.observe("feeds.later:0", None, wall=100, behind=True)
    assert marks.watermark(wall=110) is None
    marks.observe("feeds.later:0", 1_000, wall=111, behind=True)  # its first events arrive
    assert marks.watermark(wall=112) == 1_000
    marks.observe("feeds.first:0", 9_000, wall=113)
    marks.observe("feeds.later:0", 9_500, wall=113, behind=False)
    assert marks.watermark(wall=113) == 9_000


def test_a_behind_report_is_a_lease_that_runs_out_unless_renewed() -> None:
    """A source whose intake went away (rebalance, crash) stops being renewed: it cannot hold
    event time back for ever."""
    marks = SourceWatermarks(idle_after=5, lateness=0, started=0, behind_for=60)
    marks.observe("feeds.gone:0", None, wall=100, behind=True)
    marks.observe("feeds.live:0", 5_000, wall=100)
    assert marks.watermark(wall=150) is None
    marks.observe("feeds.gone:0", None, wall=150, behind=True)  # renewed with a batch
    assert marks.watermark(wall=200) is None
    marks.observe("feeds.live:0", 6_000, wall=209)
    assert marks.watermark(wall=211) == 6_000  # lease ran out at 210


def test_a_behind_report_read_again_after_its_worker_died_has_run_out() -> None:
    """A progress record read a second time after a restart (offsets not committed) counts
    from when it was written, not from when it is read again."""
    marks = SourceWatermarks(idle_after=5, lateness=0, started=0, behind_for=60)
    marks.observe("feeds.live:0", 5_000, wall=200)
    marks.observe("feeds.old:0", None, wall=200, behind=True, reported=100)  # 100 s ago
    assert marks.watermark(wall=201) == 5_000


def test_the_warm_up_runs_from_the_first_observation() -> None:
    """A lane is made by the first record of its partition, which may be a tick long before
    a backlog's first shares; the warm-up counts from the first observation, on the clock
    that ``observe`` and ``watermark`` are given (the stage gave the lane's monotonic start
    time, which the wall clock was always past, so there was no warm-up at all)."""
    marks = SourceWatermarks(idle_after=5, lateness=0)
    assert marks.watermark(wall=1_000) is None
    marks.observe("feeds.fast:0", 9_000, wall=1_000)  # shares before their progress record
    assert marks.watermark(wall=1_004) is None
    marks.observe("feeds.slow:0", None, wall=1_001, behind=True)  # the progress record
    marks.observe("feeds.slow:0", 1_000, wall=1_004, behind=False)
    assert marks.watermark(wall=1_005) == 1_000
