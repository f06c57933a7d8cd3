"""Keep the stored message plan in step with appointments, patients and the protocol.

Planning reads row tuples with Core selects, plans each patient in pure Python
(`followup.planning.plan`) and writes the difference with a few bulk statements per chunk
of patients (`followup.planning.store`). 100,000 appointments cost a few hundred
statements, not a million ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Row
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from followup.calendar.events import EventStatus
from followup.consent.records import consent_column
from followup.db.models import REPLANNABLE, Appointment, MessageStatus, Patient, ScheduledMessage
from followup.planning.plan import Infusion, PatientPlan, Sent, plan_patient
from followup.planning.planner import (
    ExistingMessage,
    PatientFacts,
    reconcile,
)
from followup.planning.store import Writes, changed_row, chunks, new_row
from followup.protocol import Protocol

# Appointments that still get messages; a completed infusion still gets its check-ins.
ACTIVE = frozenset({EventStatus.BOOKED, EventStatus.COMPLETED})
# The reason a person's cancellation carries. Re-planning revives rows it cancelled itself
# when the plan wants them again, but never one a person cancelled.
STAFF_CANCELLED = "cancelled by "
# Patients read and planned together: memory stays bounded however many are re-planned.
PATIENT_CHUNK = 500
# Planned rows held before they are written: bounds memory inside a chunk of patients.
WRITE_BATCH = 5000

P = Patient.__table__  # type: ignore[attr-defined]
A = Appointment.__table__  # type: ignore[attr-defined]
M = ScheduledMessage.__table__  # type: ignore[attr-defined]
# Messages that left, or are leaving: the plan never changes them, and they count for the
# day they went (one check-in a day, the daily SMS cap).
LEFT = frozenset(
    {MessageStatus.CLAIMED, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.UNDELIVERED}
)


def staff_cancel_reason(actor: str) -> str:
    """The status reason for a message a person cancelled."""
    return f"{STAFF_CANCELLED}{actor}"[:200]


def cancelled_by_staff(row: ScheduledMessage | Row[Any]) -> bool:
    """True for a message a person cancelled: re-planning never revives it."""
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


# The patient columns patient_facts reads, for the Core queries whose rows it is given.
# Consent is the newest consent record's, checked beside the patient's copy of it.
FACT_COLUMNS = (
    P.c.timezone,
    P.c.phone,
    P.c.email,
    consent_column("sms"),
    consent_column("email"),
    P.c.opted_out_at,
    P.c.sms_unreachable_at,
    P.c.paused_at,
    P.c.location,
)


def patient_facts(patient: Patient | Row[Any], protocol: Protocol) -> PatientFacts:
    """The planner's view of a patient; no zone on file means their location's zone."""
    return PatientFacts(
        timezone=(
            ZoneInfo(patient.timezone)
            if patient.timezone
            else protocol.clinic_at(patient.location).tz
        ),
        has_phone=bool(patient.phone),
        has_email=bool(patient.email),
        sms_consent=bool(patient.sms_consent),
        email_consent=bool(patient.email_consent),
        sms_opted_out=patient.opted_out_at is not None,
        sms_unreachable=patient.sms_unreachable_at is not None,
        paused=patient.paused_at is not None,
    )


def replan_patients(
    session: Session, patient_ids: Iterable[int], protocol: Protocol, now: datetime
) -> PlanCounts:
    """Re-plan every appointment of these patients and store the difference.

    Writes go through `session`'s transaction; the caller commits. ScheduledMessage
    objects the session already holds are expired, so they reload what was written.
    """
    ids = sorted(set(patient_ids))
    counts = PlanCounts()
    if not ids:
        return counts
    # The caller's pending ORM changes (a new appointment, an opt-in) must be in the
    # database before the Core reads below, which do not autoflush.
    session.flush()
    writes = Writes(now)
    for chunk in chunks(ids, PATIENT_CHUNK):
        counts.add(_replan_chunk(session, chunk, protocol, now, writes))
    writes.write(session)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ScheduledMessage):
            session.expire(obj)
    return counts


def _replan_chunk(
    session: Session, ids: Sequence[int], protocol: Protocol, now: datetime, writes: Writes
) -> PlanCounts:
    patients = {
        row.id: row
        for row in session.execute(core_select(P.c.id, *FACT_COLUMNS).where(P.c.id.in_(ids)))
    }
    appointments: dict[int, list[Row[Any]]] = defaultdict(list)
    for appt in session.execute(
        core_select(
            A.c.id,
            A.c.patient_id,
            A.c.start_at,
            A.c.end_at,
            A.c.discharged_at,
            A.c.discharge_undo_until,
            A.c.status,
            A.c.treatment,
            A.c.series_number,
            A.c.series_size,
            A.c.series_started_at,
        )
        .where(A.c.patient_id.in_(ids))
        .order_by(A.c.start_at, A.c.id)
    ):
        appointments[appt.patient_id].append(appt)
    stored: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in session.execute(
        core_select(
            M.c.id,
            M.c.appointment_id,
            M.c.step,
            M.c.channel,
            M.c.kind,
            M.c.status,
            M.c.status_reason,
            M.c.due_at,
            M.c.not_before,
            M.c.expires_at,
            M.c.sent_at,
        )
        .join_from(M, A, M.c.appointment_id == A.c.id)
        .where(A.c.patient_id.in_(ids))
    ):
        stored[row.appointment_id].append(row)
    counts = PlanCounts()
    for pid in ids:
        if pid not in patients:
            continue  # deleted meanwhile: nothing of theirs to plan
        facts = patient_facts(patients[pid], protocol)
        appts = appointments[pid]
        plan = plan_patient(
            [infusion(a) for a in appts],
            facts,
            protocol,
            now,
            history([r for a in appts for r in stored[a.id]]),
        )
        for appt in appts:
            counts.add(_replan_one(appt, plan, stored[appt.id], now, writes))
            writes.series.extend(_series_change(appt, plan))
        if len(writes) >= WRITE_BATCH:
            writes.write(session)
    return counts


def infusion(appt: Row[Any]) -> Infusion:
    """An appointment row as planning sees it: it ends when the patient was discharged.

    A discharge that can still be undone ends the infusion when it no longer can, so the
    discharge message is due then and no worker sends it while Undo is offered.
    """
    end = appt.end_at
    if appt.discharged_at is not None:
        end = max(appt.discharged_at, appt.discharge_undo_until or appt.discharged_at)
    return Infusion(
        key=appt.id,
        start=appt.start_at,
        end=end,
        treatment=appt.treatment,
        active=appt.status in ACTIVE,
    )


def history(rows: Iterable[Row[Any]]) -> list[Sent]:
    """The stored messages that left or are leaving, at the moment they went (or go)."""
    return [
        Sent(
            key=r.appointment_id,
            step=r.step,
            channel=r.channel,
            kind=r.kind,
            at=r.sent_at or max(r.due_at, r.not_before or r.due_at),
        )
        for r in rows
        if r.status in LEFT
    ]


def _series_change(appt: Row[Any], plan: PatientPlan) -> list[dict[str, Any]]:
    """The appointment's new place in its series, when it differs from the stored one."""
    place = plan.places.get(appt.id)
    wanted = (place.number, place.size, place.first_start) if place else (None, None, None)
    if (appt.series_number, appt.series_size, appt.series_started_at) == wanted:
        return []
    number, size, started = wanted
    return [{"b_id": appt.id, "b_number": number, "b_size": size, "b_started": started}]


def _replan_one(
    appt: Row[Any],
    patient_plan: PatientPlan,
    rows: list[Row[Any]],
    now: datetime,
    writes: Writes,
) -> PlanCounts:
    active = appt.status in ACTIVE
    plan = patient_plan.messages.get(appt.id, [])
    reason = "no longer in the protocol" if active else f"appointment {appt.status}"
    existing = [
        ExistingMessage(
            r.id,
            r.step,
            r.channel,
            "final" if cancelled_by_staff(r) else r.status,
            r.due_at,
            r.expires_at,
            r.status_reason,
        )
        for r in rows
    ]
    changes = reconcile(
        existing, plan, now, frozenset(REPLANNABLE), reason, patient_plan.absent.get(appt.id)
    )
    by_id = {r.id: r for r in rows}
    for planned in changes.insert:
        writes.inserts.append(new_row(appt, planned, now))
    for row_id, planned in changes.update:
        writes.updates.append(changed_row(by_id[row_id], appt, planned, now))
    for row_id, why in changes.cancel:
        writes.cancels[why].append(row_id)
    return PlanCounts(len(changes.insert), len(changes.update), len(changes.cancel))


def replan_current(
    engine: Engine, protocol: Protocol, now: datetime, since: datetime
) -> PlanCounts:
    """Re-plan every patient with an active infusion from `since` on, a chunk a transaction.

    `followup replan`: plans stored under an older protocol, or older rules, follow the
    ones in force now, not only for the patients whose calendar changes next.
    """
    with Session(engine) as session:
        ids = session.exec(
            select(Appointment.patient_id)
            .where(col(Appointment.status).in_(ACTIVE), col(Appointment.start_at) >= since)
            .distinct()
        ).all()
    counts = PlanCounts()
    for chunk in chunks(sorted(ids), PATIENT_CHUNK):
        with Session(engine) as session:
            counts.add(replan_patients(session, chunk, protocol, now))
            session.commit()
    return counts


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
