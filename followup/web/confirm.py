"""What the public pages set going: the opt-in confirmation SMS, and an email unsubscribe.

Both run in a worker thread, never on the event loop: the confirmation after the page
has answered (so a number on file takes no longer than one that is not), the unsubscribe
before its page says it is done.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session

from followup.channels.base import ChannelError, Envelope, sender_of
from followup.compliance.texts import consent_reply
from followup.consent.optin import confirmation_sent
from followup.consent.records import Source, newest, record
from followup.core import clock
from followup.core.errors import RenderError
from followup.core.phones import mask
from followup.db.models import MessageStatus, Patient, ScheduledMessage
from followup.ops.carrier_errors import record_carrier_error

log = logging.getLogger(__name__)
M = ScheduledMessage.__table__  # type: ignore[attr-defined]


def send_confirmation(app: Any, phone: str, language: str) -> None:
    """Text the opt-in confirmation (the START answer: brand, what, how often, rates,
    HELP, STOP) and note what became of it."""
    engine, channel = app.state.engine, app.state.channels["sms"]
    try:
        text = consent_reply(app.state.renderer, app.state.protocol, "reply_start", language).text
    except RenderError as exc:
        log.error("opt-in confirmation: the reply_start template fails: %s", str(exc).split(":")[0])
        confirmation_sent(engine, phone, None, "the reply_start template fails")
        return
    envelope = Envelope(message_id=0, channel="sms", to=phone, text=text, stream="direct")
    try:
        receipt = channel.send(envelope)
    except ChannelError as exc:
        log.warning("opt-in confirmation to %s failed: %s", mask(phone), exc)
        confirmation_sent(engine, phone, None, f"{exc.code or ''} {exc}".strip())
        now = clock.now()
        with engine.begin() as connection:
            ref = f"optin:{phone}:{now.isoformat()}"
            record_carrier_error(connection, sender_of(channel), exc.code, ref, now)
        return
    confirmation_sent(engine, phone, receipt.provider_id, None)
    log.info("opt-in confirmation sent to %s", mask(phone))


def unsubscribe_email(app: Any, patient_id: int, now: datetime) -> str:
    """Revoke a patient's email consent from their unsubscribe link (once: a mail client
    may post twice), skip their waiting emails; return their language for the page."""
    with Session(app.state.engine) as session:
        patient = session.get(Patient, patient_id)
        if patient is None:
            return "en"
        language = patient.language
        latest = newest(session, [patient_id]).get((patient_id, "email"))
        if latest is not None and not latest.given:
            return language
        record(
            session, [patient_id], ("email",), given=False, source=Source.EMAIL_UNSUBSCRIBE,
            at=now, detail="the one-click unsubscribe link in an email",
        )  # fmt: skip
        session.execute(
            update(M)
            .where(
                M.c.patient_id == patient_id,
                M.c.channel == "email",
                M.c.status == MessageStatus.PENDING,
            )
            .values(
                status=MessageStatus.SKIPPED,
                status_reason="consent revoked: unsubscribed from email",
                updated_at=now,
            )
        )
        session.commit()
    log.info("patient %d unsubscribed from email", patient_id)
    return language


def patient_language(engine: Any, patient_id: int) -> str:
    """The language a patient reads, for their unsubscribe page."""
    with Session(engine) as session:
        patient = session.get(Patient, patient_id)
        return patient.language if patient is not None else "en"
