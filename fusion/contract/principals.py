"""Who may do what on the broker: the principals (one per agency, one per service) and the
ACLs that give each only its own topics. Pure: ``adapters/kafka/principals.py`` applies this
policy to the broker, ``fusion principals`` manages the credentials.

    principal            may
    agency-<slug>        write feeds.<slug>.* and acks.<slug> (its acknowledgements); read
                         leads.<slug> and notices.<slug> with groups agency-<slug>*
    svc-worker           read feeds.*, control.rule-sets*, control.subscriptions*,
                         control.silences*; write
                         internal.*, leads.*, feeds.dlq, audit.*, state.*; its Faust topics,
                         groups and transactional ids fusion-worker* (any app id starting
                         with fusion-worker: changelogs, the assignor topic, the dispatch
                         transactions)
    svc-ingest           write (and read back) every agency's feeds.<slug>.*, groups
                         fusion-ingest*; it publishes for the agency whose API key it checked
    svc-simulator        write every agency's feeds.<slug>.*: the demo's and tests' stand-in
                         for the agencies (`fusion simulate`, `fusion publish`)
    svc-dashboard        read leads.*, audit.*, triage.*, every feeds.<slug>.seizures (the
                         seizure analytics); write triage.* (the watch officers' dashboard:
                         `fusion dashboard serve`); no consumer group (it assigns
                         partitions), no other feed, no internal or control topic
    svc-webhooks         read leads.* (each endpoint's agency's topic, read_committed),
                         control.webhook-endpoints, webhooks.replays; read and write
                         webhooks.endpoint-states (a 410 disables); write webhooks.dlq and
                         audit.webhook-receipts; groups and transactional ids
                         fusion-webhooks* (`fusion webhooks run`)
    svc-escalation       read audit.disseminations*, control.escalation*, triage.*,
                         acks.*, internal.leads, internal.retractions; write notices.*,
                         audit.escalations*, triage.* (partners' acknowledgements, checked),
                         feeds.dlq (refused ones), internal.leads (recall revisions, which
                         dispatch sends and audits); group and transactional ids
                         svc-escalation* (`fusion escalation serve`)
    admin                super user: topics, ACLs, credentials, control.* (rule sets)
    broker, controller   super users: the broker itself (SCRAM) and its controller (PLAIN)

Nobody else may write ``control.*``, ``internal.*``, ``leads.*``, ``audit.*``, ``state.*``
or ``feeds.dlq`` (the escalation service: ``feeds.dlq``, ``internal.leads``, ``notices.*``,
``audit.escalations``); only the worker, the dashboard and the escalation service write
``triage.*``; with
``allow.everyone.if.no.acl.found=false`` anything not granted here is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from fusion.contract.codes import Agency, Feed
from fusion.contract.feeds import FEEDS
from fusion.contract.topics import (
    AUDIT_TOPIC,
    CANDIDATE_LEADS_TOPIC,
    DEAD_LETTER_TOPIC,
    DISPATCH_GROUPS_TOPIC,
    ESCALATION_AUDIT_TOPIC,
    ESCALATION_TOPIC,
    RETRACTIONS_TOPIC,
    RULE_SETS_TOPIC,
    SILENCES_TOPIC,
    SUBSCRIPTIONS_TOPIC,
    TRIAGE_TOPIC,
    WATCHLIST_STATE_TOPIC,
    WEBHOOK_DEAD_LETTER_TOPIC,
    WEBHOOK_ENDPOINTS_TOPIC,
    WEBHOOK_RECEIPTS_TOPIC,
    WEBHOOK_REPLAYS_TOPIC,
    WEBHOOK_STATES_TOPIC,
    ack_topic,
    feed_topic,
    notice_topic,
)

ADMIN = "admin"
BROKER = "broker"
CONTROLLER = "controller"
WORKER = "svc-worker"
INGEST = "svc-ingest"
SIMULATOR = "svc-simulator"
DASHBOARD = "svc-dashboard"
WEBHOOKS = "svc-webhooks"
ESCALATION = "svc-escalation"
SERVICES = (WORKER, INGEST, SIMULATOR, DASHBOARD, ESCALATION, WEBHOOKS)
SUPER_USERS = (ADMIN, BROKER, CONTROLLER)

WORKER_APP_PREFIX = "fusion-worker"
"""Every worker's FUSION_APP_ID starts with this: its consumer group, and the prefix of the
topics Faust makes for it (``<app_id>-correlation-state-changelog``, the assignor topic)."""
INGEST_GROUP_PREFIX = "fusion-ingest"
WEBHOOKS_PREFIX = "fusion-webhooks"
"""The webhook sender's consumer groups (one per endpoint) and transactional id."""


def intake_group(app_id: str) -> str:
    """The consumer group of a worker's intake (its own, not Faust's): ``<app_id>-intake``."""
    return f"{app_id}-intake"
AGENCY_PREFIX = "agency-"


class Resource(StrEnum):
    TOPIC = "topic"
    GROUP = "group"
    TRANSACTIONAL_ID = "transactional-id"


class Operation(StrEnum):
    READ = "read"
    WRITE = "write"
    CREATE = "create"
    DESCRIBE = "describe"
    DESCRIBE_CONFIGS = "describe_configs"
    DELETE = "delete"


@dataclass(frozen=True, slots=True, order=True)
class Grant:
    """Allow ``principal`` the ``operation`` on a ``resource`` named ``name`` (or, when
    ``prefixed``, on every resource whose name starts with it)."""

    principal: str
    resource: Resource
    name: str
    prefixed: bool
    operation: Operation


def agency_principal(agency: Agency) -> str:
    return f"{AGENCY_PREFIX}{agency.slug}"


def agency_of(principal: str) -> Agency | None:
    """The agency a principal stands for, or None for a service or super user."""
    if not principal.startswith(AGENCY_PREFIX):
        return None
    slug = principal.removeprefix(AGENCY_PREFIX)
    return next((a for a in Agency if a.slug == slug), None)


def agency_group_prefix(agency: Agency) -> str:
    """A partner's consumer groups must start with this (``agency-hsi``, ``agency-hsi-desk``)."""
    return agency_principal(agency)


def all_principals() -> list[str]:
    """Every principal that gets SCRAM credentials on the client listener (the controller's
    are PLAIN, on its own listener)."""
    return [ADMIN, BROKER, *SERVICES, *(agency_principal(a) for a in Agency)]


def _topic(principal: str, name: str, *operations: Operation,
           prefixed: bool = False) -> list[Grant]:
    return [Grant(principal, Resource.TOPIC, name, prefixed, op) for op in operations]


def _group(principal: str, prefix: str) -> list[Grant]:
    return [Grant(principal, Resource.GROUP, prefix, True, op)
            for op in (Operation.READ, Operation.DESCRIBE)]


def agency_grants(agency: Agency) -> list[Grant]:
    principal = agency_principal(agency)
    return [
        *_topic(principal, f"feeds.{agency.slug}.", Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *_topic(principal, f"leads.{agency.slug}", Operation.READ, Operation.DESCRIBE),
        *_topic(principal, ack_topic(agency), Operation.WRITE, Operation.DESCRIBE),
        *_topic(principal, notice_topic(agency), Operation.READ, Operation.DESCRIBE),
        *_group(principal, agency_group_prefix(agency)),
    ]


def worker_grants() -> list[Grant]:
    w = WORKER
    return [
        *_topic(w, "feeds.", Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(w, DEAD_LETTER_TOPIC, Operation.WRITE),
        *_topic(w, "internal.", Operation.READ, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *_topic(w, "leads.", Operation.WRITE, Operation.DESCRIBE, prefixed=True),
        *_topic(w, RULE_SETS_TOPIC, Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(w, SUBSCRIPTIONS_TOPIC, Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(w, SILENCES_TOPIC, Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(w, AUDIT_TOPIC, Operation.READ, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *_topic(w, WATCHLIST_STATE_TOPIC, Operation.READ, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *_topic(w, DISPATCH_GROUPS_TOPIC, Operation.READ, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *_topic(w, TRIAGE_TOPIC, Operation.READ, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *[Grant(w, Resource.TRANSACTIONAL_ID, WORKER_APP_PREFIX, True, op)
          for op in (Operation.WRITE, Operation.DESCRIBE)],
        *_topic(w, WORKER_APP_PREFIX, Operation.READ, Operation.WRITE, Operation.CREATE,
                Operation.DESCRIBE, Operation.DESCRIBE_CONFIGS, prefixed=True),
        *_group(w, WORKER_APP_PREFIX),
    ]


def publisher_grants(principal: str, *, read_back: bool) -> list[Grant]:
    """Write on every agency's own feed prefix, never on ``feeds.dlq``."""
    operations = (Operation.WRITE, Operation.DESCRIBE, *((Operation.READ,) if read_back else ()))
    return [g for agency in Agency
            for g in _topic(principal, f"feeds.{agency.slug}.", *operations, prefixed=True)]


def dashboard_grants() -> list[Grant]:
    """The watch officers' dashboard reads every lead topic (it shows each officer what is
    releasable to the officer's agency), the dissemination audit (the recipients and every
    withheld decision), the triage actions and the seizure feeds (seizure analytics: each
    officer sees the reports releasable to the officer's agency), and writes officers'
    actions to triage.*. Group-less consumers: no group grant."""
    d = DASHBOARD
    return [
        *(g for agency in sorted(FEEDS[Feed.SEIZURES].publishers, key=lambda a: a.value)
          for g in _topic(d, feed_topic(agency, Feed.SEIZURES), Operation.READ,
                          Operation.DESCRIBE)),
        *_topic(d, "leads.", Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(d, "audit.", Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(d, "triage.", Operation.READ, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
    ]


def webhooks_grants() -> list[Grant]:
    """The webhook sender reads what it delivers (the agencies' lead topics) and its
    endpoints; it can disable an endpoint (its state topic) but not change its URL or
    secrets; it writes its dead letters and receipts, and commits through its own groups
    and transactional id."""
    h = WEBHOOKS
    return [
        *_topic(h, "leads.", Operation.READ, Operation.DESCRIBE, prefixed=True),
        # prefixed, like the worker's control topics: a test's own set is <topic>.<suffix>
        *_topic(h, WEBHOOK_ENDPOINTS_TOPIC, Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(h, WEBHOOK_STATES_TOPIC, Operation.READ, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *_topic(h, WEBHOOK_REPLAYS_TOPIC, Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(h, WEBHOOK_DEAD_LETTER_TOPIC, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *_topic(h, WEBHOOK_RECEIPTS_TOPIC, Operation.READ, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *[Grant(h, Resource.TRANSACTIONAL_ID, WEBHOOKS_PREFIX, True, op)
          for op in (Operation.WRITE, Operation.DESCRIBE)],
        *_group(h, WEBHOOKS_PREFIX),
    ]


def escalation_grants() -> list[Grant]:
    """The escalation service (acknowledgement deadlines, escalation notices, recalls): it
    reads what was sent (the audit), what was acknowledged or withdrawn (triage.*, acks.*),
    the policies, the candidate leads and the retractions; it writes notices and its own
    audit chain, forwards partners' checked acknowledgements to triage.*, refused ones to
    feeds.dlq, and recall revisions to internal.leads (dispatch sends and audits them).
    No other internal topic, no lead topic, no feed."""
    e = ESCALATION
    return [
        *_topic(e, AUDIT_TOPIC, Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(e, ESCALATION_TOPIC, Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(e, ESCALATION_AUDIT_TOPIC, Operation.READ, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *_topic(e, TRIAGE_TOPIC, Operation.READ, Operation.WRITE, Operation.DESCRIBE,
                prefixed=True),
        *_topic(e, "acks.", Operation.READ, Operation.DESCRIBE, prefixed=True),
        *_topic(e, "notices.", Operation.WRITE, Operation.DESCRIBE, prefixed=True),
        *_topic(e, DEAD_LETTER_TOPIC, Operation.WRITE, Operation.DESCRIBE),
        *_topic(e, CANDIDATE_LEADS_TOPIC, Operation.READ, Operation.WRITE, Operation.DESCRIBE),
        *_topic(e, RETRACTIONS_TOPIC, Operation.READ, Operation.DESCRIBE),
        *[Grant(e, Resource.TRANSACTIONAL_ID, ESCALATION, True, op)
          for op in (Operation.WRITE, Operation.DESCRIBE)],
        *_group(e, ESCALATION),
    ]


def grants() -> list[Grant]:
    """The whole policy, sorted (super users need none)."""
    return list(_policy())


@cache
def _policy() -> tuple[Grant, ...]:
    out = [*worker_grants(), *dashboard_grants(), *escalation_grants(), *webhooks_grants(),
           *publisher_grants(INGEST, read_back=True), *_group(INGEST, INGEST_GROUP_PREFIX),
           *publisher_grants(SIMULATOR, read_back=False)]
    for agency in Agency:
        out.extend(agency_grants(agency))
    return tuple(sorted(set(out)))


def allowed(principal: str, resource: Resource, name: str, operation: Operation) -> bool:
    """Whether the policy lets ``principal`` do ``operation`` on the resource ``name``
    (super users may do anything). The broker decides; this is the same rule for tests and
    for ``fusion principals show``."""
    if principal in SUPER_USERS:
        return True
    return any(g.principal == principal and g.resource == resource and g.operation == operation
               and (name.startswith(g.name) if g.prefixed else name == g.name)
               for g in _policy())
