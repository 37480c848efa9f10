"""Words the pages show for closed sets (lead states, actions, dismiss reasons, roles, audit
outcomes, seized commodities, concealments and units), marked for extraction with ``N_``
and translated where they are shown (``_(label)`` in the templates). Priority and TLP codes
are shown as they are."""

from __future__ import annotations

from dashboard.accounts import Role
from dashboard.triage_state import LeadState
from fusion.contract import Commodity, Concealment
from fusion.contract.triage import DismissReason, TriageKind


def N_(message: str) -> str:  # noqa: N802 (gettext's marker name)
    """Marks a string for extraction; translated later, where it is shown."""
    return message


STATES: dict[LeadState, str] = {
    LeadState.NEW: N_("new"),
    LeadState.ACKNOWLEDGED: N_("acknowledged"),
    LeadState.ASSIGNED: N_("assigned"),
    LeadState.ESCALATED: N_("escalated"),
    LeadState.CONFIRMED: N_("confirmed"),
    LeadState.DISMISSED: N_("dismissed"),
}

ACTIONS: dict[TriageKind, str] = {
    TriageKind.ACKNOWLEDGE: N_("acknowledged the lead"),
    TriageKind.ASSIGN: N_("assigned the lead"),
    TriageKind.ESCALATE: N_("escalated the lead"),
    TriageKind.NOTE: N_("added a note"),
    TriageKind.CONFIRM: N_("confirmed the lead"),
    TriageKind.DISMISS: N_("dismissed the lead"),
    TriageKind.WITHDRAW: N_("asked to withdraw the lead"),
}

DISMISS_REASONS: dict[DismissReason, str] = {
    DismissReason.FALSE_POSITIVE: N_("false positive"),
    DismissReason.DUPLICATE: N_("duplicate"),
    DismissReason.NOT_ACTIONABLE: N_("not actionable"),
}

ROLES: dict[Role, str] = {
    Role.OFFICER: N_("officer"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.ADMINISTRATOR: N_("administrator"),
}

OUTCOMES: dict[str, str] = {
    "sent": N_("sent"),
    "disabled": N_("withheld: subscription disabled"),
    "category-not-subscribed": N_("withheld: category not subscribed"),
    "below-min-priority": N_("withheld: below the agency's minimum priority"),
    "handling": N_("withheld: not releasable"),
    "sent-redacted": N_("sent: the fact only"),
    "withheld-silenced": N_("withheld: silenced"),
    "held-grouping": N_("held: grouped with later revisions"),
    "coalesced": N_("coalesced into a later revision"),
    "withheld-stale": N_("withheld: not newer than a revision already sent"),
}

LEAD_STATUS: dict[str, str] = {
    "active": N_("active"),
    "corrected": N_("corrected: re-issued without retracted evidence"),
    "withdrawn": N_("withdrawn: recalled from every recipient"),
}

RELIABILITY: dict[str, str] = {
    "A": N_("completely reliable"), "B": N_("usually reliable"), "C": N_("fairly reliable"),
    "D": N_("not usually reliable"), "E": N_("unreliable"), "F": N_("reliability unknown"),
}

CREDIBILITY: dict[str, str] = {
    "1": N_("confirmed"), "2": N_("probably true"), "3": N_("possibly true"),
    "4": N_("doubtful"), "5": N_("improbable"), "6": N_("truth unknown"),
}

COMMODITIES: dict[str, str] = {
    Commodity.FENTANYL: N_("fentanyl"), Commodity.METHAMPHETAMINE: N_("methamphetamine"),
    Commodity.COCAINE: N_("cocaine"), Commodity.HEROIN: N_("heroin"),
    Commodity.MARIJUANA: N_("marijuana"), Commodity.CURRENCY: N_("currency"),
    Commodity.FIREARMS: N_("firearms"), Commodity.AMMUNITION: N_("ammunition"),
    Commodity.OTHER: N_("other commodity"),
}

CONCEALMENTS: dict[str, str] = {
    Concealment.GAS_TANK: N_("gas tank"), Concealment.SPARE_TIRE: N_("spare tire"),
    Concealment.DOOR_PANEL: N_("door panel"), Concealment.DASHBOARD: N_("dashboard"),
    Concealment.ROOF: N_("roof"), Concealment.FLOOR_COMPARTMENT: N_("floor compartment"),
    Concealment.COMMERCIAL_LOAD: N_("commercial load"), Concealment.BODY_CARRY: N_("body carry"),
    Concealment.TUNNEL: N_("tunnel"), Concealment.OTHER: N_("other concealment"),
}

UNITS: dict[str, str] = {
    "kg": N_("kg"), "units": N_("units"), "rounds": N_("rounds"),
    "usd": "USD", "mxn": "MXN", "cad": "CAD",
}
