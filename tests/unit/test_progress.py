"""Progress records on the correlation topic (``stream_apps.progress``)."""

from __future__ import annotations

from stream_apps.progress import Progress, progress_records, read_progress


def test_a_progress_record_round_trips_to_every_partition() -> None:
    records = progress_records({"feeds.a:0": 1_000.0}, {"feeds.b:1"}, at=123.5, partitions=3)
    assert [r.partition for r in records] == [0, 1, 2]
    assert read_progress(records[0].value) == Progress({"feeds.a:0": 1_000.0},
                                                       frozenset({"feeds.b:1"}), 123.5)


def test_nothing_read_sends_no_progress() -> None:
    assert progress_records({}, {"feeds.b:1"}, at=1.0) == []


def test_an_older_record_without_its_time_and_a_malformed_one() -> None:
    assert read_progress(b'{"sources": {"s": 5}, "behind": []}') == Progress({"s": 5.0},
                                                                            frozenset(), None)
    assert read_progress(b"not json") == Progress({}, frozenset(), None)
