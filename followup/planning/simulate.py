"""`followup simulate`: the real pipeline in virtual time, on a throwaway database.

Import, planning, the dispatcher's send-time checks and rendering are the production
code; only the clock is virtual and every channel is an outbox that keeps what it got.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from followup.calendar.importing import FileReport, ImportWindow, OnStep, import_files, no_progress
from followup.channels.base import ChannelName, Envelope, Receipt
from followup.channels.outbox import OutboxChannel
from followup.db.migrate import temporary_database
from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.dispatch.claim import claim_due
from followup.dispatch.retry import RetryPolicy
from followup.dispatch.send import Dispatcher
from followup.messages.render import Renderer
from followup.protocol import Protocol

LEASE = timedelta(minutes=5)
BATCH = 500


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message that would leave, as `simulate --format json` prints it.

    With `--skipped`, a planned message that would not leave too: its status (skipped,
    expired, cancelled) and the reason, and no body.
    """

    due_at: datetime
    patient_id: str
    appointment_start: datetime
    step: str
    kind: str
    channel: str
    to: str
    body: str | None
    subject: str | None = None
    series_number: int | None = None  # the infusion's place in its series: 3 of 6
    series_size: int | None = None
    status: str = "sent"
    reason: str | None = None
    location: str = "main"  # the appointment's location
    sender: str | None = None  # the location's own Twilio sender, if it has one

    @property
    def series(self) -> str:
        if self.series_number is None:
            return ""
        return f"{self.series_number} of {self.series_size}"


@dataclass(slots=True)
class Simulation:
    reports: list[FileReport]
    outgoing: list[Outgoing]
    render_errors: list[str]
    # Planned in the window but not sent, and why (`simulate --skipped`).
    held_back: list[Outgoing]


@dataclass(slots=True)
class VirtualClock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at


class KeepingOutbox(OutboxChannel):
    """The outbox, keeping each envelope so the simulation can show subjects too."""

    def __init__(self, name: ChannelName) -> None:
        super().__init__(name)
        self.kept: dict[int, Envelope] = {}

    def send(self, envelope: Envelope) -> Receipt:
        self.kept[envelope.message_id] = envelope
        return super().send(envelope)


def lead_time(protocol: Protocol) -> timedelta:
    """The longest time any step goes out before its infusion."""
    leads = [
        s.before_start for steps in protocol.resolved.values() for s in steps if s.before_start
    ]
    return max(leads, default=timedelta(0))


def simulate(
    protocol: Protocol,
    renderer: Renderer,
    roster: Path | None,
    calendars: Sequence[Path],
    start: datetime,
    days: int,
    lookback: timedelta,
    on_step: OnStep = no_progress,
    on_clock: Callable[[datetime], None] = lambda _at: None,
    horizon: timedelta = timedelta(0),
) -> Simulation:
    """Import, plan and send everything due in [start, start + days) through outboxes.

    Infusions up to `horizon` past the window are read too, as the worker reads its
    calendar horizon ahead: the one after a window's last infusion decides whether that
    one ends its series. `on_step` hears the import's steps and `on_clock` each virtual
    moment, for progress."""
    end = start + timedelta(days=days)
    # Infusions just past the window still send their preparation inside it, and the
    # next infusion of a series changes the messages of the one before.
    ahead = max(horizon, lead_time(protocol), protocol.planning.series_gap + timedelta(days=1))
    window = ImportWindow(now=start, lookback=lookback, horizon=end - start + ahead)
    with temporary_database() as engine:
        reports = import_files(engine, protocol, window, roster, calendars, on_step=on_step)
        outboxes = {"sms": KeepingOutbox("sms"), "email": KeepingOutbox("email")}
        clock = VirtualClock(start)
        dispatcher = Dispatcher(
            engine=engine,
            protocol=protocol,
            renderer=renderer,
            channels=outboxes,
            retry=RetryPolicy(max_attempts=1, base=timedelta(minutes=1), cap=timedelta(minutes=1)),
            owner="simulate",
            lease=LEASE,
            now=clock,
        )
        run_until(dispatcher, clock, end, on_clock)
        outgoing, errors = _collect(engine, outboxes)
        held_back = _held_back(engine, start, end)
    return Simulation(reports, outgoing, errors, held_back)


def run_until(
    dispatcher: Dispatcher,
    clock: VirtualClock,
    end: datetime,
    on_clock: Callable[[datetime], None] = lambda _at: None,
) -> None:
    """Step the clock from one due time to the next before `end`, dispatching as the
    worker would: the same claim, checks, rendering and recording."""
    while True:
        moment = _next_due(dispatcher.engine)
        if moment is None or moment >= end:
            return
        clock.at = max(clock.at, moment)
        on_clock(clock.at)
        claimed = claim_due(dispatcher.engine, dispatcher.owner, clock.at, LEASE, BATCH)
        if not claimed:
            return  # cannot happen while claim and _next_due agree; never spin
        for message in claimed:
            dispatcher.process(message.id)


def _next_due(engine: Engine) -> datetime | None:
    """When the next pending message may go: its due time, or later after a deferral."""
    when = func.coalesce(ScheduledMessage.not_before, ScheduledMessage.due_at)
    with Session(engine) as session:
        rows = session.exec(
            select(ScheduledMessage.due_at, ScheduledMessage.not_before)
            .where(ScheduledMessage.status == MessageStatus.PENDING)
            .order_by(when)
            .limit(1)
        ).all()
    if not rows:
        return None
    due, not_before = rows[0]
    return max(due, not_before) if not_before else due


def _collect(
    engine: Engine, outboxes: dict[str, KeepingOutbox]
) -> tuple[list[Outgoing], list[str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(ScheduledMessage, Appointment, Patient)
            .join(Appointment, col(ScheduledMessage.appointment_id) == Appointment.id)
            .join(Patient, col(ScheduledMessage.patient_id) == Patient.id)
            .where(col(ScheduledMessage.status).in_([MessageStatus.SENT, MessageStatus.FAILED]))
            .order_by(col(ScheduledMessage.sent_at), col(ScheduledMessage.id))
        ).all()
    outgoing, errors = [], []
    for msg, appt, patient in rows:
        if msg.status == MessageStatus.FAILED:
            errors.append(f"{patient.external_id} {msg.step} {msg.channel}: {msg.error_text}")
            continue
        envelope = outboxes[msg.channel].kept[msg.id or 0]
        assert msg.sent_at is not None
        outgoing.append(
            Outgoing(
                due_at=msg.sent_at,
                patient_id=patient.external_id,
                appointment_start=appt.start_at,
                step=msg.step,
                kind=msg.kind,
                channel=msg.channel,
                to=envelope.to,
                body=envelope.text,
                subject=envelope.subject,
                series_number=appt.series_number,
                series_size=appt.series_size,
                location=appt.location,
                sender=envelope.sender,
            )
        )
    outgoing.sort(key=lambda o: (o.due_at, o.patient_id, o.step, o.channel))
    return outgoing, errors


# What a planned message that did not leave ended as.
_HELD_BACK = (MessageStatus.SKIPPED, MessageStatus.EXPIRED, MessageStatus.CANCELLED)


def _held_back(engine: Engine, start: datetime, end: datetime) -> list[Outgoing]:
    """The planned messages due in the window that did not leave, with the reason."""
    with Session(engine) as session:
        rows = session.exec(
            select(ScheduledMessage, Appointment, Patient)
            .join(Appointment, col(ScheduledMessage.appointment_id) == Appointment.id)
            .join(Patient, col(ScheduledMessage.patient_id) == Patient.id)
            .where(
                col(ScheduledMessage.status).in_(_HELD_BACK),
                col(ScheduledMessage.due_at) >= start,
                col(ScheduledMessage.due_at) < end,
            )
            .order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
        ).all()
    return [
        Outgoing(
            due_at=msg.due_at,
            patient_id=patient.external_id,
            appointment_start=appt.start_at,
            step=msg.step,
            kind=msg.kind,
            channel=msg.channel,
            to=(patient.phone if msg.channel == "sms" else patient.email) or "",
            body=None,
            series_number=appt.series_number,
            series_size=appt.series_size,
            status=msg.status,
            reason=msg.status_reason,
            location=appt.location,
        )
        for msg, appt, patient in rows
    ]


def iter_json(outgoing: Sequence[Outgoing]) -> Iterator[dict[str, str | int | None]]:
    """The JSON objects `simulate --format json` prints, one per line."""
    for item in outgoing:
        yield {
            "due_at": _iso(item.due_at),
            "patient_id": item.patient_id,
            "appointment_start": _iso(item.appointment_start),
            "step": item.step,
            "kind": item.kind,
            "channel": item.channel,
            "to": item.to,
            "subject": item.subject,
            "body": item.body,
            "series_number": item.series_number,
            "series_size": item.series_size,
            "status": item.status,
            "reason": item.reason,
            "location": item.location,
            "from": item.sender,
        }


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
