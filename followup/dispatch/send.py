"""Send claimed messages in three steps, each one transaction for the whole batch.

`prepare` checks, renders and marks a batch in flight; `attempt` asks the provider (no
database, so it runs in the sending threads); `record` writes what the provider said.
A message marked in flight but never recorded (a crash between the provider and the
database) is looked up at the provider before anyone sends it again.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Engine, and_, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

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
from followup.metrics import observe_lateness, observe_send
from followup.phones import mask
from followup.protocol import Protocol
from followup.replies.conversations import SurveyStart, start_conversations
from followup.scheduling import ACTIVE, patient_facts

log = logging.getLogger(__name__)

Outcome = Literal[
    "sent", "deferred", "skipped", "expired", "cancelled", "failed", "retry", "dead", "lost"
]
# Twilio's code for a recipient who replied STOP to the sender: they opted out.
UNSUBSCRIBED = "21610"
# How far before the recorded attempt to look for a message the provider may have taken.
LOOKUP_MARGIN = timedelta(minutes=2)
# What a status callback may have set before the send itself was recorded.
REPORTED = frozenset({MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED})

T = ScheduledMessage.__table__  # type: ignore[attr-defined]
A = Appointment.__table__  # type: ignore[attr-defined]
P = Patient.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Ready:
    """A claimed message, checked, rendered and marked in flight: the provider is next."""

    id: int
    patient_id: int
    appointment_id: int
    envelope: Envelope
    in_flight_since: datetime
    due: datetime  # when it was meant to go: the plan's time, or later after a deferral
    survey: str | None  # the survey its text starts asking, if any

    @property
    def channel(self) -> str:
        return self.envelope.channel


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the provider said about one Ready message."""

    ready: Ready
    receipt: Receipt | None
    error: ChannelError | None = None
    found: bool = False  # the receipt came from a lookup after an unanswered request
    seconds: float = 0.0


@dataclass(slots=True)
class Prepared:
    """A prepared batch: what goes to the provider, and what was settled without it."""

    ready: list[Ready] = field(default_factory=list)
    outcomes: Counter[Outcome] = field(default_factory=Counter)


@dataclass(slots=True)
class Dispatcher:
    """Everything needed to send messages; one instance serves a whole worker."""

    engine: Engine
    protocol: Protocol
    renderer: Renderer
    channels: Mapping[str, Channel]
    retry: RetryPolicy
    owner: str
    lease: timedelta = timedelta(minutes=5)
    now: Callable[[], datetime] = clock.now

    def process(self, message_id: int) -> Outcome:
        """Take one message this worker claimed to its next state: a batch of one."""
        prepared = self.prepare([message_id])
        if not prepared.ready:
            return next(iter(prepared.outcomes))
        return next(iter(self.record([self.attempt(prepared.ready[0])])))

    def prepare(self, ids: Sequence[int]) -> Prepared:
        """Check, render and mark in flight every message of a batch this worker claimed.

        The rows are locked for the transaction, so a worker that took one over cannot
        interleave; messages that must not go (cancelled, opted out, quiet hours, expired)
        get their state here. Returned in due order.
        """
        prepared = Prepared()
        if not ids:
            return prepared
        now = self.now()
        with Session(self.engine, expire_on_commit=False) as session:
            rows = session.exec(
                select(ScheduledMessage, Appointment, Patient)
                .join(Appointment, col(Appointment.id) == ScheduledMessage.appointment_id)
                .join(Patient, col(Patient.id) == ScheduledMessage.patient_id)
                .where(
                    col(ScheduledMessage.id).in_(ids),
                    ScheduledMessage.status == MessageStatus.CLAIMED,
                    ScheduledMessage.lease_owner == self.owner,
                )
                .order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
                .with_for_update(of=ScheduledMessage)
            ).all()
            # Someone else's now: another worker took it over after our lease ran out.
            if lost := len(set(ids)) - len(rows):
                prepared.outcomes["lost"] += lost
            following = _next_starts(session, [appt for _msg, appt, _patient in rows])
            for msg, appt, patient in rows:
                result = self._prepare_one(session, msg, appt, patient, following, now)
                if isinstance(result, Ready):
                    prepared.ready.append(result)
                else:
                    prepared.outcomes[result] += 1
            session.commit()
        return prepared

    def _prepare_one(
        self,
        session: Session,
        msg: ScheduledMessage,
        appt: Appointment,
        patient: Patient,
        following: Mapping[int, datetime | None],
        now: datetime,
    ) -> Ready | Outcome:
        if msg.in_flight_since is not None:
            # A worker died waiting for the provider. Settle that first: the patient
            # may already have this message, whatever the checks below would now say.
            outcome = self._settle_unanswered(session, msg, patient)
            if outcome is not None:
                return outcome
        outcome = self._check(session, msg, appt, patient, now)
        if outcome is not None:
            return outcome
        step = next((s for s in self.protocol.steps_for(appt.treatment) if s.key == msg.step), None)
        try:
            if step is None:
                raise RenderError(f"step {msg.step!r} is no longer in the protocol")
            envelope = self._envelope(msg, appt, patient, following.get(appt.id or 0), now)
        except RenderError as exc:
            log.warning(
                "message %d (%s %s): template failed: %s", msg.id, msg.step, msg.channel, exc
            )
            return self._finish(
                session, msg, MessageStatus.FAILED, "failed", now, code="render", text=str(exc)
            )
        # Recorded before the provider hears of it; renewing the lease keeps the batch ours.
        msg.attempts += 1
        msg.in_flight_since = now
        msg.body = envelope.text
        msg.lease_expires_at = now + self.lease
        msg.updated_at = now
        session.add(msg)
        assert msg.id is not None
        return Ready(
            id=msg.id,
            patient_id=msg.patient_id,
            appointment_id=msg.appointment_id,
            envelope=envelope,
            in_flight_since=now,
            due=max(msg.due_at, msg.not_before) if msg.not_before else msg.due_at,
            survey=step.survey if msg.channel == "sms" else None,
        )

    def attempt(self, ready: Ready) -> Attempt:
        """Hand one message to its provider; an uncertain failure is looked up at once."""
        channel = self.channels[ready.channel]
        started = time.monotonic()
        try:
            receipt = channel.send(ready.envelope)
            return Attempt(ready, receipt, seconds=time.monotonic() - started)
        except ChannelError as exc:
            error = exc
        except Exception as exc:  # a bug or an unexpected library error: may have sent
            log.exception(
                "message %d: unexpected %s from %s", ready.id, type(exc).__name__, channel.provider
            )
            error = ChannelError(type(exc).__name__, permanent=False, maybe_sent=True)
        if error.maybe_sent:
            try:
                found = self._lookup(channel, ready.envelope, ready.in_flight_since)
            except ChannelError:
                found = None  # still unsure: the row stays in flight and is looked up again
            if found is not None:
                return Attempt(ready, found, found=True, seconds=time.monotonic() - started)
        return Attempt(ready, None, error, seconds=time.monotonic() - started)

    def record(self, attempts: Iterable[Attempt]) -> Counter[Outcome]:
        """Write what the providers said about a batch, in one transaction."""
        attempts = list(attempts)
        outcomes: Counter[Outcome] = Counter()
        if not attempts:
            return outcomes
        now = self.now()
        ids = [a.ready.id for a in attempts]
        with Session(self.engine, expire_on_commit=False) as session:
            rows = {
                m.id: m
                for m in session.exec(
                    select(ScheduledMessage)
                    .where(
                        col(ScheduledMessage.id).in_(ids),
                        ScheduledMessage.lease_owner == self.owner,
                    )
                    .with_for_update()
                )
            }
            failed_patients = {a.ready.patient_id for a in attempts if a.receipt is None}
            patients = {
                p.id: p
                for p in session.exec(select(Patient).where(col(Patient.id).in_(failed_patients)))
            }
            surveys: list[SurveyStart] = []
            for attempt in attempts:
                msg = rows.get(attempt.ready.id)
                if msg is None:
                    # Taken over after our lease ran out: the new owner finds it in flight
                    # and looks it up at the provider before doing anything else.
                    log.warning("message %d: lease lost before recording", attempt.ready.id)
                    outcome: Outcome = "lost"
                elif attempt.receipt is not None or msg.status in REPORTED:
                    receipt = attempt.receipt or Receipt(msg.provider_id or "")
                    outcome = self._sent(session, msg, receipt, now, found=attempt.found)
                    if attempt.ready.survey:
                        surveys.append(_survey_start(attempt.ready))
                else:
                    assert attempt.error is not None
                    patient = patients[attempt.ready.patient_id]
                    outcome = self._failed(session, msg, patient, attempt.error, now)
                outcomes[outcome] += 1
                observe_send(attempt.ready.channel, outcome, attempt.seconds)
                if outcome == "sent":
                    observe_lateness(
                        attempt.ready.channel, (now - attempt.ready.due).total_seconds()
                    )
            self._begin_surveys(session, surveys, now)
            session.commit()
        return outcomes

    def renew(self, unsent: Sequence[int]) -> set[int]:
        """Extend this worker's leases; return the unsent ids that must no longer go.

        Those are messages whose appointment was cancelled, or whose patient opted out,
        became unreachable or was paused since the batch was prepared.
        """
        now = self.now()
        with self.engine.begin() as connection:
            connection.execute(
                update(T)
                .where(T.c.lease_owner == self.owner, T.c.status == MessageStatus.CLAIMED)
                .values(lease_expires_at=now + self.lease)
            )
            if not unsent:
                return set()
            stopped = or_(
                A.c.status.not_in(list(ACTIVE)),
                P.c.opted_out_at.is_not(None),
                P.c.paused_at.is_not(None),
                and_(T.c.channel == "sms", P.c.sms_unreachable_at.is_not(None)),
                T.c.status != MessageStatus.CLAIMED,
                T.c.lease_owner != self.owner,
            )
            return set(
                connection.execute(
                    sa_select(T.c.id)
                    .join(A, A.c.id == T.c.appointment_id)
                    .join(P, P.c.id == T.c.patient_id)
                    .where(T.c.id.in_(list(unsent)), stopped)
                ).scalars()
            )

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
        now = self.now()
        try:
            found = self._lookup(channel, envelope, msg.in_flight_since)
        except ChannelError as exc:
            # Unsure whether it went out: never resend blind; ask again later.
            unsure = ChannelError(str(exc), permanent=False, maybe_sent=True, code=exc.code)
            return self._failed(session, msg, patient, unsure, now)
        if found is not None:
            return self._sent(session, msg, found, now, found=True)
        msg.in_flight_since = None  # the provider never took it
        return None

    def _check(
        self,
        session: Session,
        msg: ScheduledMessage,
        appt: Appointment,
        patient: Patient,
        now: datetime,
    ) -> Outcome | None:
        """The appointment, consent, opt-out, expiry and quiet hours, looked at again now."""
        if appt.status not in ACTIVE:
            # Cancelled while this message was claimed: re-planning leaves claimed rows alone.
            return self._finish(
                session,
                msg,
                MessageStatus.CANCELLED,
                "cancelled",
                now,
                reason=f"appointment {appt.status}",
            )
        decision = decide(
            channel=msg.channel,
            expires_at=msg.expires_at,
            quiet_hours_exempt=msg.quiet_hours_exempt,
            patient=patient_facts(patient, self.protocol.clinic.tz),
            quiet=self.protocol.quiet_hours,
            now=now,
        )
        if decision.action == "send":
            return None
        if decision.action == "defer":
            msg.not_before = decision.at
            return self._finish(session, msg, MessageStatus.PENDING, "deferred", now)
        if decision.action == "skip":
            return self._finish(
                session, msg, MessageStatus.SKIPPED, "skipped", now, reason=decision.reason
            )
        return self._finish(
            session, msg, MessageStatus.EXPIRED, "expired", now, reason=decision.reason
        )

    def _envelope(
        self,
        msg: ScheduledMessage,
        appt: Appointment,
        patient: Patient,
        next_start: datetime | None,
        now: datetime,
    ) -> Envelope:
        step = next(s for s in self.protocol.steps_for(appt.treatment) if s.key == msg.step)
        facts = patient_facts(patient, self.protocol.clinic.tz)
        context = message_context(
            first_name=patient.first_name,
            language=patient.language,
            tz=facts.timezone,
            appointment_start=appt.start_at,
            next_start=next_start,
            step=step,
            treatment=appt.treatment,
            protocol=self.protocol,
        )
        channel: ChannelName = "sms" if msg.channel == "sms" else "email"
        rendered = self.renderer.render(msg.template, patient.language, channel, context)
        to = patient.phone if channel == "sms" else patient.email
        assert to is not None  # the send-time check refused a patient without one
        valid_for = (msg.expires_at - now) if msg.expires_at else None
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
        self,
        session: Session,
        msg: ScheduledMessage,
        receipt: Receipt,
        now: datetime,
        found: bool = False,
    ) -> Outcome:
        msg.provider_id = receipt.provider_id or msg.provider_id
        msg.sent_at = now
        msg.in_flight_since = None
        msg.error_code = msg.error_text = None
        # One line a message at DEBUG: the database holds the record, the batch logs a summary.
        log.log(
            logging.INFO if found else logging.DEBUG,
            "message %d sent: %s %s via %s%s",
            msg.id,
            msg.step,
            msg.channel,
            self.channels[msg.channel].provider,
            " (found at the provider after an unanswered attempt)" if found else "",
        )
        # A delivery report that overtook us already says more than "sent".
        status = msg.status if msg.status in REPORTED else MessageStatus.SENT
        self._finish(session, msg, status, "sent", now)
        return "sent"

    def _begin_surveys(self, session: Session, starts: list[SurveyStart], now: datetime) -> None:
        """Check-in SMS that ask a survey's first question open their conversations."""
        if not starts:
            return
        expires_after = self.protocol.replies.conversation_expires_after
        if self.engine.dialect.name == "sqlite":
            start_conversations(session, starts, now, expires_after)  # one process
            return
        session.flush()
        for _ in range(2):
            try:
                # Another worker may open one of these patients' conversations at the same
                # moment; the unique index refuses one of us. Only the savepoint is lost,
                # not the batch's record, and the second try ends theirs and opens ours.
                with session.begin_nested():
                    start_conversations(session, starts, now, expires_after)
                return
            except IntegrityError:
                continue
        log.warning("%d survey conversation(s) could not be opened", len(starts))

    def _failed(
        self,
        session: Session,
        msg: ScheduledMessage,
        patient: Patient,
        exc: ChannelError,
        now: datetime,
    ) -> Outcome:
        if not exc.maybe_sent:
            msg.in_flight_since = None  # the provider answered: nothing went out
        msg.error_code, msg.error_text = exc.code, str(exc)[:500]
        to = patient.phone if msg.channel == "sms" else None
        log.warning(
            "message %d to %s via %s failed (attempt %d, %s): %s",
            msg.id,
            mask(to) if to else msg.channel,
            self.channels[msg.channel].provider,
            msg.attempts,
            "permanent" if exc.permanent else "retryable",
            exc,
        )
        if exc.unreachable and msg.channel == "sms":
            _mark_unreachable(patient, exc, now)
            session.add(patient)
        if exc.permanent:
            return self._finish(session, msg, MessageStatus.FAILED, "failed", now)
        delay = self.retry.next_delay(msg.attempts, exc.retry_after)
        if delay is None:
            return self._finish(
                session, msg, MessageStatus.DEAD, "dead", now, reason="retries used up"
            )
        msg.not_before = now + delay
        return self._finish(session, msg, MessageStatus.PENDING, "retry", now)

    def _finish(
        self,
        session: Session,
        msg: ScheduledMessage,
        status: MessageStatus,
        outcome: Outcome,
        now: datetime,
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
        msg.updated_at = now
        session.add(msg)
        return outcome


def _next_starts(
    session: Session, appointments: Sequence[Appointment]
) -> dict[int, datetime | None]:
    """Each appointment's next active infusion of the same patient, in one query."""
    patients = {a.patient_id for a in appointments}
    if not patients:
        return {}
    starts: dict[int, list[datetime]] = defaultdict(list)
    for patient_id, start in session.execute(
        sa_select(A.c.patient_id, A.c.start_at)
        .where(A.c.patient_id.in_(list(patients)), A.c.status.in_(list(ACTIVE)))
        .order_by(A.c.start_at)
    ).all():
        starts[patient_id].append(start)
    return {
        a.id or 0: next((s for s in starts[a.patient_id] if s > a.start_at), None)
        for a in appointments
    }


def _survey_start(ready: Ready) -> SurveyStart:
    assert ready.survey is not None
    return SurveyStart(ready.patient_id, ready.appointment_id, ready.id, ready.survey)


def _mark_unreachable(patient: Patient, exc: ChannelError, now: datetime) -> None:
    """Stop texting a number the provider refuses; 21610 means the patient opted out."""
    if exc.code == UNSUBSCRIBED:
        patient.opted_out_at = patient.opted_out_at or now
    else:
        patient.sms_unreachable_at = now
        patient.sms_unreachable_reason = f"{exc.code}: {exc}"[:200]
    patient.updated_at = now
