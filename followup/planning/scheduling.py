"""Keep the stored message plan in step with appointments, patients and the protocol.

Planning reads row tuples with Core selects, plans in pure Python (`followup.planning.planner`)
and writes the difference with a few bulk statements per chunk of patients: one
executemany INSERT, one executemany UPDATE and one UPDATE … WHERE id IN (…) per cancel
reason. 100,000 appointments cost a few hundred statements, not a million ORM objects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Row, bindparam, column, insert, table, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from followup.calendar.events import EventStatus
from followup.db.models import REPLANNABLE, Appointment, MessageStatus, Patient, ScheduledMessage
from followup.planning.planner import (
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
# Patients read and planned together: memory stays bounded however many are re-planned.
PATIENT_CHUNK = 500
# Ids in one IN (…) list: far below SQLite's 32,766 and PostgreSQL's 65,535 parameters.
IN_CHUNK = 1000
# Planned rows held before they are written: bounds memory inside a chunk of patients.
WRITE_BATCH = 5000

P = Patient.__table__  # type: ignore[attr-defined]
A = Appointment.__table__  # type: ignore[attr-defined]
M = ScheduledMessage.__table__  # type: ignore[attr-defined]
# What a re-plan may overwrite, so a row a worker claimed (or a person cancelled) after
# it was read is left alone: a compare-and-set on the status and reason it was read with.
_UPDATE = (
    update(M)
    .where(
        M.c.id == bindparam("b_id"),
        M.c.status == bindparam("b_was_status"),
        M.c.status_reason.is_not_distinct_from(
            bindparam("b_was_reason", type_=M.c.status_reason.type)
        ),
    )
    .values(
        status=bindparam("b_status"),
        status_reason=bindparam("b_reason"),
        patient_id=bindparam("b_patient_id"),
        kind=bindparam("b_kind"),
        template=bindparam("b_template"),
        due_at=bindparam("b_due_at"),
        expires_at=bindparam("b_expires_at"),
        not_before=None,  # a new plan starts its own clock; old retries no longer apply
        quiet_hours_exempt=bindparam("b_quiet_hours_exempt"),
        updated_at=bindparam("b_now"),
    )
)
# The datetime columns a new row carries, and the table seen without column types: rows
# reach it with their instants already in the database's form (see `_insert`).
_INSTANTS = ("due_at", "expires_at", "created_at", "updated_at")
_UNTYPED = table(
    M.name,
    *(
        column(name)
        for name in (
            "appointment_id",
            "patient_id",
            "step",
            "kind",
            "template",
            "channel",
            "quiet_hours_exempt",
            "status",
            "status_reason",
            "attempts",
            *_INSTANTS,
        )
    ),
)
# The planner only cancels rows still waiting; one a worker claimed since stays claimed.
_CANCELLABLE = (MessageStatus.PENDING, MessageStatus.SKIPPED)

T = TypeVar("T")


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
FACT_COLUMNS = (
    P.c.timezone,
    P.c.phone,
    P.c.email,
    P.c.sms_consent,
    P.c.email_consent,
    P.c.opted_out_at,
    P.c.sms_unreachable_at,
    P.c.paused_at,
)


def patient_facts(patient: Patient | Row[Any], clinic_tz: ZoneInfo) -> PatientFacts:
    """The planner's view of a patient; no zone on file means the clinic's zone."""
    return PatientFacts(
        timezone=ZoneInfo(patient.timezone) if patient.timezone else clinic_tz,
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
    writes = _Writes(now)
    for chunk in _chunks(ids, PATIENT_CHUNK):
        counts.add(_replan_chunk(session, chunk, protocol, now, writes))
    writes.write(session)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ScheduledMessage):
            session.expire(obj)
    return counts


@dataclass(slots=True)
class _Writes:
    """Planned changes waiting to be written in bulk."""

    now: datetime
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    cancels: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def __len__(self) -> int:
        return len(self.inserts) + len(self.updates) + sum(map(len, self.cancels.values()))

    def write(self, session: Session) -> None:
        """One executemany INSERT, one executemany UPDATE, chunked UPDATEs per cancel reason."""
        if self.inserts:
            _insert(session, self.inserts)
        if self.updates:
            session.execute(_UPDATE, self.updates)
        for reason, row_ids in self.cancels.items():
            for chunk in _chunks(row_ids, IN_CHUNK):
                session.execute(
                    update(M)
                    .where(M.c.id.in_(chunk), M.c.status.in_(_CANCELLABLE))
                    .values(
                        status=MessageStatus.CANCELLED, status_reason=reason, updated_at=self.now
                    )
                )
        self.inserts, self.updates = [], []
        self.cancels.clear()


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    """One executemany INSERT, each distinct instant converted to the database's form once.

    Through the typed table, every datetime of every row goes through UTCDateTime (check
    it is aware, move it to UTC, format it for SQLite): most of a bulk insert's cost. The
    same instants recur (created_at, the check-in hour shared by a day's patients), so
    rows are written through an untyped view of the table after the column type's own
    processor has converted each distinct instant once.
    """
    dialect = session.get_bind().dialect
    # dialect_impl: the type as this database sees it (SQLite's DATETIME formats strings).
    to_db = {
        name: M.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _INSTANTS
    }
    converted: dict[tuple[str, datetime], Any] = {}
    for row in rows:
        for name in _INSTANTS:
            key = (name, row[name])
            if key not in converted:
                process = to_db[name]
                converted[key] = process(row[name]) if process else row[name]
            row[name] = converted[key]
    session.execute(insert(_UNTYPED), rows)


def _replan_chunk(
    session: Session, ids: Sequence[int], protocol: Protocol, now: datetime, writes: _Writes
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
            A.c.status,
            A.c.treatment,
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
            M.c.status,
            M.c.status_reason,
            M.c.due_at,
            M.c.expires_at,
        )
        .join_from(M, A, M.c.appointment_id == A.c.id)
        .where(A.c.patient_id.in_(ids))
    ):
        stored[row.appointment_id].append(row)
    counts = PlanCounts()
    for pid in ids:
        if pid not in patients:
            continue  # deleted meanwhile: nothing of theirs to plan
        facts = patient_facts(patients[pid], protocol.clinic.tz)
        for appt, following in _with_next(appointments[pid]):
            counts.add(_replan_one(appt, following, facts, stored[appt.id], protocol, now, writes))
        if len(writes) >= WRITE_BATCH:
            writes.write(session)
    return counts


def _with_next(appts: list[Row[Any]]) -> list[tuple[Row[Any], datetime | None]]:
    """Pair each appointment with the start of the next active one of the series."""
    starts = [a.start_at for a in appts if a.status in ACTIVE]
    return [(a, next((s for s in starts if s > a.start_at), None)) for a in appts]


def _replan_one(
    appt: Row[Any],
    following: datetime | None,
    patient: PatientFacts,
    rows: list[Row[Any]],
    protocol: Protocol,
    now: datetime,
    writes: _Writes,
) -> PlanCounts:
    facts = AppointmentFacts(
        start=appt.start_at,
        end=appt.discharged_at or appt.end_at,
        treatment=appt.treatment,
        active=appt.status in ACTIVE,
        next_start=following,
    )
    plan = plan_appointment(facts, patient, protocol)
    reason = "no longer in the protocol" if facts.active else f"appointment {appt.status}"
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
    changes = reconcile(existing, plan, now, frozenset(REPLANNABLE), reason)
    by_id = {r.id: r for r in rows}
    for planned in changes.insert:
        writes.inserts.append(_new_row(appt, planned, now))
    for row_id, planned in changes.update:
        writes.updates.append(_changed_row(by_id[row_id], appt, planned, now))
    for row_id, why in changes.cancel:
        writes.cancels[why].append(row_id)
    return PlanCounts(len(changes.insert), len(changes.update), len(changes.cancel))


def _status(planned: PlannedMessage, now: datetime) -> tuple[MessageStatus, str | None]:
    status, reason = target_state(planned, now)
    return MessageStatus(status), reason


def _new_row(appt: Row[Any], planned: PlannedMessage, now: datetime) -> dict[str, Any]:
    status, reason = _status(planned, now)
    return {
        "appointment_id": appt.id,
        "patient_id": appt.patient_id,
        "step": planned.step,
        "kind": planned.kind,
        "template": planned.template,
        "channel": planned.channel,
        "due_at": planned.due_at,
        "expires_at": planned.expires_at,
        "quiet_hours_exempt": planned.quiet_hours_exempt,
        "status": status.value,  # a plain str: the untyped insert passes it as it is
        "status_reason": reason,
        "attempts": 0,
        "created_at": now,
        "updated_at": now,
    }


def _changed_row(
    row: Row[Any], appt: Row[Any], planned: PlannedMessage, now: datetime
) -> dict[str, Any]:
    status, reason = _status(planned, now)
    return {
        "b_id": row.id,
        "b_was_status": row.status,
        "b_was_reason": row.status_reason,
        "b_status": status,
        "b_reason": reason,
        "b_patient_id": appt.patient_id,
        "b_kind": planned.kind,
        "b_template": planned.template,
        "b_due_at": planned.due_at,
        "b_expires_at": planned.expires_at,
        "b_quiet_hours_exempt": planned.quiet_hours_exempt,
        "b_now": now,
    }


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
