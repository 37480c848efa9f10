"""``fusion schemas write|check``: JSON Schemas of the wire contract, in docs/schemas/."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from fusion.contract import FEEDS, DeadLetter, EventEnvelope, Lead
from fusion.contract.audit import AuditEntry
from fusion.contract.escalation import EscalationNotice, EscalationPolicy
from fusion.contract.retention import RetentionReview
from fusion.contract.retraction import Retraction
from fusion.contract.silence import Silence, SilenceChange
from fusion.contract.triage import TriageAction
from fusion.contract.webhooks import DeliveryDeadLetter, DeliveryReceipt, WebhookBody
from leads.subscriptions import Subscription

SCHEMAS: dict[str, type[BaseModel]] = {
    "event-envelope": EventEnvelope,
    "lead": Lead,
    "dead-letter": DeadLetter,
    **{f"attributes.{spec.feed.value}": spec.attributes for spec in FEEDS.values()},
    "subscription": Subscription,
    "audit-entry": AuditEntry,
    "triage-action": TriageAction,
    "webhook-body": WebhookBody,
    "webhook-dead-letter": DeliveryDeadLetter,
    "webhook-receipt": DeliveryReceipt,
    "retention-review": RetentionReview,
    "escalation-policy": EscalationPolicy,
    "escalation-notice": EscalationNotice,
    "retraction": Retraction,
    "silence": Silence,
    "silence-change": SilenceChange,
}
DEFAULT_DIR = Path("docs/schemas")


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "schemas", help="write or check the JSON Schemas in docs/schemas/",
        description="Generate JSON Schema files from the pydantic contract models. 'check' "
                    "exits 1 and names the stale files if they differ from the models.")
    parser.add_argument("action", choices=["write", "check"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="default: docs/schemas")
    parser.set_defaults(handler=run)


def render() -> dict[str, str]:
    """File name -> file text, for every schema."""
    out = {}
    for name, model in SCHEMAS.items():
        schema = model.model_json_schema(mode="validation")
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "$id": f"{name}.schema.json", **schema}
        out[f"{name}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def run(args: argparse.Namespace) -> int:
    files = render()
    if args.action == "write":
        args.dir.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (args.dir / name).write_text(text, encoding="utf-8")
        print(f"wrote {len(files)} schemas to {args.dir}")
        return 0
    stale = [name for name, text in files.items()
             if not (args.dir / name).exists()
             or (args.dir / name).read_text(encoding="utf-8") != text]
    if stale:
        print("stale schemas (run 'fusion schemas write'): " + ", ".join(stale))
        return 1
    print(f"{len(files)} schemas are current")
    return 0
