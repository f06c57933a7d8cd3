"""Staff pages about patients: the roster with its search, and one patient's page.

The roster is searched by name, id or phone number and read a page at a time. The
patient page puts what needs a person first (open alerts, the latest replies), then the
chart of mood and pain with the infusions marked, the rating scales
(`followup.web.scales`), then the infusions and a page of the message history
(`followup.web.patient_record`). Times are in the clinic's zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import partial
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy import ColumnElement, Engine, Subquery, func, or_
from sqlmodel import Session, col, select

from followup.consent.records import LABELS, Source
from followup.core import clock
from followup.core.phones import InvalidPhone, to_e164
from followup.db.models import (
    Appointment,
    AppointmentStatus,
    Conversation,
    MessageStatus,
    Patient,
    ScheduledMessage,
)
from followup.protocol import Protocol
from followup.staff.scope import visible_or_all
from followup.web.auth import Staff, require_staff
from followup.web.charts import symptom_chart
from followup.web.notices import take_flash
from followup.web.patient_record import MessageFilter, chart_thresholds, patient_record
from followup.web.scale_chart import scale_chart
from followup.web.scale_series import (
    crisis_answers,
    item_answers,
    result_text,
    short_day,
    signed,
)
from followup.web.scales import patient_scales
from followup.web.staff_pages import render_page

__all__ = [
    "ROSTER_PAGE",
    "RosterPage",
    "RosterRow",
    "clinic_time",
    "next_infusions",
    "patient_href",
    "patients_router",
    "roster",
    "search_terms",
]

ROSTER_PAGE = 50


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


@dataclass(frozen=True, slots=True)
class RosterPage:
    """One page of the roster as a search found it."""

    rows: list[RosterRow]
    total: int  # patients matching the search
    page: int
    search: str

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // ROSTER_PAGE))

    def href(self, page: int) -> str:
        """The link to another page of the same search."""
        query = urlencode([(k, v) for k, v in (("q", self.search), ("page", str(page))) if v])
        return f"/staff/patients?{query}"


def search_terms(search: str, country: str) -> list[ColumnElement[bool]]:
    """WHERE terms for a roster search: a phone number in any common format, or words.

    A number is read as E.164 in the clinic's country ("(402) 555-0134", "402.555.0134",
    "+1 402 555 0134" all find one patient); a shorter run of digits matches anywhere in
    the number (the last four, say). Otherwise each word must be in the first or last
    name or the id, ignoring case.
    """
    text = search.strip()
    if not text:
        return []
    digits = re.sub(r"\D", "", text)
    if digits and re.fullmatch(r"[\d\s().+\-/]+", text):
        try:
            return [col(Patient.phone) == to_e164(text, country)]
        except InvalidPhone:
            return [col(Patient.phone).contains(digits, autoescape=True)]
    terms: list[ColumnElement[bool]] = []
    for word in text.lower().split()[:5]:
        terms.append(
            or_(
                *(
                    func.lower(column).contains(word, autoescape=True)
                    for column in (Patient.first_name, Patient.last_name, Patient.external_id)
                )
            )
        )
    return terms


def roster(
    engine: Engine,
    now: datetime,
    search: str = "",
    page: int = 1,
    country: str = "US",
    visible: ColumnElement[bool] | None = None,
) -> RosterPage:
    """A page of the patients a search finds (of those `visible` lets staff see), by last
    name, with their next booked infusion.

    Only the page's rows are read, and the next infusion only for them.
    """
    terms = [*search_terms(search, country), visible_or_all(visible)]
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(Patient).where(*terms)).one()
        page = min(max(1, page), max(1, -(-total // ROSTER_PAGE)))
        patients = session.exec(
            select(Patient)
            .where(*terms)
            .order_by(col(Patient.last_name), col(Patient.first_name), col(Patient.external_id))
            .offset((page - 1) * ROSTER_PAGE)
            .limit(ROSTER_PAGE)
        ).all()
        ids = [p.id for p in patients]
        nexts = dict(
            session.exec(
                select(col(Appointment.patient_id), func.min(Appointment.start_at))
                .where(
                    col(Appointment.patient_id).in_(ids),
                    Appointment.status == AppointmentStatus.BOOKED,
                    col(Appointment.start_at) >= now,
                )
                .group_by(col(Appointment.patient_id))
            ).all()
        )
    rows = [RosterRow(p, nexts.get(p.id or 0)) for p in patients]
    return RosterPage(rows, total, page, search.strip())


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


def consent_how(source: str, given: bool) -> tuple[str, str]:
    """A consent record in staff's words: its state and how it came about. A roster's or
    the old columns' "no" is no consent on file, not something the patient revoked."""
    how = LABELS[Source(source)] if source in set(Source) else source
    if given:
        return "given", how
    return ("no consent" if source in (Source.ROSTER, Source.MIGRATION) else "revoked"), how


def survey_name(protocol: Protocol, key: str) -> str:
    """A conversation's survey as staff know it: "PHQ-9, GAD-7" rather than "phq9+gad7"."""
    scales = protocol.instrument_sequence(key)
    return ", ".join(instrument.name for _key, instrument in scales) if scales else key


def delivery_detail(message: ScheduledMessage) -> str:
    """Why a message is in its state: the provider's error, or the planner's reason."""
    if message.error_code or message.error_text:
        return f"{message.error_code or ''} {message.error_text or ''}".strip()
    return message.status_reason or ""


def patients_router() -> APIRouter:
    """GET /staff/patients (the roster, searched and paged) and GET /staff/patients/{id}."""
    router = APIRouter(prefix="/staff")

    @router.get("/patients", response_class=HTMLResponse)
    def roster_page(
        request: Request,
        q: str = Query("", max_length=100),
        page: int = Query(1, ge=1, le=100_000),
        staff: Staff = Depends(require_staff),
    ) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        visible = staff.scope.clause(protocol, Patient.location)
        found = roster(
            request.app.state.engine, clock.now(), q, page, protocol.clinic.country, visible
        )
        return render_page(
            request,
            "patients.html",
            staff,
            found=found,
            rows=found.rows,
            clinic_tz=protocol.clinic.timezone,
            when=partial(clinic_time, tz=protocol.clinic.tz),
        )

    @router.get("/patients/{external_id}", response_class=HTMLResponse)
    def patient_page(
        request: Request,
        external_id: str,
        status: str = Query("", max_length=16),
        channel: str = Query("", max_length=8),
        step: str = Query("", max_length=64),
        page: int = Query(1, ge=1, le=100_000),
        staff: Staff = Depends(require_staff),
    ) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        tz = protocol.clinic.tz
        when = partial(clinic_time, tz=tz)
        wanted = MessageFilter.parse(status, channel, step, page)
        visible = staff.scope.clause(protocol, Patient.location)
        # Another location's patient reads as no patient at all: a 404, never a 403.
        record = patient_record(request.app.state.engine, external_id, wanted, visible)
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
        now = clock.now()
        infusions = record.chart_infusions(now)
        # The charts escape every text they draw, so their SVG can go in as markup.
        chart = Markup(
            symptom_chart(
                record.chart_points(), infusions, tz, thresholds=chart_thresholds(protocol)
            )
        )
        scales = [
            (scores, Markup(scale_chart(scores, infusions, tz)))
            for scores in patient_scales(
                request.app.state.engine, protocol, record.patient.id or 0, now
            )
        ]
        return render_page(
            request,
            "patient.html",
            staff,
            record=record,
            patient=record.patient,
            patient_name=full_name(record.patient),
            href=patient_href(external_id),
            external_id=external_id,
            clinic_tz=protocol.clinic.timezone,
            when=when,
            chart=chart,
            scales=scales,
            scale_result=result_text,
            scale_answers=item_answers,
            scale_crisis=crisis_answers,
            scale_day=partial(short_day, tz=tz, with_year=True),
            signed=signed,
            detail=delivery_detail,
            series=series_place,
            survey_state=partial(survey_state, now=now),
            survey_name=partial(survey_name, protocol),
            statuses=[s.value for s in MessageStatus],
            consent_how=consent_how,
            notice=take_flash(request),
        )

    return router
