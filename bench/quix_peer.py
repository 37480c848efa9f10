"""The peer of ``bench.intake``: a quixstreams application (the library a Python user would
pick instead of Faust) applying the project's own ``decode_event`` to every record of a feed
topic, timed from its first record to its N-th.

Runs in its own virtualenv (``bench.peer_venv``; quixstreams 3.28 pins pydantic < 2.14),
with the checkout on ``sys.path`` for the pure contract (``fusion.contract`` needs only
pydantic). Reads as the admin with SASL SCRAM-SHA-512: the credentials file's path comes in
``--credentials``, never the password on the command line.

    <peer venv>/bin/python bench/quix_peer.py --topic T --events N --credentials F \
        --bootstrap HOST:PORT --group G --state-dir D

Prints one JSON line: {"events": N-1, "seconds": S, "per_second": R}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--events", type=int, required=True)
    parser.add_argument("--credentials", type=Path, required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--state-dir", required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from quixstreams import Application  # type: ignore[import-not-found, unused-ignore]
    from quixstreams.kafka.configuration import (  # type: ignore[import-not-found, unused-ignore]
        ConnectionConfig,
    )

    from fusion.contract import decode_event

    creds = json.loads(args.credentials.read_text(encoding="utf-8"))
    app = Application(
        broker_address=ConnectionConfig(
            bootstrap_servers=args.bootstrap, security_protocol="sasl_plaintext",
            sasl_mechanism=creds.get("mechanism", "SCRAM-SHA-512"),
            sasl_username=creds["username"], sasl_password=creds["password"]),
        consumer_group=args.group, auto_offset_reset="earliest", state_dir=args.state_dir,
        loglevel="WARNING", auto_create_topics=False, use_changelog_topics=False)
    topic = app.topic(args.topic, key_deserializer="bytes", value_deserializer="bytes")
    seen: dict[str, Any] = {"count": 0, "first": 0.0, "last": 0.0}

    def work(value: bytes) -> None:
        if not seen["count"]:
            seen["first"] = time.perf_counter()
        decode_event(value, topic=args.topic)
        seen["count"] += 1
        if seen["count"] == args.events:
            seen["last"] = time.perf_counter()
            app.stop()

    app.dataframe(topic).update(work)
    app.run()
    seconds = seen["last"] - seen["first"]
    print(json.dumps({"events": args.events - 1, "seconds": round(seconds, 3),
                      "per_second": round((args.events - 1) / seconds) if seconds else None}),
          flush=True)


if __name__ == "__main__":
    main()
