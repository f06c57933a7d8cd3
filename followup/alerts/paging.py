"""Page on-call: send the queued notifications, retry what failed, escalate what nobody
acknowledged in time."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from followup.alerts.raising import alert_location, queue_page
from followup.alerts.views import AlertView, view_of
from followup.channels.base import Channel, ChannelError, Envelope
from followup.db.models import Alert, AlertNotification, Patient
from followup.ops.outages import is_unavailable
from followup.protocol import Protocol

log = logging.getLogger(__name__)


# A notification stuck in "sending" this long belongs to a process that died.
STALE_SENDING = timedelta(minutes=5)


MAX_ATTEMPTS = 10


# How long the outcome of a page keeps being retried while the database is unreachable.
RECORD_PATIENCE_SECONDS = 60.0


def alert_link(public_url: str | None, alert_id: int) -> str | None:
    """The alert's own staff page (it opens after sign-in), or None without a public URL."""
    return f"{public_url.rstrip('/')}/staff/alerts/{alert_id}" if public_url else None


def notification_text(
    view: AlertView, clinic_name: str, public_url: str | None = None
) -> tuple[str, str]:
    """Subject and text for on-call staff: who, why, how to reach them, a link to the alert;
    never the patient's words (the reason names the rule, not what they wrote)."""
    who = (
        f"patient {view.patient_id} ({view.patient_name})" if view.patient_id else view.patient_name
    )
    reach = f" Call them: {view.patient_phone}." if view.patient_phone else ""
    subject = f"[{clinic_name}] {view.severity.upper()} alert #{view.id}"
    link = alert_link(public_url, view.id)
    where = f"Open and acknowledge: {link} or" if link else "Acknowledge on the alerts page or"
    text = (
        f"{subject}: {who} - {view.reason}.{reach} "
        f"{where} with: followup alerts ack {view.id} --by YOU"
    )
    return subject, text


def deliver_pending(
    engine: Engine,
    channels: Mapping[str, Channel],
    protocol: Protocol,
    now: datetime,
    alert_id: int | None = None,
    public_url: str | None = None,
) -> int:
    """Send waiting notifications (one alert's, or all); return how many left.

    `public_url` (FOLLOWUP_PUBLIC_URL) puts a link to the alert in each page."""
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
    return sum(
        _deliver_one(engine, channels, protocol, nid, now, public_url)
        for nid in ids
        if nid is not None
    )


def _deliver_one(
    engine: Engine,
    channels: Mapping[str, Channel],
    protocol: Protocol,
    nid: int,
    now: datetime,
    public_url: str | None,
) -> int:
    table = AlertNotification.__table__  # type: ignore[attr-defined]
    # Everything the page says is read first: from the claim to the send nothing asks the
    # database, so a database going away then cannot leave a page "sending" unsent.
    with Session(engine) as session:
        note = session.get(AlertNotification, nid)
        if note is None or note.status != "pending":
            return 0
        alert = session.get(Alert, note.alert_id)
        assert alert is not None
        patient = session.get(Patient, alert.patient_id) if alert.patient_id else None
        # The location's name: on-call for several sites must know whose patient it is.
        clinic = protocol.clinic_at(alert_location(session, protocol, alert)).name
        subject, text = notification_text(view_of(alert, patient), clinic, public_url)
        name, to, contact, attempts = note.channel, note.to, note.contact_name, note.attempts + 1
    with engine.begin() as connection:
        # Compare-and-set: the web process and the worker may both try; one sends.
        taken = connection.execute(
            update(table)
            .where(table.c.id == nid, table.c.status == "pending")
            .values(status="sending", sent_at=now, attempts=table.c.attempts + 1)
        ).rowcount
    if taken != 1:
        return 0
    envelope = Envelope(
        message_id=nid,
        channel="sms" if name == "sms" else "email",
        to=to,
        text=text,
        subject=subject,
        html=None,
        stream="page",
    )
    try:
        receipt = channels[name].send(envelope)
    except ChannelError as exc:
        status = "failed" if exc.permanent or attempts >= MAX_ATTEMPTS else "pending"
        _record(engine, nid, status=status, error=str(exc)[:300])
        log.error("alert %d: notifying %s by %s failed: %s", alert.id, contact, name, exc)
        return 0
    _record(engine, nid, status="sent", provider_id=receipt.provider_id, error=None, sent_at=now)
    log.info("alert %d: notified %s by %s", alert.id, contact, name)
    return 1


def _record(engine: Engine, nid: int, **values: object) -> None:
    """Write what became of a page. While the database is away this keeps trying for a
    while: a page left "sending" goes again after STALE_SENDING, a second page to on-call."""
    table = AlertNotification.__table__  # type: ignore[attr-defined]
    deadline, pause = time.monotonic() + RECORD_PATIENCE_SECONDS, 0.25
    while True:
        try:
            with engine.begin() as connection:
                connection.execute(update(table).where(table.c.id == nid).values(**values))
            return
        except DBAPIError as exc:
            if not is_unavailable(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 5.0)


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
