"""Acknowledgements from partners (pure): a ``TriageAction`` read from ``acks.<slug>`` or
posted over HTTP, checked before it goes to ``triage.actions``.

Kafka does not tell a consumer which principal wrote a record, so a partner acknowledges on
its own topic, ``acks.<slug>``, which only its principal may write (the ACL ties the topic to
the agency); an action there that names another agency is refused (``topic-mismatch``, a
dead letter naming ``agency``), as is any kind but ``acknowledge`` (a partner does not
withdraw, dismiss or escalate a lead by this channel) and a channel other than the one it
came by.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ValidationError

from fusion.contract.codes import Agency
from fusion.contract.dead_letter import DeadLetterReason, FieldError
from fusion.contract.decoding import Rejection, _from_validation_error
from fusion.contract.triage import TriageAction, TriageKind


def check_partner_ack(value: bytes | None, *, agency: Agency,
                      channel: Literal["kafka", "http"]) -> TriageAction | Rejection:
    """The action in ``value`` if ``agency`` (the topic's, or the API key's) may send it."""
    if not value:
        return Rejection(DeadLetterReason.MALFORMED_JSON, (FieldError(
            field="", problem="empty", message="the record has no value"),))
    try:
        action = TriageAction.model_validate_json(value)
    except ValidationError as exc:
        return _from_validation_error(exc)
    if action.agency is not agency:
        return Rejection(DeadLetterReason.TOPIC_MISMATCH, (FieldError(
            field="agency", problem="topic_mismatch",
            message=f"an acknowledgement by {action.agency.value} arrived as "
                    f"{agency.value}'s: an agency acknowledges only for itself"),))
    errors = []
    if action.kind is not TriageKind.ACKNOWLEDGE:
        errors.append(FieldError(field="kind", problem="not_allowed",
                                 message=f"a partner may only acknowledge by {channel}, not "
                                         f"{action.kind.value}"))
    if action.channel != channel:
        errors.append(FieldError(field="channel", problem="wrong_channel",
                                 message=f"came by {channel}, says {action.channel}"))
    if errors:
        return Rejection(DeadLetterReason.SCHEMA_VIOLATION, tuple(errors))
    return action
