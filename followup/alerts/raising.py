"""Raise an alert: one row, its first page queued at once, the patient paused when it is
an emergency or a crisis."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from followup.core.errors import FollowupError
from followup.db.models import Alert, AlertNotification, Patient
from followup.protocol import Protocol

log = logging.getLogger(__name__)


EMERGENCY, CRITICAL, URGENT, HIGH = "emergency", "critical", "urgent", "high"


# Most urgent first: a medical emergency, a crisis, a problem for a nurse today, and an
# answer past a survey threshold.
SEVERITIES = (EMERGENCY, CRITICAL, URGENT, HIGH)


# An open alert of these holds the patient's automated messages until staff look.
PAUSING = frozenset({EMERGENCY, CRITICAL})


class AlertNotFound(FollowupError, LookupError):
    """No alert has that id."""


def raise_alert(
    session: Session,
    protocol: Protocol,
    *,
    patient: Patient | None,
    inbound_message_id: int | None,
    severity: str,
    reason: str,
    now: datetime,
) -> Alert:
    """Record an alert and queue its notifications to the first on-call person."""
    alert = Alert(
        patient_id=patient.id if patient else None,
        inbound_message_id=inbound_message_id,
        severity=severity,
        reason=reason[:300],
        created_at=now,
        next_escalation_at=now + protocol.replies.alert_escalation_after,
    )
    session.add(alert)
    session.flush()
    queue_page(session, alert, 0, protocol, now)
    if severity in PAUSING and patient is not None and patient.paused_at is None:
        patient.paused_at = now
        patient.updated_at = now
    log.warning("alert %d raised: %s (%s)", alert.id, severity, reason)
    return alert


def queue_page(
    session: Session, alert: Alert, level: int, protocol: Protocol, now: datetime
) -> None:
    # Past the end of the list, paging starts again at the top: somebody must answer.
    contact = protocol.on_call[level % len(protocol.on_call)]
    for channel, to in (("sms", contact.phone), ("email", contact.email)):
        if to:
            session.add(
                AlertNotification(
                    alert_id=alert.id or 0,
                    level=level,
                    contact_name=contact.name,
                    channel=channel,
                    to=to,
                    created_at=now,
                )
            )
