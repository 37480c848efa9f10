"""``fusion retention review|purge|retain``: criminal-intelligence leads due for review at
five years from their first dissemination (28 CFR 23.20(h)), as the admin."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from pydantic import Field

from adapters.kafka.access import kafka_access
from adapters.kafka.audit_reader import read_audit
from adapters.kafka.retention import holdings, put_reviews, read_reviews
from cli.commands.arguments import aware_time
from fusion.contract import AUDIT_TOPIC, CANDIDATE_LEADS_TOPIC, TRIAGE_TOPIC, Agency, lead_topic
from fusion.contract.principals import ADMIN
from fusion.contract.retention import RetentionReview, ReviewOutcome, StoreReport
from fusion.contract.topics import RETENTION_REVIEWS_TOPIC, WebhookTopics, all_topics
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings
from leads.retention import FIVE_YEARS, Due, due_leads, first_disseminations

DESCRIPTION = """\
A lead is due for review when FUSION_RETENTION_PERIOD_DAYS (1826: five years) have passed
since its first dissemination (its first 'sent' decision on audit.disseminations), or since
the last review that retained it. Each review is recorded on audit.retention-reviews (kept
for ever, only the admin writes it) with what every store held of the lead.

  fusion retention review                       the leads due now and where their content is
  fusion retention purge --all-due --reason "5-year review, no longer relevant"
  fusion retention purge L-... --reason TEXT    purge named leads (due or not)
  fusion retention retain L-... --reason TEXT   validated: due again one period later

What purge can remove, and what it cannot: every topic that carries lead content is
append-only (leads.<agency>, internal.leads: 7 days; webhooks.dlq, webhooks.replays: 30
days; triage.actions: kept for ever), and Kafka cannot drop one record of such a topic; the
topics' retention removes it. purge records the review and, per store, how many records of
the lead remain and until when. The dissemination audit and the webhook receipts hold no
lead content (ids, agencies, outcomes, rule ids) and stay: they are the dissemination
trail."""

STORE_NOTES = (
    StoreReport(store=AUDIT_TOPIC, records=0, action="kept: decisions only (who, when, why, "
                "TLP, rule ids), no lead content; the dissemination trail (28 CFR 23.20(g))"),
    StoreReport(store="audit.webhook-receipts", records=0,
                action="kept: delivery ids and outcomes only, no lead content"),
    StoreReport(store="<app_id>-correlation-state-changelog", records=0,
                action="not read here: a lead's hits are swept from the correlation state "
                       "once the watermark passes its horizon (days, not years)"),
)


class RetentionSettings(ConnectionSettings):
    retention_period_days: float = Field(
        default=FIVE_YEARS.days, gt=0,
        description="Days from first dissemination (or the last retaining review) to review.")


def register(commands: Any) -> None:
    parser = commands.add_parser("retention", help="review or purge leads at five years",
                                 description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audit-topic", default=AUDIT_TOPIC, help=argparse.SUPPRESS)
    parser.add_argument("--reviews-topic", default=RETENTION_REVIEWS_TOPIC,
                        help=argparse.SUPPRESS)
    parser.add_argument("--triage-topic", default=TRIAGE_TOPIC, help=argparse.SUPPRESS)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    review = actions.add_parser("review", help="the leads due now, and where their content is")
    review.add_argument("--as-of", type=aware_time, help="judge as of this time (default now)")
    for name, text in (("purge", "purge leads (records the review; see the description)"),
                       ("retain", "validated for retention: due again one period later")):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("leads", nargs="*", metavar="LEAD", help="lead ids (L-...)")
        sub.add_argument("--reason", required=True, help="why (recorded)")
        if name == "purge":
            sub.add_argument("--all-due", action="store_true", help="every lead due now")
    parser.set_defaults(handler=run)


def _stores(args: argparse.Namespace) -> list[str]:
    return [CANDIDATE_LEADS_TOPIC, *(lead_topic(a) for a in Agency), args.triage_topic,
            WebhookTopics().dead_letters, WebhookTopics().replays]


def _retention_of(topic: str) -> str:
    spec = next((s for s in all_topics() if s.name == topic), None)
    ms = spec.config.get("retention.ms") if spec is not None else None
    if ms is None:
        return "the broker's default retention"
    if ms == "-1":
        return "unlimited retention"
    return f"the topic's {int(ms) // 86_400_000}-day retention"


def _action(topic: str, count: int) -> str:
    kept = _retention_of(topic)
    if count == 0:
        return f"nothing of it left ({kept})"
    if kept == "unlimited retention":
        return (f"{count} record(s) remain: append-only with {kept}, not removable one lead "
                "at a time (docs/ARCHITECTURE.md, Retention)")
    return (f"{count} record(s) remain until {kept} removes them (append-only: one record "
            "cannot be dropped)")


def run(args: argparse.Namespace) -> int:
    settings = RetentionSettings()
    access = kafka_access(settings, ADMIN)
    now = getattr(args, "as_of", None) or dt.datetime.now(dt.UTC)
    period = dt.timedelta(days=settings.retention_period_days)
    disseminated = first_disseminations(
        r.entry for r in read_audit(access, args.audit_topic) if r.entry is not None)
    reviews = read_reviews(access, args.reviews_topic)
    due = due_leads(disseminated, reviews, period=period, now=now)
    if args.action == "review":
        return _print_due(args, access, due, now)
    chosen = list(due) if getattr(args, "all_due", False) else []
    for lead_id in args.leads:
        if lead_id not in disseminated:
            raise ConfigurationError(f"{lead_id} was never disseminated (no 'sent' decision "
                                     f"on {args.audit_topic})")
        first, agencies = disseminated[lead_id]
        chosen.append(Due(lead_id, first, first + period, tuple(sorted(agencies))))
    if not chosen:
        print("no lead chosen: name leads, or --all-due (none due now)" if args.action ==
              "purge" else "no lead named")
        return 0
    held = holdings(access, _stores(args), {d.lead_id for d in chosen})
    outcome = ReviewOutcome.PURGE if args.action == "purge" else ReviewOutcome.RETAIN
    records = [RetentionReview(
        lead_id=d.lead_id, outcome=outcome, first_disseminated_at=d.first_disseminated_at,
        reviewed_at=now, reviewed_by=access.username, reason=args.reason,
        stores=[*(StoreReport(store=t, records=c[d.lead_id], action=_action(t, c[d.lead_id])
                              if outcome is ReviewOutcome.PURGE else "retained")
                  for t, c in held.items() if c[d.lead_id] or t in (args.triage_topic,)),
                *(STORE_NOTES if outcome is ReviewOutcome.PURGE else ())])
        for d in chosen]
    put_reviews(access, args.reviews_topic, records)
    for review in records:
        print(f"{review.lead_id} {outcome.value}d (first disseminated "
              f"{review.first_disseminated_at.isoformat(timespec='seconds')})")
        for store in review.stores:
            print(f"  {store.store}: {store.action}")
    return 0


def _print_due(args: argparse.Namespace, access: Any, due: list[Due], now: dt.datetime) -> int:
    held = holdings(access, _stores(args), {d.lead_id for d in due}) if due else {}
    print(f"{len(due)} lead(s) due for review as of {now.isoformat(timespec='seconds')}")
    for d in due:
        where = ", ".join(f"{t} {c[d.lead_id]}" for t, c in held.items() if c[d.lead_id])
        print(f"{d.lead_id} first disseminated {d.first_disseminated_at.date()} due "
              f"{d.due_at.date()} to {','.join(d.agencies)}; content in: {where or 'none'}")
    return 0
