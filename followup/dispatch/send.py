"""Send claimed messages in three steps, each one transaction for the whole batch.

`prepare` checks, renders and marks a batch in flight; `attempt` asks the provider (no
database, so it runs in the sending threads); `record` writes what the provider said.
A message marked in flight but never recorded (a crash between the provider and the
database) is looked up at the provider before anyone sends it again.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update

from followup.alerts import alert_failing_templates
from followup.channels.base import (
    Channel,
    ChannelError,
    ChannelName,
    Envelope,
    LookupChannel,
    Receipt,
    sender_of,
)
from followup.core import clock
from followup.core.errors import RenderError
from followup.core.phones import mask
from followup.db.models import MessageStatus
from followup.dispatch.batch import (
    RECORD_COLUMNS,
    UNSUBSCRIBED,
    A,
    Attempt,
    Changes,
    DbRow,
    Outcome,
    P,
    Prepared,
    Ready,
    T,
    Writes,
    finish,
    next_starts,
    no_longer_sendable,
    survey_start,
    unreachable,
)
from followup.dispatch.held import SentJournal
from followup.dispatch.policy import decide
from followup.dispatch.retry import RetryPolicy
from followup.messages.context import message_context
from followup.messages.render import Renderer
from followup.ops.metrics import observe_lateness, observe_send
from followup.planning.planner import PatientFacts
from followup.planning.scheduling import ACTIVE, FACT_COLUMNS, patient_facts
from followup.protocol import Protocol, Step
from followup.replies.conversations import SurveyStart, begin_surveys

log = logging.getLogger(__name__)

# How far before the recorded attempt to look for a message the provider may have taken.
LOOKUP_MARGIN = timedelta(minutes=2)
# What a status callback may have set before the send itself was recorded.
REPORTED = frozenset({MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED})

# Rows are read and written with Core, not as ORM objects: in a worker whose sending
# threads hold the GIL most of the time, the ORM's per-object work was most of a batch.
# What prepare reads: the message, its appointment, what checks and templates need.
_PREPARE = (
    T.c.id,
    T.c.appointment_id,
    T.c.patient_id,
    T.c.step,
    T.c.template,
    T.c.channel,
    T.c.due_at,
    T.c.not_before,
    T.c.expires_at,
    T.c.quiet_hours_exempt,
    T.c.status,
    T.c.attempts,
    T.c.in_flight_since,
    T.c.body,
    T.c.provider_id,
    A.c.status.label("appointment_status"),
    A.c.treatment,
    A.c.location.label("appointment_location"),
    A.c.start_at,
    A.c.series_number,
    A.c.series_size,
    P.c.first_name,
    P.c.language,
    *FACT_COLUMNS,
)


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
    held: SentJournal | None = None  # sends not recorded yet, on local disk
    # An email's one-click unsubscribe address, by patient id (None: no header).
    unsubscribe: Callable[[int], str] | None = None

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
        writes = Writes()
        with self.engine.begin() as connection:
            rows = connection.execute(
                select(*_PREPARE)
                .join(A, A.c.id == T.c.appointment_id)
                .join(P, P.c.id == T.c.patient_id)
                .where(
                    T.c.id.in_(list(ids)),
                    T.c.status == MessageStatus.CLAIMED,
                    T.c.lease_owner == self.owner,
                )
                .order_by(T.c.due_at, T.c.id)
                .with_for_update(of=T)
            ).all()
            # Someone else's now: another worker took it over after our lease ran out.
            if lost := len(set(ids)) - len(rows):
                prepared.outcomes["lost"] += lost
            following = next_starts(connection, rows)
            for row in rows:
                result = self._prepare_one(
                    row, writes, following.get(row.id), now, prepared.failing
                )
                if isinstance(result, Ready):
                    prepared.ready.append(result)
                else:
                    prepared.outcomes[result] += 1
            writes.write(connection, now)
        if prepared.failing:
            alert_failing_templates(self.engine, self.protocol, prepared.failing, now)
        return prepared

    def _prepare_one(
        self,
        row: DbRow,
        writes: Writes,
        next_start: datetime | None,
        now: datetime,
        failing: dict[str, str],
    ) -> Ready | Outcome:
        changes = writes.message(row.id)
        if row.in_flight_since is not None:
            # A worker died waiting for the provider. Settle that first: the patient
            # may already have this message, whatever the checks below would now say.
            outcome = self._settle_unanswered(row, writes, now)
            if outcome is not None:
                return outcome
        facts = patient_facts(row, self.protocol)
        decision = self._check(row, facts, changes, now)
        if isinstance(decision, str):
            return decision
        step = next((s for s in self.protocol.steps_for(row.treatment) if s.key == row.step), None)
        try:
            if step is None:
                raise RenderError(f"step {row.step!r} is no longer in the protocol")
            envelope = self._envelope(row, step, facts, next_start, now)
        except RenderError as exc:
            # File and line only, in the log and the alert: the error's own words may quote
            # a patient's details (they are kept on the message, for staff).
            where = str(exc).split(": ", 1)[0]
            log.warning(
                "message %d (%s %s): template failed at %s", row.id, row.step, row.channel, where
            )
            failing[f"{row.step} {row.channel}"] = where
            return finish(
                changes, MessageStatus.FAILED, "failed", now, code="render", text=str(exc)
            )
        # Recorded before the provider hears of it; renewing the lease keeps the batch ours.
        changes.update(
            attempts=row.attempts + 1,
            in_flight_since=now,
            body=envelope.text,
            lease_expires_at=now + self.lease,
            updated_at=now,
        )
        return Ready(
            id=row.id,
            patient_id=row.patient_id,
            appointment_id=row.appointment_id,
            envelope=envelope,
            in_flight_since=now,
            due=max(row.due_at, row.not_before) if row.not_before else row.due_at,
            survey=step.conversation if row.channel == "sms" else None,
            send_by=decision,
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

    def record(self, attempts: Iterable[Attempt], held: bool = False) -> Counter[Outcome]:
        """Write what the providers said about a batch, in one transaction.

        `held`: sends kept on disk while the database was away, recorded whoever holds
        the lease now, as long as the message is still in flight. So is any send the
        provider took after our lease ran out: the worker that took the message over may
        not have looked for it yet, and an email cannot be looked up.
        """
        attempts = list(attempts)
        outcomes: Counter[Outcome] = Counter()
        if not attempts:
            return outcomes
        now = self.now()
        writes = Writes()
        surveys: list[SurveyStart] = []
        with self.engine.begin() as connection:
            rows = {
                row.id: row
                for row in connection.execute(
                    select(*RECORD_COLUMNS)
                    .join(P, P.c.id == T.c.patient_id)
                    .where(
                        T.c.id.in_([a.ready.id for a in attempts]),
                        T.c.in_flight_since.is_not(None)
                        if held
                        else or_(T.c.lease_owner == self.owner, T.c.in_flight_since.is_not(None)),
                    )
                    .with_for_update(of=T)
                )
            }
            for attempt in attempts:
                row = rows.get(attempt.ready.id)
                if row is not None and not held and row.lease_owner != self.owner:
                    row = row if attempt.receipt is not None else None
                if row is None:
                    # Taken over after our lease ran out: the new owner finds it in flight
                    # and looks it up at the provider before doing anything else.
                    if not held:  # a held send found settled already is no news
                        log.warning("message %d: lease lost before recording", attempt.ready.id)
                    outcome: Outcome = "lost"
                elif attempt.receipt is not None or row.status in REPORTED:
                    receipt = attempt.receipt or Receipt(row.provider_id or "")
                    outcome = self._sent(row, writes, receipt, now, found=attempt.found)
                    if attempt.ready.survey:
                        surveys.append(survey_start(attempt.ready))
                else:
                    assert attempt.error is not None
                    outcome = self._failed(row, writes, attempt.error, now)
                outcomes[outcome] += 1
                observe_send(attempt.ready.channel, outcome, attempt.seconds)
                if outcome == "sent":
                    observe_lateness(
                        attempt.ready.channel, (now - attempt.ready.due).total_seconds()
                    )
            writes.write(connection, now)
            begin_surveys(
                connection, surveys, now, self.protocol.replies.conversation_expires_after
            )
        return outcomes

    def renew(self, unsent: Sequence[int]) -> set[int]:
        """Extend this worker's leases; return the unsent ids that must no longer go.

        Those are messages whose appointment was cancelled, or whose patient opted out,
        revoked consent, became unreachable or was paused since the batch was prepared.
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
            stopped = no_longer_sendable(self.owner)
            return set(
                connection.execute(
                    select(T.c.id)
                    .join(A, A.c.id == T.c.appointment_id)
                    .join(P, P.c.id == T.c.patient_id)
                    .where(T.c.id.in_(list(unsent)), stopped)
                ).scalars()
            )

    def _settle_unanswered(self, row: DbRow, writes: Writes, now: datetime) -> Outcome | None:
        """Record an earlier attempt the provider took; None when it did not (or cannot tell)."""
        channel = self.channels[row.channel]
        kept = self.held.find(row.id) if self.held is not None else None
        if kept is not None:  # a worker of this host sent it and could not record it
            return self._sent(row, writes, kept, now, found=True)
        to = row.phone if row.channel == "sms" else row.email
        if not isinstance(channel, LookupChannel) or row.body is None or to is None:
            return None  # SMTP has no lookup: a resend is the lesser harm than silence
        envelope = Envelope(
            message_id=row.id,
            channel="sms" if row.channel == "sms" else "email",
            to=to,
            text=row.body,
        )
        try:
            found = self._lookup(channel, envelope, row.in_flight_since)
        except ChannelError as exc:
            # Unsure whether it went out: never resend blind; ask again later.
            unsure = ChannelError(str(exc), permanent=False, maybe_sent=True, code=exc.code)
            return self._failed(row, writes, unsure, now)
        if found is not None:
            return self._sent(row, writes, found, now, found=True)
        writes.message(row.id)["in_flight_since"] = None  # the provider never took it
        return None

    def _check(
        self, row: DbRow, facts: PatientFacts, changes: Changes, now: datetime
    ) -> Outcome | datetime | None:
        """The appointment, consent, opt-out, expiry and quiet hours, looked at again now.

        An outcome when the message must not go now; else when the answer stops holding.
        """
        if row.appointment_status not in ACTIVE:
            # Cancelled while this message was claimed: re-planning leaves claimed rows alone.
            return finish(
                changes,
                MessageStatus.CANCELLED,
                "cancelled",
                now,
                reason=f"appointment {row.appointment_status}",
            )
        decision = decide(
            channel=row.channel,
            expires_at=row.expires_at,
            quiet_hours_exempt=row.quiet_hours_exempt,
            patient=facts,
            quiet=self.protocol.quiet_hours,
            now=now,
        )
        if decision.action == "send":
            return decision.until
        if decision.action == "defer":
            changes["not_before"] = decision.at
            return finish(changes, MessageStatus.PENDING, "deferred", now)
        if decision.action == "skip":
            return finish(changes, MessageStatus.SKIPPED, "skipped", now, reason=decision.reason)
        return finish(changes, MessageStatus.EXPIRED, "expired", now, reason=decision.reason)

    def _envelope(
        self,
        row: DbRow,
        step: Step,
        facts: PatientFacts,
        next_start: datetime | None,
        now: datetime,
    ) -> Envelope:
        context = message_context(
            first_name=row.first_name,
            language=row.language,
            tz=facts.timezone,
            appointment_start=row.start_at,
            next_start=next_start,
            step=step,
            treatment=row.treatment,
            protocol=self.protocol,
            location=row.appointment_location,
            series_number=row.series_number,
            series_size=row.series_size,
            now=now,
        )
        channel: ChannelName = "sms" if row.channel == "sms" else "email"
        own = self.protocol.template_at(row.appointment_location, row.template)
        rendered = self.renderer.render(own, row.language, channel, context)
        to = row.phone if channel == "sms" else row.email
        assert to is not None  # the send-time check refused a patient without one
        unsubscribe = self.unsubscribe(row.patient_id) if self.unsubscribe else None
        return Envelope(
            message_id=row.id,
            channel=channel,
            to=to,
            text=rendered.text,
            subject=rendered.subject,
            html=rendered.html,
            valid_for=(row.expires_at - now) if row.expires_at else None,
            unsubscribe_url=unsubscribe if channel == "email" else None,
            sender=self.protocol.sender_at(row.appointment_location) if channel == "sms" else None,
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
        self, row: DbRow, writes: Writes, receipt: Receipt, now: datetime, found: bool = False
    ) -> Outcome:
        changes = writes.message(row.id)
        changes.update(
            provider_id=receipt.provider_id or row.provider_id,
            sent_at=now,
            in_flight_since=None,
            error_code=None,
            error_text=None,
        )
        # One line a message at DEBUG: the database holds the record, the batch logs a summary.
        log.log(
            logging.INFO if found else logging.DEBUG,
            "message %d sent: %s %s via %s%s",
            row.id,
            row.step,
            row.channel,
            self.channels[row.channel].provider,
            " (found at the provider after an unanswered attempt)" if found else "",
        )
        # A delivery report that overtook us already says more than "sent".
        status = MessageStatus(row.status) if row.status in REPORTED else MessageStatus.SENT
        return finish(changes, status, "sent", now)

    def _failed(self, row: DbRow, writes: Writes, exc: ChannelError, now: datetime) -> Outcome:
        changes = writes.message(row.id)
        if not exc.maybe_sent:
            changes["in_flight_since"] = None  # the provider answered: nothing went out
        changes.update(error_code=exc.code, error_text=str(exc)[:500])
        to = row.phone if row.channel == "sms" else None
        log.warning(
            "message %d to %s via %s failed (attempt %d, %s): %s",
            row.id,
            mask(to) if to else row.channel,
            self.channels[row.channel].provider,
            row.attempts,
            "permanent" if exc.permanent else "retryable",
            exc,
        )
        if exc.unreachable and row.channel == "sms":
            writes.patients.setdefault(row.patient_id, {}).update(unreachable(row, exc, now))
            if exc.code == UNSUBSCRIBED:
                writes.unsubscribed.add(row.patient_id)
        if exc.code and row.channel == "sms":
            writes.carrier.append((sender_of(self.channels["sms"]), exc.code, row.id))
        if exc.permanent:
            return finish(changes, MessageStatus.FAILED, "failed", now)
        delay = self.retry.next_delay(row.attempts, exc.retry_after)
        if delay is None:
            return finish(changes, MessageStatus.DEAD, "dead", now, reason="retries used up")
        changes["not_before"] = now + delay
        return finish(changes, MessageStatus.PENDING, "retry", now)
