"""``fusion worker``: checks the dependencies, then runs the Faust worker until stopped."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import faust

from adapters.redis.client import connect_redis
from fusion.errors import DependencyUnavailableError
from fusion.logs import logging_config
from rules.problems import RuleFileError
from stream_apps.app import create_app
from stream_apps.gc_tuning import tune_gc
from stream_apps.settings import WorkerSettings


async def _check_redis(settings: WorkerSettings) -> None:
    client = await connect_redis(settings)
    await client.aclose()


def run_worker(settings: WorkerSettings) -> int:
    try:
        asyncio.run(_check_redis(settings))
    except DependencyUnavailableError as exc:
        print(f"fusion worker: {exc}", file=sys.stderr)
        return 2
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
