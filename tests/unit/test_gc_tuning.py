"""The worker's garbage-collector settings (``stream_apps.gc_tuning``)."""

from __future__ import annotations

import gc

import pytest
from pydantic import ValidationError

from stream_apps.gc_tuning import DEFAULT_THRESHOLDS, tune_gc
from stream_apps.settings import WorkerSettings


def test_thresholds_are_set_and_start_up_objects_frozen() -> None:
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    try:
        tune_gc((5000, 20, 15))
        assert gc.get_threshold() == (5000, 20, 15)
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_the_worker_setting_defaults_to_the_tuned_thresholds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert WorkerSettings().gc_thresholds == DEFAULT_THRESHOLDS
    monkeypatch.setenv("FUSION_GC_THRESHOLDS", "[700, 10, 10]")
    assert WorkerSettings().gc_thresholds == (700, 10, 10)


def test_a_negative_threshold_is_refused_naming_the_field(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUSION_GC_THRESHOLDS", "[-1, 10, 10]")
    with pytest.raises(ValidationError, match="gc_thresholds"):
        WorkerSettings()
