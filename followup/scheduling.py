"""Keep the stored message plan in step with appointments, patients and the protocol."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from followup.calendar.events import EventStatus
from followup.db.models import REPLANNABLE, Appointment, MessageStatus, Patient, ScheduledMessage
from followup.planner import (
    AppointmentFacts,
    ExistingMessage,
    PatientFacts,
    PlannedMessage,
    plan_appointment,
    reconcile,
    target_state,
)
from followup.protocol import Protocol

# Appointments that still get messages; a completed infusion still gets its check-ins.
ACTIVE = frozenset({EventStatus.BOOKED, EventStatus.COMPLETED})
# The reason a person's cancellation carries. Re-planning revives rows it cancelled itself
# when the plan wants them again, but never one a person cancelled.
STAFF_CANCELLED = "cancelled by "


def staff_cancel_reason(actor: str) -> str:
    """The status reason for a message a person cancelled."""
    return f"{STAFF_CANCELLED}{actor}"[:200]


def cancelled_by_staff(row: ScheduledMessage) -> bool:
    return row.status == MessageStatus.CANCELLED and (row.status_reason or "").startswith(
        STAFF_CANCELLED
    )


@dataclass(slots=True)
class PlanCounts:
    planned: int = 0
    moved: int = 0
    cancelled: int = 0

    def add(self, other: PlanCounts) -> None:
        self.planned += other.planned
        self.moved += other.moved
        self.cancelled += other.cancelled


def patient_facts(patient: Patient, clinic_tz: ZoneInfo) -> PatientFacts:
    """The planner's view of a patient; no zone on file means the clinic's zone."""
    return PatientFacts(
        timezone=ZoneInfo(patient.timezone) if patient.timezone else clinic_tz,
        has_phone=bool(patient.phone),
        has_email=bool(patient.email),
        sms_consent=patient.sms_consent,
        email_consent=patient.email_consent,
        sms_opted_out=patient.opted_out_at is not None,
        sms_unreachable=patient.sms_unreachable_at is not None,
        paused=patient.paused_at is not None,
    )


def replan_patients(
    session: Session, patient_ids: Iterable[int], protocol: Protocol, now: datetime
) -> PlanCounts:
    """Re-plan every appointment of these patients and store the difference."""
    ids = sorted(set(patient_ids))
    counts = PlanCounts()
    if not ids:
        return counts
    patients = {p.id: p for p in session.exec(select(Patient).where(col(Patient.id).in_(ids)))}
    appointments: dict[int, list[Appointment]] = defaultdict(list)
    for appt in session.exec(
        select(Appointment)
        .where(col(Appointment.patient_id).in_(ids))
        .order_by(col(Appointment.start_at))
    ):
        appointments[appt.patient_id].append(appt)
    appt_ids = [a.id for appts in appointments.values() for a in appts]
    stored: dict[int, list[ScheduledMessage]] = defaultdict(list)
    for row in session.exec(
        select(ScheduledMessage).where(col(ScheduledMessage.appointment_id).in_(appt_ids))
    ):
        stored[row.appointment_id].append(row)
    for pid in ids:
        facts = patient_facts(patients[pid], protocol.clinic.tz)
        for appt, next_start in _with_next(appointments[pid]):
            assert appt.id is not None
            counts.add(
                _replan_one(session, appt, next_start, facts, stored[appt.id], protocol, now)
            )
    session.flush()
    return counts


def _with_next(appts: list[Appointment]) -> list[tuple[Appointment, datetime | None]]:
    """Pair each appointment with the start of the next active one of the series."""
    starts = [a.start_at for a in appts if a.status in ACTIVE]
    return [(a, next((s for s in starts if s > a.start_at), None)) for a in appts]


def _replan_one(
    session: Session,
    appt: Appointment,
    next_start: datetime | None,
    patient: PatientFacts,
    rows: list[ScheduledMessage],
    protocol: Protocol,
    now: datetime,
) -> PlanCounts:
    facts = AppointmentFacts(
        start=appt.start_at,
        end=appt.discharged_at or appt.end_at,
        treatment=appt.treatment,
        active=appt.status in ACTIVE,
        next_start=next_start,
    )
    plan = plan_appointment(facts, patient, protocol)
    reason = "no longer in the protocol" if facts.active else f"appointment {appt.status}"
    existing = [
        ExistingMessage(
            r.id or 0,
            r.step,
            r.channel,
            "final" if cancelled_by_staff(r) else r.status,
            r.due_at,
            r.expires_at,
            r.status_reason,
        )
        for r in rows
    ]
    changes = reconcile(existing, plan, now, frozenset(REPLANNABLE), reason)
    by_id = {r.id: r for r in rows}
    for planned in changes.insert:
        session.add(_new_row(appt, planned, now))
    for row_id, planned in changes.update:
        _update_row(by_id[row_id], appt, planned, now)
    for row_id, why in changes.cancel:
        row = by_id[row_id]
        row.status, row.status_reason, row.updated_at = MessageStatus.CANCELLED, why, now
    return PlanCounts(len(changes.insert), len(changes.update), len(changes.cancel))


def _status(planned: PlannedMessage, now: datetime) -> tuple[MessageStatus, str | None]:
    status, reason = target_state(planned, now)
    return MessageStatus(status), reason


def _new_row(appt: Appointment, planned: PlannedMessage, now: datetime) -> ScheduledMessage:
    assert appt.id is not None
    status, reason = _status(planned, now)
    return ScheduledMessage(
        appointment_id=appt.id,
        patient_id=appt.patient_id,
        step=planned.step,
        kind=planned.kind,
        template=planned.template,
        channel=planned.channel,
        due_at=planned.due_at,
        expires_at=planned.expires_at,
        quiet_hours_exempt=planned.quiet_hours_exempt,
        status=status,
        status_reason=reason,
        created_at=now,
        updated_at=now,
    )


def _update_row(
    row: ScheduledMessage, appt: Appointment, planned: PlannedMessage, now: datetime
) -> None:
    row.status, row.status_reason = _status(planned, now)
    row.patient_id = appt.patient_id
    row.kind, row.template = planned.kind, planned.template
    row.due_at, row.expires_at = planned.due_at, planned.expires_at
    row.not_before = None  # a new plan starts its own clock; old retries no longer apply
    row.quiet_hours_exempt = planned.quiet_hours_exempt
    row.updated_at = now


def next_start(session: Session, appt: Appointment) -> datetime | None:
    """The patient's next active infusion after this one, for "your next infusion" lines."""
    return session.exec(
        select(Appointment.start_at)
        .where(
            Appointment.patient_id == appt.patient_id,
            col(Appointment.start_at) > appt.start_at,
            col(Appointment.status).in_(ACTIVE),
        )
        .order_by(col(Appointment.start_at))
        .limit(1)
    ).first()
