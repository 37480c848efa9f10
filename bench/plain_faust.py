"""A plain Faust agent that only ``json.loads`` each record: the ceiling Faust's own per-event
machinery sets on this machine, for comparison with the worker and a bare consumer.

    python -m bench.plain_faust --events 50000 --port 16690

Prints one JSON line: {"events": N, "seconds": S, "per_second": R}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any

import faust

from adapters.kafka.access import kafka_access
from fusion.contract.principals import WORKER
from fusion.settings import ConnectionSettings
from stream_apps.settings import WorkerSettings


def build(events: int, topic: str, port: int) -> faust.App:
    access = kafka_access(ConnectionSettings(), WORKER)
    app = faust.App(f"fusion-worker-bench-plain-{os.getpid()}",
                    broker=f"kafka://{access.bootstrap}",
                    broker_credentials=faust.SASLCredentials(
                        username=access.username, password=access.password,
                        mechanism=access.mechanism),
                    store="memory://", web_port=port, web_host="127.0.0.1",
                    consumer_auto_offset_reset="earliest",
                    broker_max_poll_records=WorkerSettings().batch_size * 2,
                    datadir=tempfile.mkdtemp(prefix="bench-plain-"))
    seen = {"count": 0, "first": 0.0}

    @app.agent(app.topic(topic, key_serializer="raw", value_serializer="raw"))
    async def count(stream: Any) -> None:
        async for value in stream:
            if not seen["count"]:
                seen["first"] = time.perf_counter()
            json.loads(value)
            seen["count"] += 1
            if seen["count"] >= events:
                seconds = time.perf_counter() - seen["first"]
                print(json.dumps({"events": events - 1, "seconds": round(seconds, 3),
                                  "per_second": round((events - 1) / seconds)}), flush=True)
                os._exit(0)  # the measurement is done; skip Faust's slow shutdown

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--port", type=int, default=16690)
    args = parser.parse_args()
    app = build(args.events, args.topic, args.port)
    sys.argv = [sys.argv[0]]
    worker = faust.Worker(app, loglevel="warning", quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
