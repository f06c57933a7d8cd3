"""Raise an alert: one row, its first page queued at once, the patient paused when it is
an emergency or a crisis."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from followup.alerts.call_plan import callee, calls_for
from followup.core.errors import FollowupError
from followup.db.models import Alert, AlertCall, AlertNotification, InboundMessage, Patient
from followup.protocol import OnCallPerson, Protocol

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
    paged: Sequence[str] = (),
) -> Alert:
    """Record an alert and queue its notifications to the first on-call person, and its
    first phone call when its severity calls (`[paging] call_for`).

    `paged`: the channels that person was already paged by, without the database (the
    web process does so when it cannot record a crisis); those are recorded as sent.
    """
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
    queue_page(session, alert, 0, protocol, now, paged)
    where = alert_location(session, protocol, alert)
    first = callee(protocol, 0, where) if calls_for(protocol, severity, where) else None
    if first is not None:
        session.add(
            AlertCall(
                alert_id=alert.id,
                attempt=0,
                contact_name=first.name,
                to=first.phone,
                language=first.language,
                due_at=now,
                created_at=now,
            )
        )
    if severity in PAUSING and patient is not None and patient.paused_at is None:
        patient.paused_at = now
        patient.updated_at = now
    log.warning("alert %d raised: %s (%s)", alert.id, severity, reason)
    return alert


def queue_page(
    session: Session,
    alert: Alert,
    level: int,
    protocol: Protocol,
    now: datetime,
    paged: Sequence[str] = (),
) -> None:
    """Queue the notifications to the on-call person at `level` of the alert's location;
    `paged` channels as sent."""
    contact = on_call_at(protocol, level, alert_location(session, protocol, alert))
    for channel, to in (("sms", contact.phone), ("email", contact.email)):
        if to:
            done = channel in paged
            session.add(
                AlertNotification(
                    alert_id=alert.id or 0,
                    level=level,
                    contact_name=contact.name,
                    channel=channel,
                    to=to,
                    created_at=now,
                    status="sent" if done else "pending",
                    sent_at=now if done else None,
                    error="paged directly while the database was down" if done else None,
                )
            )


def on_call_at(protocol: Protocol, level: int, location: str | None = None) -> OnCallPerson:
    """Who is paged at an escalation level of a location's list (else the network's): past
    the end of the list, paging starts again at the top (somebody must answer)."""
    people = protocol.on_call_at(location)
    return people[level % len(people)]


def alert_location(session: Session, protocol: Protocol, alert: Alert) -> str | None:
    """The location an alert belongs to: its patient's; for a number on no patient's file,
    the location whose number was texted; None for the clinic's own alerts."""
    if alert.patient_id is not None:
        patient = session.get(Patient, alert.patient_id)
        return patient.location if patient is not None else None
    if alert.inbound_message_id is not None:
        message = session.get(InboundMessage, alert.inbound_message_id)
        if message is not None:
            return message.location or protocol.location_by_number(message.to_number)
    return None


def alert_failing_templates(
    engine: Engine, protocol: Protocol, failing: Mapping[str, str], now: datetime
) -> None:
    """Alert staff about templates that failed at send time (template -> file and line);
    the messages have failed already, so a database error here is only logged."""
    try:
        with Session(engine) as session:
            for template, where in failing.items():
                raise_template_alert(session, protocol, template, where, now)
            session.commit()
    except SQLAlchemyError as exc:
        log.error("could not alert staff about a failing template: %s", type(exc).__name__)


def raise_template_alert(
    session: Session, protocol: Protocol, template: str, where: str, now: datetime
) -> Alert | None:
    """Tell staff, once while it is open, that a template fails at send time: its messages
    fail one by one until someone fixes it. `where` is file and line, never the values."""
    reason = f"the {template} template fails when sending ({where}); its messages are not going out"
    open_already = session.exec(
        select(Alert.id).where(
            col(Alert.patient_id).is_(None),
            col(Alert.inbound_message_id).is_(None),
            col(Alert.acknowledged_at).is_(None),
            col(Alert.reason).startswith(f"the {template} template fails"),
        )
    ).first()
    if open_already is not None:
        return None
    return raise_alert(
        session,
        protocol,
        patient=None,
        inbound_message_id=None,
        severity=URGENT,
        reason=reason,
        now=now,
    )
