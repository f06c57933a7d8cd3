"""Today: the worklist, the day's infusions, and the Discharged button with its Undo.

Pressing Discharged (after confirming) stores the moment the patient left and re-plans
the patient, so the steps timed from the end of the infusion (the discharge message,
quiet-hours exempt) go then instead of at the booked end; check-ins keep their days.
From this page the message waits `UNDO_WINDOW` so a wrong row can be taken back before
anything is sent (see `followup.web.sections.discharge`). Nobody pressing it changes
nothing: the booked end stands.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import ColumnElement, Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from followup.core import clock
from followup.db.models import Appointment, InboundMessage, MessageStatus, Patient
from followup.ops.reports import WorkItem, worklist
from followup.planning.scheduling import ACTIVE
from followup.protocol import Protocol
from followup.staff.scope import visible_or_all
from followup.web.api.models import Problem
from followup.web.auth import Staff, check_csrf, require_staff
from followup.web.forms import form_fields
from followup.web.params import RowId
from followup.web.patients import patient_href
from followup.web.scales import latest_lines
from followup.web.sections.common import (
    ClinicClock,
    checked_form,
    clinic_clock,
    flash,
    go_back,
    section_page,
)
from followup.web.sections.discharge import (
    UNDO_WINDOW,
    AppointmentNotFound,
    Discharge,
    DischargeMessage,
    DischargeOut,
    DischargeRefused,
    UndoRefused,
    discharge,
    undo_discharge,
)
from followup.web.sections.inbox import readable_phone
from followup.web.visibility import patients_seen, require_seen

TODAY = "/staff/today"
CONFIRMATION_LABELS = {"confirmed": "confirmed", "call_requested": "call requested"}


@dataclass(frozen=True, slots=True)
class Infusion:
    """One of the day's appointments as the Today page shows it."""

    id: int
    start_at: datetime
    end_at: datetime
    patient_id: str
    patient_name: str
    treatment: str
    status: str
    confirmation: str  # confirmed | call requested | not confirmed
    discharged_at: datetime | None
    can_discharge: bool
    started: bool
    undo_until: datetime | None  # set while the discharge can still be undone

    @property
    def href(self) -> str:
        return patient_href(self.patient_id)


def todays_infusions(
    engine: Engine, clinic: ClinicClock, now: datetime, visible: ColumnElement[bool] | None = None
) -> list[Infusion]:
    """Every appointment starting on the clinic's calendar day, cancelled ones included, of
    the patients `visible` lets staff see."""
    start, end = clinic.day(now)
    with Session(engine) as session:
        rows = session.exec(
            select(Appointment, Patient)
            .join(Patient, col(Appointment.patient_id) == Patient.id)
            .where(
                col(Appointment.start_at) >= start,
                col(Appointment.start_at) < end,
                visible_or_all(visible),
            )
            .order_by(col(Appointment.start_at), col(Appointment.id))
        ).all()
    return [
        Infusion(
            id=a.id or 0,
            start_at=a.start_at,
            end_at=a.discharged_at or a.end_at,
            patient_id=p.external_id,
            patient_name=f"{p.first_name} {p.last_name}".strip(),
            treatment=a.treatment,
            status=a.status.replace("_", " "),
            confirmation=CONFIRMATION_LABELS.get(a.confirmation or "", "not confirmed"),
            discharged_at=a.discharged_at,
            can_discharge=a.status in ACTIVE and a.discharged_at is None and a.start_at <= now,
            started=a.start_at <= now,
            undo_until=(
                a.discharge_undo_until
                if a.discharge_undo_until and a.discharge_undo_until > now
                else None
            ),
        )
        for a, p in rows
    ]


@dataclass(frozen=True, slots=True)
class Task:
    """A worklist item, with the message to mark handled for a call request."""

    item: WorkItem
    message_id: int | None
    phone: str  # as people in the clinic's country write it

    @property
    def href(self) -> str:
        return patient_href(self.item.patient_id)


def tasks(
    engine: Engine, protocol: Protocol, now: datetime, visible: ColumnElement[bool] | None = None
) -> list[Task]:
    """`worklist` items; call requests carry their inbound message's id."""
    items = worklist(engine, protocol, now, visible)
    with Session(engine) as session:
        calls = session.exec(
            select(InboundMessage.id, Patient.external_id, InboundMessage.received_at)
            .join(Patient, col(InboundMessage.patient_id) == Patient.id)
            .where(InboundMessage.kind == "call_request", col(InboundMessage.handled_at).is_(None))
        ).all()
    ids: dict[tuple[str, datetime | None], int | None] = {
        (external_id, at): mid for mid, external_id, at in calls
    }
    return [
        Task(
            item,
            ids.get((item.patient_id, item.since)) if item.kind == "call_request" else None,
            readable_phone(item.phone, protocol.clinic.country),
        )
        for item in items
    ]


def today_router() -> APIRouter:
    """GET today; POST discharged (and its undo) from the page, and discharged from the API."""
    router = APIRouter()

    @router.get(TODAY, response_class=HTMLResponse)
    def today_page(
        request: Request,
        location: str = Query("", max_length=40),
        staff: Staff = Depends(require_staff),
    ) -> HTMLResponse:
        engine: Engine = request.app.state.engine
        protocol: Protocol = request.app.state.protocol
        now = clock.now()
        mine = [k for k in protocol.location_keys if staff.scope.allows(protocol, k)]
        # One location of those this person sees, when they choose one; never another's.
        chosen = location if location in mine else ""
        narrowed = replace(staff, locations=frozenset({chosen})) if chosen else staff
        seen = patients_seen(request, narrowed)
        # The day is the chosen location's (else the first one this person sees).
        day = ClinicClock(protocol.clinic_at(chosen or (mine[0] if mine else None)).tz)
        infusions = todays_infusions(engine, day, now, seen)
        work = tasks(engine, protocol, now, seen)
        listed = {i.patient_id for i in infusions} | {t.item.patient_id for t in work}
        return section_page(
            request,
            "today.html",
            staff,
            infusions=infusions,
            tasks=work,
            scales=latest_lines(engine, protocol, listed, now, seen),
            day_label=f"{day.day(now)[0]:%A %d %B %Y}",
            undo_seconds=int(UNDO_WINDOW.total_seconds()),
            locations=[(k, protocol.clinic_at(k).name) for k in mine],
            location=chosen,
            location_name=protocol.clinic_at(chosen).name if chosen else "",
        )

    @router.post("/staff/appointments/{appointment_id}/discharged", response_model=None)
    async def discharged_page(
        request: Request, appointment_id: RowId, staff: Staff = Depends(require_staff)
    ) -> Response:
        form = await checked_form(request)
        await run_in_threadpool(require_seen, request, staff, "appointment", appointment_id)
        try:
            done = await _discharge(request, appointment_id, staff, UNDO_WINDOW)
        except AppointmentNotFound as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        except DischargeRefused as exc:
            flash(request, f"Appointment #{appointment_id} not discharged: {exc}.", "error")
            return go_back(form, TODAY)
        flash(request, _summary(done, clinic_clock(request)))
        return go_back(form, TODAY)

    @router.post("/staff/appointments/{appointment_id}/undo-discharged", response_model=None)
    async def undo_page(
        request: Request, appointment_id: RowId, staff: Staff = Depends(require_staff)
    ) -> Response:
        form = await checked_form(request)
        await run_in_threadpool(require_seen, request, staff, "appointment", appointment_id)
        try:
            await run_in_threadpool(
                undo_discharge,
                request.app.state.engine,
                request.app.state.protocol,
                appointment_id,
                staff.email,
                clock.now(),
            )
        except AppointmentNotFound as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        except UndoRefused as exc:
            flash(request, f"Appointment #{appointment_id}: not undone, {exc}.", "error")
            return go_back(form, TODAY)
        flash(
            request,
            f"Appointment #{appointment_id}: discharge undone; nothing was sent, and the "
            "discharge message waits for the booked end again.",
        )
        return go_back(form, TODAY)

    @router.post(
        "/api/appointments/{appointment_id}/discharged",
        response_model=DischargeOut,
        responses={
            401: {"model": Problem, "description": "No valid session or bearer token."},
            403: {"model": Problem, "description": "A session without the CSRF token."},
            404: {"model": Problem, "description": "No appointment has that id."},
            409: {"model": Problem, "description": "Not discharged: the detail says why."},
        },
    )
    async def discharged_api(
        request: Request, appointment_id: RowId, staff: Staff = Depends(require_staff)
    ) -> DischargeOut | JSONResponse:
        """The Discharged button for clinic tools: a bearer token, or a session plus CSRF."""
        if staff.id is not None:
            # A browser session sends its cookie by itself, so it must prove the page is
            # ours; a bearer token is never sent by a browser on its own.
            check_csrf(request, await form_fields(request) if _is_form(request) else {})
        try:
            await run_in_threadpool(require_seen, request, staff, "appointment", appointment_id)
        except HTTPException as exc:
            return JSONResponse({"detail": exc.detail}, status_code=404)
        try:
            done = await _discharge(request, appointment_id, staff)
        except AppointmentNotFound as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)
        except DischargeRefused as exc:
            return JSONResponse({"detail": f"not discharged: {exc}"}, status_code=409)
        return done.as_out()

    return router


async def _discharge(
    request: Request, appointment_id: int, staff: Staff, undo_window: timedelta = timedelta(0)
) -> Discharge:
    return await run_in_threadpool(
        discharge,
        request.app.state.engine,
        request.app.state.protocol,
        appointment_id,
        staff.email,
        clock.now(),
        undo_window,
    )


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")


def _summary(done: Discharge, at: ClinicClock) -> str:
    """What happened, in a line without anything about the patient."""
    if done.already:
        return f"Appointment #{done.appointment_id} was already discharged."
    going = [m.channel for m in done.messages if m.status == MessageStatus.PENDING]
    if going and done.undo_until:
        return (
            f"Appointment #{done.appointment_id} discharged; the discharge message goes at "
            f"{at.time(done.undo_until)} by {' and '.join(going)}: Undo until then sends nothing."
        )
    if going:
        return (
            f"Appointment #{done.appointment_id} discharged; the discharge message goes now "
            f"by {' and '.join(going)}."
        )
    reasons = sorted({f"{m.channel}: {_why_not(m)}" for m in done.messages})
    why = f" ({'; '.join(reasons)})" if reasons else ""
    return f"Appointment #{done.appointment_id} discharged; no discharge message goes{why}."


def _why_not(message: DischargeMessage) -> str:
    if message.status in {MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.CLAIMED}:
        return "already sent or being sent"
    return message.reason or message.status
