"""Delivery reports from Twilio's status callback, for messages and for our replies."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.consent.records import Source, record
from followup.db.models import (
    Alert,
    AlertNotification,
    MessageStatus,
    Patient,
    ReplyMessage,
    ScheduledMessage,
)
from followup.dispatch.batch import UNSUBSCRIBED
from followup.messages.check import ALARM_REPLIES
from followup.ops.carrier_errors import record_carrier_error

log = logging.getLogger(__name__)

FINAL = {
    "delivered": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
}


def record_status(
    engine: Engine,
    *,
    sid: str,
    status: str,
    error_code: str | None,
    reply_id: int | None,
    now: datetime,
    message_id: int | None = None,
    sender: str | None = None,
) -> str:
    """Apply one callback; return what it concerned. Unknown ids are fine: Twilio stops asking.

    A registration or filtering error (30007, 30034, 30032, 21610) is counted for the
    `sender` it went out as, whatever the message was.
    """
    if status not in FINAL:
        return "ignored"  # queued, sending, sent: nothing a person needs
    with Session(engine) as session:
        if sender and error_code and status != "delivered":
            record_carrier_error(session.connection(), sender, error_code, sid, now)
        if reply_id is not None and (reply := session.get(ReplyMessage, reply_id)) is not None:
            _reply_status(session, reply, sid, status, error_code, now)
            what = "reply"
        elif (message := _message(session, sid, message_id)) is not None:
            _message_status(session, message, status, error_code, now)
            what = "message"
        elif (
            note := session.exec(
                select(AlertNotification).where(AlertNotification.provider_id == sid)
            ).first()
        ) is not None:
            if status != "delivered":
                note.error = f"{status} ({error_code or 'no code'})"
                log.error("alert notification %d to %s was %s", note.id, note.contact_name, status)
            session.add(note)
            what = "alert notification"
        else:
            what = "unknown"
        session.commit()
    return what


def _message(session: Session, sid: str, message_id: int | None) -> ScheduledMessage | None:
    """The message a report is about: by Twilio's sid, or by our id before the send is recorded."""
    found = session.exec(
        select(ScheduledMessage).where(ScheduledMessage.provider_id == sid)
    ).first()
    if found is None and message_id is not None:
        candidate = session.get(ScheduledMessage, message_id)
        if candidate is not None and candidate.provider_id in (None, sid):
            candidate.provider_id = sid
            found = candidate
    return found


def _message_status(
    session: Session, message: ScheduledMessage, status: str, code: str | None, now: datetime
) -> None:
    # Callbacks can arrive out of order; a delivered message stays delivered.
    if message.status == MessageStatus.DELIVERED:
        return
    message.status = FINAL[status]
    message.error_code = code or None
    message.updated_at = now
    session.add(message)
    if code == UNSUBSCRIBED:
        _opted_out(session, message.patient_id, now)


def _reply_status(
    session: Session, reply: ReplyMessage, sid: str, status: str, code: str | None, now: datetime
) -> None:
    if reply.status == "delivered":
        return
    reply.provider_id, reply.status, reply.error_code, reply.updated_at = (
        sid,
        status,
        code or None,
        now,
    )
    session.add(reply)
    if status == "delivered":
        return
    if code == UNSUBSCRIBED and reply.patient_id:
        _opted_out(session, reply.patient_id, now)
    if reply.kind in ALARM_REPLIES:
        # The alert went out regardless; staff must know the patient did not get our answer.
        for alert in session.exec(
            select(Alert).where(Alert.inbound_message_id == reply.inbound_message_id)
        ):
            kind = reply.kind.removeprefix("reply_")
            alert.reply_error = f"{kind} reply {status} ({code or 'no code'})"
            session.add(alert)
        log.error("%s %d was %s (%s)", reply.kind, reply.id, status, code)


def _opted_out(session: Session, patient_id: int, now: datetime) -> None:
    patient = session.get(Patient, patient_id)
    if patient is not None and patient.opted_out_at is None:
        patient.opted_out_at = now
        patient.updated_at = now
        session.add(patient)
        session.flush()
        record(
            session, [patient_id], ("sms",), given=False, source=Source.CARRIER, at=now,
            detail=f"Twilio refused to text the number: it replied STOP ({UNSUBSCRIBED})",
        )  # fmt: skip
