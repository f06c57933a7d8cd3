"""Read-only views of the message plan for operators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, case
from sqlmodel import Session, col, select

from followup.db.models import Appointment, InboundMessage, Patient, ScheduledMessage, SymptomReport
from followup.protocol import Protocol
from followup.replies.triage import Level
from followup.staff.scope import visible_or_all


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: int
    due_at: datetime
    patient: str
    step: str
    channel: str
    status: str
    detail: str  # why it did not go, the error, or the provider's id
    body: str | None


def list_messages(
    engine: Engine, *, status: str | None = None, patient: str | None = None, limit: int = 20
) -> list[MessageRow]:
    """The newest messages by due time, optionally one status or one patient."""
    query = select(ScheduledMessage, Patient.external_id).join(
        Patient, col(ScheduledMessage.patient_id) == Patient.id
    )
    if status:
        query = query.where(ScheduledMessage.status == status)
    if patient:
        query = query.where(Patient.external_id == patient)
    query = query.order_by(
        col(ScheduledMessage.due_at).desc(), col(ScheduledMessage.id).desc()
    ).limit(limit)
    with Session(engine) as session:
        return [
            MessageRow(
                id=m.id or 0,
                due_at=m.due_at,
                patient=external_id,
                step=m.step,
                channel=m.channel,
                status=m.status,
                detail=_detail(m),
                body=m.body,
            )
            for m, external_id in session.exec(query)
        ]


def _detail(m: ScheduledMessage) -> str:
    if m.error_code or m.error_text:
        return f"{m.error_code or ''} {m.error_text or ''}".strip()
    return m.status_reason or m.provider_id or ""


@dataclass(frozen=True, slots=True)
class ReportRow:
    patient_id: str
    appointment_start: datetime | None
    survey: str
    question: str
    value: float | None
    text: str | None
    reported_at: datetime
    location: str = "main"  # the patient's, as stored


def symptom_reports(
    engine: Engine, patient: str | None = None, visible: ColumnElement[bool] | None = None
) -> list[ReportRow]:
    """Every symptom report, oldest first, optionally for one patient; of the patients
    `visible` (a staff member's locations) lets them see."""
    query = (
        select(SymptomReport, Patient.external_id, Appointment.start_at, Patient.location)
        .join(Patient, col(SymptomReport.patient_id) == Patient.id)
        .join(Appointment, col(SymptomReport.appointment_id) == Appointment.id, isouter=True)
        .where(visible_or_all(visible))
        .order_by(col(SymptomReport.reported_at), col(SymptomReport.id))
    )
    if patient:
        query = query.where(Patient.external_id == patient)
    with Session(engine) as session:
        return [
            ReportRow(
                external_id, start, r.survey, r.question, r.value, r.text, r.reported_at, where
            )
            for r, external_id, start, where in session.exec(query)
        ]


@dataclass(frozen=True, slots=True)
class WorkItem:
    """Something a person on staff should do: call a patient back, or check an infusion."""

    kind: str  # call_request | unconfirmed
    patient_id: str
    patient_name: str
    phone: str | None
    appointment_start: datetime | None
    since: datetime | None


def worklist(
    engine: Engine, protocol: Protocol, now: datetime, visible: ColumnElement[bool] | None = None
) -> list[WorkItem]:
    """Call-back requests, and infusions starting within the cutoff that nobody confirmed,
    of the patients `visible` lets staff see."""
    cutoff = now + protocol.replies.confirmation_cutoff
    seen = visible_or_all(visible)
    with Session(engine) as session:
        calls = session.exec(
            select(InboundMessage, Patient)
            .join(Patient, col(InboundMessage.patient_id) == Patient.id)
            .where(
                InboundMessage.kind == "call_request",
                col(InboundMessage.handled_at).is_(None),
                seen,
            )
            .order_by(col(InboundMessage.received_at))
        ).all()
        unconfirmed = session.exec(
            select(Appointment, Patient)
            .join(Patient, col(Appointment.patient_id) == Patient.id)
            .where(
                seen,
                Appointment.status == "booked",
                col(Appointment.start_at) > now,
                col(Appointment.start_at) <= cutoff,
                col(Appointment.confirmation).is_(None),
            )
            .order_by(col(Appointment.start_at))
        ).all()
    items = [
        WorkItem("call_request", p.external_id, _name(p), p.phone, None, m.received_at)
        for m, p in calls
    ]
    items += [
        WorkItem("unconfirmed", p.external_id, _name(p), p.phone, a.start_at, None)
        for a, p in unconfirmed
    ]
    return items


def _name(patient: Patient) -> str:
    return f"{patient.first_name} {patient.last_name}".strip()


@dataclass(frozen=True, slots=True)
class InboxRow:
    id: int
    received_at: datetime
    patient: str | None
    kind: str
    urgency: str
    summary: str
    needs_attention: bool
    body: str


def most_urgent_first() -> tuple[Any, ...]:
    """ORDER BY for inbound messages: unhandled ones by urgency (emergency, crisis, urgent,
    needs review, ordinary), then handled ones; newest first within each."""
    rank = case(
        (col(InboundMessage.handled_at).is_not(None), len(Level)),
        *((col(InboundMessage.urgency) == level.value, level.rank) for level in Level),
        else_=Level.ORDINARY.rank,
    )
    return rank, col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc()


def inbox(
    engine: Engine,
    *,
    attention_only: bool = False,
    limit: int = 50,
    visible: ColumnElement[bool] | None = None,
) -> list[InboxRow]:
    """Inbound messages, most urgent first; what the pipeline made of each."""
    query = (
        select(InboundMessage, Patient.external_id)
        .join(Patient, col(InboundMessage.patient_id) == Patient.id, isouter=True)
        .where(visible_or_all(visible))
    )
    if attention_only:
        query = query.where(
            col(InboundMessage.needs_attention), col(InboundMessage.handled_at).is_(None)
        )
    query = query.order_by(*most_urgent_first()).limit(limit)
    with Session(engine) as session:
        return [
            InboxRow(
                m.id or 0,
                m.received_at,
                external_id,
                m.kind,
                m.urgency,
                m.summary or m.processing_error or "",
                m.needs_attention,
                m.body,
            )
            for m, external_id in session.exec(query)
        ]
