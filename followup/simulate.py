"""`followup simulate`: the pipeline in virtual time on a throwaway database."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.dispatch.policy import decide
from followup.errors import RenderError
from followup.importing import FileReport, ImportWindow, import_files
from followup.messages.context import message_context
from followup.messages.render import Renderer
from followup.protocol import Protocol
from followup.scheduling import ACTIVE, patient_facts


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message that would leave, as `simulate --format json` prints it."""

    due_at: datetime
    patient_id: str
    appointment_start: datetime
    step: str
    kind: str
    channel: str
    to: str
    body: str
    subject: str | None = None


@dataclass(slots=True)
class Simulation:
    reports: list[FileReport]
    outgoing: list[Outgoing]
    render_errors: list[str]


def lead_time(protocol: Protocol) -> timedelta:
    """The longest time any step goes out before its infusion."""
    leads = [
        step.before_start
        for steps in protocol.resolved.values()
        for step in steps
        if step.before_start is not None
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
) -> Simulation:
    """Import, plan and render everything due in [start, start + days) on a temporary database."""
    end = start + timedelta(days=days)
    # Infusions just past the window still send their preparation inside it.
    window = ImportWindow(now=start, lookback=lookback, horizon=end - start + lead_time(protocol))
    with tempfile.TemporaryDirectory(prefix="followup-simulate-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'simulate.db'}")
        try:
            upgrade(engine)
            reports = import_files(engine, protocol, window, roster, calendars)
            with Session(engine) as session:
                outgoing, errors = _walk(session, protocol, renderer, start, end)
        finally:
            engine.dispose()
    return Simulation(reports, outgoing, errors)


def _walk(
    session: Session, protocol: Protocol, renderer: Renderer, start: datetime, end: datetime
) -> tuple[list[Outgoing], list[str]]:
    outgoing, errors = [], []
    rows = session.exec(
        select(ScheduledMessage, Appointment, Patient)
        .join(Appointment, col(ScheduledMessage.appointment_id) == Appointment.id)
        .join(Patient, col(ScheduledMessage.patient_id) == Patient.id)
        .where(ScheduledMessage.status == MessageStatus.PENDING, col(ScheduledMessage.due_at) < end)
        .order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
    ).all()
    next_starts = _next_starts(session)
    for msg, appt, patient in rows:
        send_at = _send_time(msg, patient, protocol, max(msg.due_at, start))
        if send_at is None or send_at >= end:
            continue
        try:
            outgoing.append(
                _render(msg, appt, patient, next_starts.get(appt.id), protocol, renderer, send_at)
            )
        except RenderError as exc:
            errors.append(f"{patient.external_id} {msg.step} {msg.channel}: {exc}")
    outgoing.sort(key=lambda o: (o.due_at, o.patient_id, o.step, o.channel))
    return outgoing, errors


def _send_time(
    msg: ScheduledMessage, patient: Patient, protocol: Protocol, at: datetime
) -> datetime | None:
    """Follow the dispatcher's decisions in virtual time: when it would send, or None."""
    facts = patient_facts(patient, protocol.clinic.tz)
    for _ in range(3):  # a deferral lands outside quiet hours, so one defer is the most
        decision = decide(
            channel=msg.channel,
            expires_at=msg.expires_at,
            quiet_hours_exempt=msg.quiet_hours_exempt,
            patient=facts,
            quiet=protocol.quiet_hours,
            now=at,
        )
        if decision.action == "send":
            return at
        if decision.action != "defer" or decision.at is None:
            return None
        at = decision.at
    return None


def _next_starts(session: Session) -> dict[int | None, datetime]:
    """Each appointment's next active infusion of the same patient."""
    result: dict[int | None, datetime] = {}
    by_patient: dict[int, list[Appointment]] = {}
    for appt in session.exec(select(Appointment).order_by(col(Appointment.start_at))):
        by_patient.setdefault(appt.patient_id, []).append(appt)
    for appts in by_patient.values():
        active = [a.start_at for a in appts if a.status in ACTIVE]
        for appt in appts:
            later = next((s for s in active if s > appt.start_at), None)
            if later:
                result[appt.id] = later
    return result


def _render(
    msg: ScheduledMessage,
    appt: Appointment,
    patient: Patient,
    next_start: datetime | None,
    protocol: Protocol,
    renderer: Renderer,
    send_at: datetime,
) -> Outgoing:
    step = next(s for s in protocol.steps_for(appt.treatment) if s.key == msg.step)
    facts = patient_facts(patient, protocol.clinic.tz)
    context = message_context(
        first_name=patient.first_name,
        language=patient.language,
        tz=facts.timezone,
        appointment_start=appt.start_at,
        next_start=next_start,
        step=step,
        treatment=appt.treatment,
        protocol=protocol,
    )
    rendered = renderer.render(
        msg.template, patient.language, "sms" if msg.channel == "sms" else "email", context
    )
    return Outgoing(
        due_at=send_at,
        patient_id=patient.external_id,
        appointment_start=appt.start_at,
        step=msg.step,
        kind=msg.kind,
        channel=msg.channel,
        to=(patient.phone if msg.channel == "sms" else patient.email) or "",
        body=rendered.text,
        subject=rendered.subject,
    )


def iter_json(outgoing: Sequence[Outgoing]) -> Iterator[dict[str, str | None]]:
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
        }


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
