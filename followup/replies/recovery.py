"""When processing cannot finish: a retried webhook's first answer, a failed message flagged.

A message that calls for an alarm (crisis, emergency, urgent) is never left without its
numbers: it gets the built-in answer, and its alert if the database takes it.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import Engine, update
from sqlmodel import Session, select

from followup.alerts import raise_alert
from followup.db.models import InboundMessage, Patient, ReplyMessage
from followup.protocol import Protocol
from followup.replies.alarms import alarm, alarm_fallback, fallback_for
from followup.replies.outcome import Handled, Inbound
from followup.replies.triage import triage

log = logging.getLogger(__name__)
# How long a retried webhook waits for the first copy's answer; Twilio gives up at 15 s.
RETRY_WAIT_SECONDS = 5.0


def previous_answer(engine: Engine, protocol: Protocol, sid: str, body: str) -> Handled:
    """Twilio retried a webhook we already stored: the first answer again, nothing done twice.

    The first copy may still be at work (on PostgreSQL two copies can arrive together), so
    its answer is waited for a moment. An alarm (crisis, emergency, urgent) is never left
    without its numbers: if no answer was stored, it gets the built-in one, a second text
    being the lesser harm.
    """
    deadline = time.monotonic() + RETRY_WAIT_SECONDS
    while True:
        with Session(engine) as session:
            # The message first: once its processing shows, the answer committed with it does
            # (read the other way round, PostgreSQL could show neither the answer nor work).
            message = session.exec(
                select(InboundMessage).where(InboundMessage.provider_sid == sid)
            ).first()
            reply = (
                session.exec(
                    select(ReplyMessage).where(ReplyMessage.inbound_message_id == message.id)
                ).first()
                if message is not None
                else None
            )
        if reply is not None:
            return Handled(reply=reply.body, reply_id=reply.id)
        still_at_work = message is not None and message.kind == "received"
        if not still_at_work or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    template = fallback_for(body)
    return Handled(reply=alarm_fallback(protocol, template)) if template else Handled()


def after_failure(
    engine: Engine,
    protocol: Protocol,
    message_id: int,
    inbound: Inbound,
    exc: Exception,
    now: datetime,
) -> Handled | None:
    """Flag the stored message for staff; an alarm still gets its answer and its alert.

    The flag and the alert are one transaction: if it fails, this raises and the message
    stays `received`, to be tried again (never a crisis flagged with no alert). None when
    the message was processed meanwhile by someone else.
    """
    found = triage(inbound.body)
    raised = alarm(found)
    table = InboundMessage.__table__  # type: ignore[attr-defined]
    with Session(engine) as session:
        flagged = session.connection().execute(
            update(table)
            .where(table.c.id == message_id, table.c.kind == "received")
            .values(
                needs_attention=True,
                kind="error",
                urgency=found.level.value,
                triage=found.explain()[:500] or None,
                processing_error=f"{type(exc).__name__}: {exc}"[:300],
            )
        )
        if flagged.rowcount != 1:
            return None
        if raised is None:
            session.commit()
            return Handled()
        message = session.get(InboundMessage, message_id)
        patient = (
            session.get(Patient, message.patient_id) if message and message.patient_id else None
        )
        alert = raise_alert(
            session,
            protocol,
            patient=patient,
            inbound_message_id=message_id,
            severity=raised.severity,
            reason=f"{raised.kind} (message could not be fully processed)",
            now=now,
            paged=inbound.paged,
        )
        session.commit()
        where = patient.location if patient else protocol.location_by_number(inbound.to_number)
        reply = alarm_fallback(protocol, raised.template, where)
        return Handled(reply=reply, alert_ids=[alert.id or 0])
