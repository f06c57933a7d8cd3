"""Alerts: raise, notify the on-call staff at once, escalate, acknowledge.

Notifications are rows first and messages second: the web process sends them the moment
an alert is raised, and the worker's alert job sends any that are still waiting, so a
process that dies between the two loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from followup.channels.base import Channel, ChannelError, Envelope
from followup.db.models import Alert, AlertNotification, Patient
from followup.errors import FollowupError
from followup.protocol import Protocol

log = logging.getLogger(__name__)

EMERGENCY, CRITICAL, URGENT, HIGH = "emergency", "critical", "urgent", "high"
# Most urgent first: a medical emergency, a crisis, a problem for a nurse today, and an
# answer past a survey threshold.
SEVERITIES = (EMERGENCY, CRITICAL, URGENT, HIGH)
# An open alert of these holds the patient's automated messages until staff look.
PAUSING = frozenset({EMERGENCY, CRITICAL})
# A notification stuck in "sending" this long belongs to a process that died.
STALE_SENDING = timedelta(minutes=5)
MAX_ATTEMPTS = 10


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
    _queue(session, alert, 0, protocol, now)
    if severity in PAUSING and patient is not None and patient.paused_at is None:
        patient.paused_at = now
        patient.updated_at = now
    log.warning("alert %d raised: %s (%s)", alert.id, severity, reason)
    return alert


def _queue(session: Session, alert: Alert, level: int, protocol: Protocol, now: datetime) -> None:
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


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert with what staff need to act on it."""

    id: int
    severity: str
    reason: str
    created_at: datetime
    patient_id: str | None
    patient_name: str
    patient_phone: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    escalation_level: int
    reply_error: str | None


def list_alerts(engine: Engine, include_acknowledged: bool = False) -> list[AlertView]:
    """Open alerts first, the most urgent severity on top, newest first within each."""
    query = select(Alert, Patient).join(Patient, col(Alert.patient_id) == Patient.id, isouter=True)
    if not include_acknowledged:
        query = query.where(col(Alert.acknowledged_at).is_(None))
    with Session(engine) as session:
        rows = session.exec(query).all()
    views = [_view(alert, patient) for alert, patient in rows]
    views.sort(
        key=lambda v: (
            v.acknowledged_at is not None,
            severity_rank(v.severity),
            -v.created_at.timestamp(),
        )
    )
    return views


def severity_rank(severity: str) -> int:
    """0 for the most urgent severity; unknown ones sort last."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def _view(alert: Alert, patient: Patient | None) -> AlertView:
    name = f"{patient.first_name} {patient.last_name[:1]}.".strip() if patient else "unknown sender"
    return AlertView(
        id=alert.id or 0,
        severity=alert.severity,
        reason=alert.reason,
        created_at=alert.created_at,
        patient_id=patient.external_id if patient else None,
        patient_name=name,
        patient_phone=patient.phone if patient else None,
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
        escalation_level=alert.escalation_level,
        reply_error=alert.reply_error,
    )


def notification_text(view: AlertView, clinic_name: str) -> tuple[str, str]:
    """Subject and text for on-call staff: who, why, how to reach them; never the reply itself."""
    who = (
        f"patient {view.patient_id} ({view.patient_name})"
        if view.patient_id
        else "an unknown sender"
    )
    reach = f" Call them: {view.patient_phone}." if view.patient_phone else ""
    subject = f"[{clinic_name}] {view.severity.upper()} alert #{view.id}"
    text = (
        f"{subject}: {who} - {view.reason}.{reach} "
        f"Acknowledge on the alerts page or with: followup alerts ack {view.id} --by YOU"
    )
    return subject, text


def deliver_pending(
    engine: Engine,
    channels: Mapping[str, Channel],
    protocol: Protocol,
    now: datetime,
    alert_id: int | None = None,
) -> int:
    """Send waiting notifications (one alert's, or all); return how many left."""
    table = AlertNotification.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        # Rows a dead process left half-sent go back in the queue.
        connection.execute(
            update(table)
            .where(table.c.status == "sending", table.c.sent_at < now - STALE_SENDING)
            .values(status="pending")
        )
    query = select(AlertNotification.id).where(
        AlertNotification.status == "pending", col(AlertNotification.attempts) < MAX_ATTEMPTS
    )
    if alert_id is not None:
        query = query.where(AlertNotification.alert_id == alert_id)
    with Session(engine) as session:
        ids = list(session.exec(query))
    return sum(_deliver_one(engine, channels, protocol, nid, now) for nid in ids if nid is not None)


def _deliver_one(
    engine: Engine, channels: Mapping[str, Channel], protocol: Protocol, nid: int, now: datetime
) -> int:
    table = AlertNotification.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        # Compare-and-set: the web process and the worker may both try; one sends.
        taken = connection.execute(
            update(table)
            .where(table.c.id == nid, table.c.status == "pending")
            .values(status="sending", sent_at=now, attempts=table.c.attempts + 1)
        ).rowcount
    if taken != 1:
        return 0
    with Session(engine, expire_on_commit=False) as session:
        note = session.get(AlertNotification, nid)
        alert = session.get(Alert, note.alert_id) if note else None
        assert note is not None and alert is not None
        patient = session.get(Patient, alert.patient_id) if alert.patient_id else None
        subject, text = notification_text(_view(alert, patient), protocol.clinic.name)
        channel = channels[note.channel]
        envelope = Envelope(
            message_id=nid,
            channel="sms" if note.channel == "sms" else "email",
            to=note.to,
            text=text,
            subject=subject,
            html=None,
        )
        try:
            receipt = channel.send(envelope)
        except ChannelError as exc:
            note.status = "failed" if exc.permanent or note.attempts >= MAX_ATTEMPTS else "pending"
            note.error = str(exc)[:300]
            session.add(note)
            session.commit()
            log.error(
                "alert %d: notifying %s by %s failed: %s",
                alert.id,
                note.contact_name,
                note.channel,
                exc,
            )
            return 0
        note.status, note.provider_id, note.error, note.sent_at = (
            "sent",
            receipt.provider_id,
            None,
            now,
        )
        session.add(note)
        session.commit()
        log.info("alert %d: notified %s by %s", alert.id, note.contact_name, note.channel)
        return 1


def escalate_due(engine: Engine, protocol: Protocol, now: datetime) -> list[int]:
    """Page the next on-call person for alerts nobody acknowledged in time."""
    escalated = []
    with Session(engine) as session:
        due = session.exec(
            select(Alert).where(
                col(Alert.acknowledged_at).is_(None), col(Alert.next_escalation_at) <= now
            )
        ).all()
        for alert in due:
            alert.escalation_level += 1
            alert.next_escalation_at = now + protocol.replies.alert_escalation_after
            _queue(session, alert, alert.escalation_level, protocol, now)
            session.add(alert)
            escalated.append(alert.id or 0)
            log.warning(
                "alert %d not acknowledged: escalating to level %d",
                alert.id,
                alert.escalation_level,
            )
        session.commit()
    return escalated


def acknowledge(
    engine: Engine, alert_id: int, by: str, note: str | None, now: datetime
) -> AlertView:
    """Record who took the alert; the last open pausing alert of a patient lifts their pause."""
    with Session(engine) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise AlertNotFound(f"no alert has id {alert_id}")
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by, alert.acknowledgement_note = now, by, note
            alert.next_escalation_at = None
            session.add(alert)
            session.flush()
            patient = session.get(Patient, alert.patient_id) if alert.patient_id else None
            if (
                patient is not None
                and patient.paused_at is not None
                and not _open_pausing(session, patient.id or 0)
            ):
                patient.paused_at = None
                patient.updated_at = now
                session.add(patient)
            session.commit()
        patient = session.get(Patient, alert.patient_id) if alert.patient_id else None
        return _view(alert, patient)


def _open_pausing(session: Session, patient_id: int) -> bool:
    return (
        session.exec(
            select(Alert.id).where(
                Alert.patient_id == patient_id,
                col(Alert.severity).in_(sorted(PAUSING)),
                col(Alert.acknowledged_at).is_(None),
            )
        ).first()
        is not None
    )
