"""Page on-call: send the queued notifications, retry what failed, escalate what nobody
acknowledged in time."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from followup.alerts.raising import queue_page
from followup.alerts.views import AlertView, view_of
from followup.channels.base import Channel, ChannelError, Envelope
from followup.db.models import Alert, AlertNotification, Patient
from followup.protocol import Protocol

log = logging.getLogger(__name__)


# A notification stuck in "sending" this long belongs to a process that died.
STALE_SENDING = timedelta(minutes=5)


MAX_ATTEMPTS = 10


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
        subject, text = notification_text(view_of(alert, patient), protocol.clinic.name)
        channel = channels[note.channel]
        envelope = Envelope(
            message_id=nid,
            channel="sms" if note.channel == "sms" else "email",
            to=note.to,
            text=text,
            subject=subject,
            html=None,
            stream="page",
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
            queue_page(session, alert, alert.escalation_level, protocol, now)
            session.add(alert)
            escalated.append(alert.id or 0)
            log.warning(
                "alert %d not acknowledged: escalating to level %d",
                alert.id,
                alert.escalation_level,
            )
        session.commit()
    return escalated
