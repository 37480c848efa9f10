"""``fusion worker``: loads the rule catalogue, then runs the Faust worker until stopped.
(It needs Kafka only: its watchlist lives in its lanes' state, seeded from Kafka.)"""

from __future__ import annotations

import sys
from pathlib import Path

import faust

from fusion.logs import logging_config
from rules.problems import RuleFileError
from stream_apps.app import create_app
from stream_apps.gc_tuning import tune_gc
from stream_apps.settings import WorkerSettings


def run_worker(settings: WorkerSettings) -> int:
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)  # Faust makes only the last level
    try:
        app = create_app(settings)
    except RuleFileError as exc:
        print(f"fusion worker: the rule catalogue {settings.rules_dir} has problems:\n{exc}",
              file=sys.stderr)
        return 2
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True,
                          logging_config=logging_config())
    tune_gc(settings.gc_thresholds)  # start-up's objects frozen out of collections
    worker.execute_from_commandline()
    return 0
