"""``fusion worker``: the Faust stream worker (intake, correlate, dispatch)."""

from __future__ import annotations

import argparse
from typing import Any

DESCRIPTION = """Run the stream worker until Ctrl-C or SIGTERM: the intake, correlate and
dispatch agents and the rule-set reloader, in one Faust app (consumer group
FUSION_APP_ID, default fusion-worker). Start several to share the partitions.

Settings are FUSION_* variables, for example:
  FUSION_KAFKA_BOOTSTRAP   broker (default 127.0.0.1:19092)
  FUSION_REDIS_URL         Redis (default redis://127.0.0.1:16379/0)
  FUSION_WEB_PORT          metrics at http://127.0.0.1:PORT/metrics (default 6066)
  FUSION_LOG_LEVEL         the project's own log lines (default info)
  FUSION_LIBRARY_LOG_LEVEL Faust's, aiokafka's and kafka-python's (default warning)
Every setting: stream_apps/settings.py."""


def register(commands: Any) -> None:
    worker = commands.add_parser(
        "worker", help="run the Faust stream worker", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    worker.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from stream_apps.settings import WorkerSettings
    from stream_apps.worker import run_worker

    return run_worker(WorkerSettings())
