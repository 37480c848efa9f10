"""``fusion``: one command line for operators, analysts and developers.

    fusion topics create|list        the Kafka topics the system uses
    fusion principals ...            broker identities (agencies, services), how partners connect
    fusion schemas write|check       JSON Schemas of the wire contract in docs/schemas/
    fusion subscriptions ...         which agencies receive leads (a compacted topic)
    fusion silences add|list|expire  withhold matching leads for a while (audited)
    fusion publish FILE              publish JSON Lines events on their feed topics
    fusion import FILE --agency A    import a JSON Lines or CSV file of events (resumable)
    fusion ingest serve|add-key|...  HTTP ingest for partners without Kafka; add/revoke/list keys
    fusion leads list|tail AGENCY    the leads an agency has received, or follow them
    fusion audit verify|show         the dissemination audit: chain checked, who got what
    fusion dashboard serve|add-user  the watch officers' web dashboard and its accounts
    fusion webhooks add|run|replay   signed webhook delivery for partners without Kafka
    fusion retention review|purge    leads due for review at five years (28 CFR 23.20(h))
    fusion escalation set|show|serve acknowledgement deadlines, escalation chains, recalls
    fusion rules lint|test           check the rule catalogue, run its test cases
    fusion rules backtest            replay retained feeds through a candidate rule set
    fusion rules publish             hot-reload the catalogue into running workers
    fusion worker                    run the stream worker (intake, correlate, dispatch)
    fusion status [--watch]          events, leads per agency and dead letters, live
    fusion simulate                  publish simulated agency traffic
    fusion evaluate                  score a simulated run's leads against its ground truth

Every connection setting comes from FUSION_* environment variables (see README.md);
'fusion COMMAND --help' explains each command, with examples.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from cli.commands import (
    audit_cmd,
    dashboard_cmd,
    escalation_cmd,
    evaluate_cmd,
    import_cmd,
    ingest_cmd,
    leads_cmd,
    principals_cmd,
    publish_cmd,
    retention_cmd,
    rules_cmd,
    schemas_cmd,
    silences_cmd,
    simulate_cmd,
    status_cmd,
    subscriptions_cmd,
    topics_cmd,
    webhooks_cmd,
    worker_cmd,
)
from fusion.errors import FusionError
from fusion.logs import configure_logging


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fusion", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (topics_cmd, principals_cmd, schemas_cmd, subscriptions_cmd, silences_cmd,
                    publish_cmd,
                    import_cmd, ingest_cmd, leads_cmd, audit_cmd, dashboard_cmd, rules_cmd,
                    worker_cmd, escalation_cmd, webhooks_cmd, retention_cmd,
                    status_cmd, simulate_cmd, evaluate_cmd):
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `fusion ... | head` ends quietly
    configure_logging()
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except FusionError as exc:
        print(f"fusion {args.command}: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        if not exc.title.endswith("Settings"):
            raise
        for error in exc.errors(include_url=False):
            name = "FUSION_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"fusion {args.command}: {name}: {error['msg']}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
