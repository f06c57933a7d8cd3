"""Pressing Discharged, and taking it back: the one place that sets `discharged_at`.

The after-end steps (the discharge message) follow the discharge instead of the booked
end. From the Today page the discharge can be undone for `UNDO_WINDOW`: the appointment
stores until when, and planning times the after-end steps from that moment, so no worker
in any process sends the message while Undo is offered. The API discharges at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from followup.db.models import REPLANNABLE, Appointment, MessageStatus, ScheduledMessage
from followup.planning.scheduling import ACTIVE, replan_patients
from followup.protocol import Protocol
from followup.staff import audit

log = logging.getLogger(__name__)

# How long a discharge pressed on the Today page can be taken back before anything goes.
UNDO_WINDOW = timedelta(seconds=60)


class AppointmentNotFound(LookupError):
    """No appointment has that id."""


class DischargeRefused(Exception):
    """The appointment cannot be discharged; the message says why."""


@dataclass(frozen=True, slots=True)
class DischargeMessage:
    """A message timed from the end of the infusion, as it stands after the discharge."""

    id: int
    step: str
    channel: str
    status: str
    due_at: datetime
    reason: str | None


class DischargeMessageOut(BaseModel):
    """A message timed from the end of the infusion, as it stands after the discharge."""

    id: int
    step: str
    channel: str
    status: MessageStatus
    due_at: datetime
    reason: str | None = Field(description="Why it does not go (skipped, cancelled), or null.")


class DischargeOut(BaseModel):
    """What pressing Discharged did: the discharge API's answer."""

    appointment_id: int
    discharged_at: datetime = Field(description="When the patient left.")
    already_discharged: bool = Field(
        description="It had been pressed before: nothing changed, and the first time stands."
    )
    messages: list[DischargeMessageOut] = Field(
        description="The appointment's messages timed from the end of the infusion."
    )


@dataclass(frozen=True, slots=True)
class Discharge:
    """What pressing Discharged did."""

    appointment_id: int
    discharged_at: datetime
    already: bool  # it had been pressed before; nothing changed
    messages: list[DischargeMessage]
    undo_until: datetime | None = None  # nothing goes before then; Undo is offered until

    def as_out(self) -> DischargeOut:
        """The discharge API's answer."""
        return DischargeOut(
            appointment_id=self.appointment_id,
            discharged_at=self.discharged_at,
            already_discharged=self.already,
            messages=[
                DischargeMessageOut(
                    id=m.id,
                    step=m.step,
                    channel=m.channel,
                    status=MessageStatus(m.status),
                    due_at=m.due_at,
                    reason=m.reason,
                )
                for m in self.messages
            ],
        )


def _done_before(session: Session, appt: Appointment, protocol: Protocol) -> Discharge:
    """The answer for an infusion someone discharged already: nothing changes."""
    assert appt.discharged_at is not None
    return Discharge(
        appt.id or 0,
        appt.discharged_at,
        True,
        _after_end(session, appt, protocol),
        appt.discharge_undo_until,
    )


def discharge(
    engine: Engine,
    protocol: Protocol,
    appointment_id: int,
    actor: str,
    now: datetime,
    undo_window: timedelta = timedelta(0),
) -> Discharge:
    """Set `discharged_at` once (undoable for `undo_window`), re-plan and audit, in one go."""
    with Session(engine) as session:
        appt = session.get(Appointment, appointment_id)
        if appt is None:
            raise AppointmentNotFound(f"no appointment has id {appointment_id}")
        if appt.discharged_at is not None:
            return _done_before(session, appt, protocol)
        if appt.status not in ACTIVE:
            raise DischargeRefused(f"the infusion is {appt.status.replace('_', ' ')}")
        if appt.start_at > now:
            # The discharge message tells the patient how to look after themselves on the
            # way home; it must not go before they have even arrived.
            raise DischargeRefused("the infusion has not started yet")
        table = Appointment.__table__  # type: ignore[attr-defined]
        # Compare-and-set: two people pressing at once discharge once.
        taken = session.execute(
            update(table)
            .where(table.c.id == appointment_id, table.c.discharged_at.is_(None))
            .values(
                discharged_at=now,
                discharge_undo_until=now + undo_window if undo_window else None,
                updated_at=now,
            )
        ).rowcount  # type: ignore[attr-defined]
        session.refresh(appt)
        if taken != 1:
            return _done_before(session, appt, protocol)
        plan = replan_patients(session, [appt.patient_id], protocol, now)
        counts = plan.planned + plan.moved + plan.cancelled
        messages = _after_end(session, appt, protocol)
        audit(
            session,
            actor,
            "appointment.discharged",
            "appointment",
            appointment_id,
            {"discharged_at": None},
            {
                "discharged_at": now,
                "undo_until": appt.discharge_undo_until,
                "moved": counts,
                "messages": [
                    {"id": m.id, "channel": m.channel, "status": m.status, "due_at": m.due_at}
                    for m in messages
                ],
            },
            now,
        )
        undo_until = appt.discharge_undo_until
        session.commit()
    log.info(
        "appointment %d discharged by %s; %d messages re-planned", appointment_id, actor, counts
    )
    return Discharge(appointment_id, now, False, messages, undo_until)


def _after_end(session: Session, appt: Appointment, protocol: Protocol) -> list[DischargeMessage]:
    """The appointment's messages timed from its end (the discharge message)."""
    steps = [s.key for s in protocol.steps_for(appt.treatment) if s.after_end is not None]
    rows = session.exec(
        select(ScheduledMessage)
        .where(ScheduledMessage.appointment_id == appt.id, col(ScheduledMessage.step).in_(steps))
        .order_by(col(ScheduledMessage.step), col(ScheduledMessage.channel))
    ).all()
    return [
        DischargeMessage(r.id or 0, r.step, r.channel, r.status, r.due_at, r.status_reason)
        for r in rows
    ]


class UndoRefused(Exception):
    """The discharge cannot be taken back any more; the message says why."""


def undo_discharge(
    engine: Engine, protocol: Protocol, appointment_id: int, actor: str, now: datetime
) -> datetime:
    """Clear a discharge still inside its undo window, re-plan and audit; its old time.

    Compare-and-set on the window, then a check that no after-end message has left (a
    worker whose clock runs ahead could have claimed one): if one has, nothing changes.
    """
    with Session(engine) as session:
        appt = session.get(Appointment, appointment_id)
        if appt is None:
            raise AppointmentNotFound(f"no appointment has id {appointment_id}")
        was, until = appt.discharged_at, appt.discharge_undo_until
        if was is None:
            raise UndoRefused("it is not discharged")
        table = Appointment.__table__  # type: ignore[attr-defined]
        taken = session.execute(
            update(table)
            .where(
                table.c.id == appointment_id,
                table.c.discharged_at == was,
                table.c.discharge_undo_until > now,
            )
            .values(discharged_at=None, discharge_undo_until=None, updated_at=now)
        ).rowcount  # type: ignore[attr-defined]
        if taken != 1:
            session.rollback()
            raise UndoRefused("the time to undo it has passed; the discharge message has gone")
        replan_patients(session, [appt.patient_id], protocol, now)
        session.refresh(appt)
        if any(m.status not in REPLANNABLE for m in _after_end(session, appt, protocol)):
            session.rollback()
            raise UndoRefused("the discharge message is already being sent")
        audit(
            session,
            actor,
            "appointment.discharge_undone",
            "appointment",
            appointment_id,
            {"discharged_at": was, "undo_until": until},
            {"discharged_at": None},
            now,
        )
        session.commit()
    log.info("appointment %d discharge undone by %s", appointment_id, actor)
    return was
