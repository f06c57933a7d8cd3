"""Staff pages about patients: the roster, and one patient's whole follow-up on one page.

The patient page puts everything a clinician needs to check on a patient in one place:
their infusions, every message planned or sent (and why one did not go), every reply,
and their mood and pain answers drawn as a chart with the infusions marked.
Times are shown in the clinic's zone, the one staff work in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import Engine, Subquery, func
from sqlmodel import Session, col, select

from followup.core import clock
from followup.db.models import (
    Appointment,
    AppointmentStatus,
    Conversation,
    InboundMessage,
    Patient,
    ReplyMessage,
    ScheduledMessage,
    SymptomReport,
)
from followup.protocol import Protocol
from followup.web.auth import Staff, require_staff
from followup.web.charts import symptom_chart
from followup.web.staff_pages import render_page

__all__ = [
    "CHART_QUESTIONS",
    "PatientRecord",
    "RosterRow",
    "clinic_time",
    "next_infusions",
    "patient_record",
    "patients_router",
    "roster",
]

# The 0-10 scale questions the chart draws; other answers are listed, not plotted.
CHART_QUESTIONS = ("mood", "pain")
# Appointments that did not take place are not infusions on the chart.
_NOT_GIVEN = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


def clinic_time(moment: datetime | None, tz: tzinfo) -> str:
    """A moment as staff read it: Mon 5 Jan 2026 09:00 CST, in the clinic's zone ("" if None)."""
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname() or ''}".strip()


def patient_href(external_id: str) -> str:
    """The patient page's path; the id is quoted whole, as clinics choose their own ids."""
    return f"/staff/patients/{quote(external_id, safe='')}"


def full_name(patient: Patient) -> str:
    return f"{patient.first_name} {patient.last_name}".strip() or patient.external_id


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One patient on the roster, with what decides whether messages reach them."""

    patient: Patient
    next_infusion_at: datetime | None

    @property
    def href(self) -> str:
        return patient_href(self.patient.external_id)

    @property
    def name(self) -> str:
        return full_name(self.patient)


def next_infusions(now: datetime) -> Subquery:
    """A subquery of (patient_id, next_at): each patient's next booked infusion from `now`."""
    return (
        select(
            col(Appointment.patient_id).label("patient_id"),
            func.min(Appointment.start_at).label("next_at"),
        )
        .where(Appointment.status == AppointmentStatus.BOOKED, col(Appointment.start_at) >= now)
        .group_by(col(Appointment.patient_id))
        .subquery()
    )


def roster(engine: Engine, now: datetime) -> list[RosterRow]:
    """Every patient by last name, with their next booked infusion from `now` on."""
    upcoming = next_infusions(now)
    query = (
        select(Patient, upcoming.c.next_at)
        .join(upcoming, col(Patient.id) == upcoming.c.patient_id, isouter=True)
        .order_by(col(Patient.last_name), col(Patient.first_name), col(Patient.external_id))
    )
    with Session(engine) as session:
        return [RosterRow(patient, next_at) for patient, next_at in session.exec(query)]


@dataclass(frozen=True, slots=True)
class ReplyRow:
    """A patient's SMS and, if we answered it, our answer."""

    inbound: InboundMessage
    answer: ReplyMessage | None


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """Everything the patient page shows about one patient."""

    patient: Patient
    appointments: list[Appointment]
    messages: list[ScheduledMessage]
    replies: list[ReplyRow]
    reports: list[SymptomReport]
    surveys: list[Conversation]

    def chart_points(self) -> list[tuple[datetime, str, float]]:
        """The mood and pain scores, as the chart takes them."""
        return [
            (r.reported_at, r.question, r.value)
            for r in self.reports
            if r.question in CHART_QUESTIONS and r.value is not None
        ]

    def chart_infusions(self, now: datetime) -> list[datetime]:
        """Infusions given so far; future ones would only stretch the time axis."""
        return [
            a.start_at
            for a in self.appointments
            if a.status not in _NOT_GIVEN and a.start_at <= now
        ]


def patient_record(engine: Engine, external_id: str) -> PatientRecord | None:
    """One patient's infusions, messages, replies and answers, oldest first; None if unknown."""
    with Session(engine) as session:
        patient = session.exec(select(Patient).where(Patient.external_id == external_id)).first()
        if patient is None or patient.id is None:
            return None
        pid = patient.id
        appointments = session.exec(
            select(Appointment)
            .where(Appointment.patient_id == pid)
            .order_by(col(Appointment.start_at), col(Appointment.id))
        ).all()
        messages = session.exec(
            select(ScheduledMessage)
            .where(ScheduledMessage.patient_id == pid)
            .order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
        ).all()
        replies = session.exec(
            select(InboundMessage, ReplyMessage)
            .join(
                ReplyMessage,
                col(ReplyMessage.inbound_message_id) == InboundMessage.id,
                isouter=True,
            )
            .where(InboundMessage.patient_id == pid)
            .order_by(col(InboundMessage.received_at), col(InboundMessage.id))
        ).all()
        reports = session.exec(
            select(SymptomReport)
            .where(SymptomReport.patient_id == pid)
            .order_by(col(SymptomReport.reported_at), col(SymptomReport.id))
        ).all()
        surveys = session.exec(
            select(Conversation)
            .where(Conversation.patient_id == pid)
            .order_by(col(Conversation.started_at), col(Conversation.id))
        ).all()
        return PatientRecord(
            patient,
            list(appointments),
            list(messages),
            [ReplyRow(inbound, answer) for inbound, answer in replies],
            list(reports),
            list(surveys),
        )


def series_place(appointment: Appointment) -> str:
    """ "3 of 6", and "last" for the one the full follow-up runs after ("" if none)."""
    if appointment.series_number is None or appointment.series_size is None:
        return ""
    place = f"{appointment.series_number} of {appointment.series_size}"
    return f"{place}, last" if appointment.series_number == appointment.series_size else place


def survey_state(conversation: Conversation, now: datetime) -> str:
    """How a check-in survey stands: waiting, ended, or why it ended without its answers."""
    if conversation.ended_at is None:
        return "waiting for a reply" if conversation.expires_at > now else "expired"
    return conversation.ended_reason or "ended"


def delivery_detail(message: ScheduledMessage) -> str:
    """Why a message is in its state: the provider's error, or the planner's reason."""
    if message.error_code or message.error_text:
        return f"{message.error_code or ''} {message.error_text or ''}".strip()
    return message.status_reason or ""


def patients_router() -> APIRouter:
    """GET /staff/patients (the roster) and GET /staff/patients/{external_id}."""
    router = APIRouter(prefix="/staff")

    @router.get("/patients", response_class=HTMLResponse)
    def roster_page(request: Request, staff: Staff = Depends(require_staff)) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        rows = roster(request.app.state.engine, clock.now())
        return render_page(
            request,
            "patients.html",
            staff,
            rows=rows,
            clinic_tz=protocol.clinic.timezone,
            when=partial(clinic_time, tz=protocol.clinic.tz),
        )

    @router.get("/patients/{external_id}", response_class=HTMLResponse)
    def patient_page(
        request: Request, external_id: str, staff: Staff = Depends(require_staff)
    ) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        tz = protocol.clinic.tz
        when = partial(clinic_time, tz=tz)
        record = patient_record(request.app.state.engine, external_id)
        if record is None:
            return render_page(
                request,
                "patient.html",
                staff,
                404,
                record=None,
                external_id=external_id,
                clinic_tz=protocol.clinic.timezone,
                when=when,
            )
        # charts.py escapes every text it draws, so its SVG can go into the page as markup.
        chart = Markup(
            symptom_chart(record.chart_points(), record.chart_infusions(clock.now()), tz)
        )
        return render_page(
            request,
            "patient.html",
            staff,
            record=record,
            patient=record.patient,
            patient_name=full_name(record.patient),
            external_id=external_id,
            clinic_tz=protocol.clinic.timezone,
            when=when,
            chart=chart,
            detail=delivery_detail,
            series=series_place,
            survey_state=partial(survey_state, now=clock.now()),
        )

    return router
