"""Send one claimed message: check again, render, record, call the provider, record again."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Engine, update
from sqlmodel import Session

from followup import clock
from followup.channels.base import (
    Channel,
    ChannelError,
    ChannelName,
    Envelope,
    LookupChannel,
    Receipt,
)
from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.dispatch.policy import decide
from followup.dispatch.retry import RetryPolicy
from followup.errors import RenderError
from followup.messages.context import message_context
from followup.messages.render import Renderer
from followup.phones import mask
from followup.protocol import Protocol
from followup.replies.conversations import start_conversation
from followup.scheduling import ACTIVE, next_start, patient_facts

log = logging.getLogger(__name__)

Outcome = Literal[
    "sent", "deferred", "skipped", "expired", "cancelled", "failed", "retry", "dead", "lost"
]
# Twilio's code for a recipient who replied STOP to the sender: they opted out.
UNSUBSCRIBED = "21610"
# How far before the recorded attempt to look for a message the provider may have taken.
LOOKUP_MARGIN = timedelta(minutes=2)


@dataclass(slots=True)
class Dispatcher:
    """Everything needed to send one message; one instance serves a whole worker."""

    engine: Engine
    protocol: Protocol
    renderer: Renderer
    channels: Mapping[str, Channel]
    retry: RetryPolicy
    owner: str
    lease: timedelta = timedelta(minutes=5)
    now: Callable[[], datetime] = clock.now

    def process(self, message_id: int) -> Outcome:
        """Take a message this worker claimed to its next state and return what happened."""
        with Session(self.engine, expire_on_commit=False) as session:
            msg = session.get(ScheduledMessage, message_id)
            if msg is None or msg.status != MessageStatus.CLAIMED or msg.lease_owner != self.owner:
                return "lost"  # another worker took it over after our lease ran out
            appt = session.get(Appointment, msg.appointment_id)
            patient = session.get(Patient, msg.patient_id)
            assert appt is not None and patient is not None
            if msg.in_flight_since is not None:
                # A worker died waiting for the provider. Settle that first: the patient
                # may already have this message, whatever the checks below would now say.
                outcome = self._settle_unanswered(session, msg, patient)
                if outcome is not None:
                    return outcome
            outcome = self._check(session, msg, appt, patient)
            if outcome is not None:
                return outcome
            try:
                envelope = self._envelope(session, msg, appt, patient)
            except RenderError as exc:
                log.warning(
                    "message %d (%s %s): template failed: %s", msg.id, msg.step, msg.channel, exc
                )
                return self._finish(
                    session, msg, MessageStatus.FAILED, "failed", code="render", text=str(exc)
                )
            if not self._mark_in_flight(session, msg, envelope.text):
                return "lost"
            channel = self.channels[msg.channel]
            try:
                receipt = channel.send(envelope)
            except ChannelError as exc:
                return self._failed(session, msg, patient, channel, envelope, exc)
            except Exception as exc:  # a bug or an unexpected library error: may have sent
                log.exception(
                    "message %d: unexpected %s from %s",
                    msg.id,
                    type(exc).__name__,
                    channel.provider,
                )
                error = ChannelError(type(exc).__name__, permanent=False, maybe_sent=True)
                return self._failed(session, msg, patient, channel, envelope, error)
            return self._sent(session, msg, receipt)

    def _mark_in_flight(self, session: Session, msg: ScheduledMessage, body: str) -> bool:
        """Record the attempt before the provider hears of it, if the claim is still ours.

        A compare-and-set on the owner: a worker whose lease ran out and was taken over
        must not send too. Renewing the lease here keeps a long, rate-limited batch ours.
        """
        now = self.now()
        table = ScheduledMessage.__table__  # type: ignore[attr-defined]
        result = session.execute(
            update(table)
            .where(
                table.c.id == msg.id,
                table.c.status == MessageStatus.CLAIMED,
                table.c.lease_owner == self.owner,
            )
            .values(
                attempts=table.c.attempts + 1,
                in_flight_since=now,
                body=body,
                lease_expires_at=now + self.lease,
                updated_at=now,
            )
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            return False
        session.commit()
        session.refresh(msg)
        return True

    def _settle_unanswered(
        self, session: Session, msg: ScheduledMessage, patient: Patient
    ) -> Outcome | None:
        """Record an earlier attempt the provider took; None when it did not (or cannot tell)."""
        channel = self.channels[msg.channel]
        to = patient.phone if msg.channel == "sms" else patient.email
        if not isinstance(channel, LookupChannel) or msg.body is None or to is None:
            return None  # SMTP has no lookup: a resend is the lesser harm than silence
        envelope = Envelope(
            message_id=msg.id or 0,
            channel="sms" if msg.channel == "sms" else "email",
            to=to,
            text=msg.body,
        )
        assert msg.in_flight_since is not None
        try:
            found = self._lookup(channel, envelope, msg.in_flight_since)
        except ChannelError as exc:
            # Unsure whether it went out: never resend blind; ask again later.
            unsure = ChannelError(str(exc), permanent=False, maybe_sent=True, code=exc.code)
            return self._failed(session, msg, patient, channel, envelope, unsure, looked_up=True)
        if found is not None:
            return self._sent(session, msg, found, found=True)
        msg.in_flight_since = None  # the provider never took it
        return None

    def _check(
        self, session: Session, msg: ScheduledMessage, appt: Appointment, patient: Patient
    ) -> Outcome | None:
        """The appointment, consent, opt-out, expiry and quiet hours, looked at again now."""
        if appt.status not in ACTIVE:
            # Cancelled while this message was claimed: re-planning leaves claimed rows alone.
            return self._finish(
                session,
                msg,
                MessageStatus.CANCELLED,
                "cancelled",
                reason=f"appointment {appt.status}",
            )
        decision = decide(
            channel=msg.channel,
            expires_at=msg.expires_at,
            quiet_hours_exempt=msg.quiet_hours_exempt,
            patient=patient_facts(patient, self.protocol.clinic.tz),
            quiet=self.protocol.quiet_hours,
            now=self.now(),
        )
        if decision.action == "send":
            return None
        if decision.action == "defer":
            msg.not_before = decision.at
            return self._finish(session, msg, MessageStatus.PENDING, "deferred")
        if decision.action == "skip":
            return self._finish(
                session, msg, MessageStatus.SKIPPED, "skipped", reason=decision.reason
            )
        return self._finish(session, msg, MessageStatus.EXPIRED, "expired", reason=decision.reason)

    def _envelope(
        self, session: Session, msg: ScheduledMessage, appt: Appointment, patient: Patient
    ) -> Envelope:
        step = next((s for s in self.protocol.steps_for(appt.treatment) if s.key == msg.step), None)
        if step is None:
            raise RenderError(f"step {msg.step!r} is no longer in the protocol")
        facts = patient_facts(patient, self.protocol.clinic.tz)
        context = message_context(
            first_name=patient.first_name,
            language=patient.language,
            tz=facts.timezone,
            appointment_start=appt.start_at,
            next_start=next_start(session, appt),
            step=step,
            treatment=appt.treatment,
            protocol=self.protocol,
        )
        channel: ChannelName = "sms" if msg.channel == "sms" else "email"
        rendered = self.renderer.render(msg.template, patient.language, channel, context)
        to = patient.phone if channel == "sms" else patient.email
        assert to is not None  # the send-time check refused a patient without one
        valid_for = (msg.expires_at - self.now()) if msg.expires_at else None
        return Envelope(
            message_id=msg.id or 0,
            channel=channel,
            to=to,
            text=rendered.text,
            subject=rendered.subject,
            html=rendered.html,
            valid_for=valid_for,
        )

    def _lookup(self, channel: Channel, envelope: Envelope, since: datetime) -> Receipt | None:
        """Ask the provider whether an earlier, unanswered attempt went out."""
        if not isinstance(channel, LookupChannel):
            return None
        try:
            return channel.find_sent(envelope, since - LOOKUP_MARGIN)
        except ChannelError as exc:
            log.warning(
                "message %d: lookup at %s failed: %s", envelope.message_id, channel.provider, exc
            )
            raise

    def _sent(
        self, session: Session, msg: ScheduledMessage, receipt: Receipt, found: bool = False
    ) -> Outcome:
        msg.provider_id = receipt.provider_id
        msg.sent_at = self.now()
        msg.in_flight_since = None
        msg.error_code = msg.error_text = None
        log.info(
            "message %d sent: %s %s via %s%s",
            msg.id,
            msg.step,
            msg.channel,
            self.channels[msg.channel].provider,
            " (found at the provider after an unanswered attempt)" if found else "",
        )
        outcome = self._finish(session, msg, MessageStatus.SENT, "sent")
        self._begin_survey(session, msg)
        return outcome

    def _begin_survey(self, session: Session, msg: ScheduledMessage) -> None:
        """A check-in SMS that asks a survey's first question opens the conversation."""
        appt = session.get(Appointment, msg.appointment_id)
        step = next(
            (
                s
                for s in self.protocol.steps_for(appt.treatment if appt else None)
                if s.key == msg.step
            ),
            None,
        )
        if msg.channel != "sms" or step is None or step.survey is None:
            return
        start_conversation(
            session,
            patient_id=msg.patient_id,
            appointment_id=msg.appointment_id,
            scheduled_message_id=msg.id or 0,
            survey=step.survey,
            now=self.now(),
            expires_after=self.protocol.replies.conversation_expires_after,
        )
        session.commit()

    def _failed(
        self,
        session: Session,
        msg: ScheduledMessage,
        patient: Patient,
        channel: Channel,
        envelope: Envelope,
        exc: ChannelError,
        looked_up: bool = False,
    ) -> Outcome:
        if exc.maybe_sent and msg.in_flight_since is not None and not looked_up:
            try:
                receipt = self._lookup(channel, envelope, msg.in_flight_since)
            except ChannelError:
                receipt = None
            if receipt is not None:
                return self._sent(session, msg, receipt, found=True)
        elif not exc.maybe_sent:
            msg.in_flight_since = None  # the provider answered: nothing went out
        msg.error_code, msg.error_text = exc.code, str(exc)[:500]
        log.warning(
            "message %d to %s via %s failed (attempt %d, %s): %s",
            msg.id,
            mask(envelope.to) if msg.channel == "sms" else "email",
            channel.provider,
            msg.attempts,
            "permanent" if exc.permanent else "retryable",
            exc,
        )
        if exc.unreachable and msg.channel == "sms":
            _mark_unreachable(patient, exc, self.now())
        if exc.permanent:
            return self._finish(session, msg, MessageStatus.FAILED, "failed")
        delay = self.retry.next_delay(msg.attempts, exc.retry_after)
        if delay is None:
            return self._finish(session, msg, MessageStatus.DEAD, "dead", reason="retries used up")
        msg.not_before = self.now() + delay
        return self._finish(session, msg, MessageStatus.PENDING, "retry")

    def _finish(
        self,
        session: Session,
        msg: ScheduledMessage,
        status: MessageStatus,
        outcome: Outcome,
        *,
        reason: str | None = None,
        code: str | None = None,
        text: str | None = None,
    ) -> Outcome:
        msg.status = status
        if reason is not None:
            msg.status_reason = reason
        if code is not None:
            msg.error_code, msg.error_text = code, text
        msg.lease_owner = msg.lease_expires_at = None
        msg.updated_at = self.now()
        session.add(msg)
        session.commit()
        return outcome


def _mark_unreachable(patient: Patient, exc: ChannelError, now: datetime) -> None:
    """Stop texting a number the provider refuses; 21610 means the patient opted out."""
    if exc.code == UNSUBSCRIBED:
        patient.opted_out_at = patient.opted_out_at or now
    else:
        patient.sms_unreachable_at = now
        patient.sms_unreachable_reason = f"{exc.code}: {exc}"[:200]
    patient.updated_at = now
