"""Today: the day's infusions, the Discharged button, and the worklist.

Pressing Discharged stores the moment the patient left and re-plans the patient, so the
steps timed from the end of the infusion (the discharge message, quiet-hours exempt) go
now instead of at the booked end; check-ins are timed from the infusion day and keep
their days. Nobody pressing it changes nothing: the booked end stands.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from followup.core import clock
from followup.db.models import Appointment, InboundMessage, MessageStatus, Patient, ScheduledMessage
from followup.ops.reports import WorkItem, worklist
from followup.planning.scheduling import ACTIVE, replan_patients
from followup.protocol import Protocol
from followup.staff import audit
from followup.web.api.models import Problem
from followup.web.auth import Staff, check_csrf, require_staff
from followup.web.forms import form_fields
from followup.web.params import RowId
from followup.web.sections.common import (
    ClinicClock,
    checked_form,
    flash,
    go_back,
    section_page,
)
from followup.web.sections.inbox import readable_phone

log = logging.getLogger(__name__)

TODAY = "/staff/today"
CONFIRMATION_LABELS = {"confirmed": "confirmed", "call_requested": "call requested"}


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


def discharge(
    engine: Engine, protocol: Protocol, appointment_id: int, actor: str, now: datetime
) -> Discharge:
    """Set `discharged_at` once, re-plan the patient and audit it, in one transaction."""
    with Session(engine) as session:
        appt = session.get(Appointment, appointment_id)
        if appt is None:
            raise AppointmentNotFound(f"no appointment has id {appointment_id}")
        if appt.discharged_at is not None:
            return Discharge(
                appointment_id, appt.discharged_at, True, _after_end(session, appt, protocol)
            )
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
            .values(discharged_at=now, updated_at=now)
        ).rowcount  # type: ignore[attr-defined]
        session.refresh(appt)
        if taken != 1:
            assert appt.discharged_at is not None
            return Discharge(
                appointment_id, appt.discharged_at, True, _after_end(session, appt, protocol)
            )
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
                "moved": counts,
                "messages": [
                    {"id": m.id, "channel": m.channel, "status": m.status, "due_at": m.due_at}
                    for m in messages
                ],
            },
            now,
        )
        session.commit()
    log.info(
        "appointment %d discharged by %s; %d messages re-planned", appointment_id, actor, counts
    )
    return Discharge(appointment_id, now, False, messages)


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


def todays_infusions(engine: Engine, clinic: ClinicClock, now: datetime) -> list[Infusion]:
    """Every appointment starting on the clinic's calendar day, cancelled ones included."""
    start, end = clinic.day(now)
    with Session(engine) as session:
        rows = session.exec(
            select(Appointment, Patient)
            .join(Patient, col(Appointment.patient_id) == Patient.id)
            .where(col(Appointment.start_at) >= start, col(Appointment.start_at) < end)
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
        )
        for a, p in rows
    ]


@dataclass(frozen=True, slots=True)
class Task:
    """A worklist item, with the message to mark handled for a call request."""

    item: WorkItem
    message_id: int | None
    phone: str  # as people in the clinic's country write it


def tasks(engine: Engine, protocol: Protocol, now: datetime) -> list[Task]:
    """`worklist` items; call requests carry their inbound message's id."""
    items = worklist(engine, protocol, now)
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
    """GET today; POST discharged from the page and from the API."""
    router = APIRouter()

    @router.get(TODAY, response_class=HTMLResponse)
    def today_page(request: Request, staff: Staff = Depends(require_staff)) -> HTMLResponse:
        engine: Engine = request.app.state.engine
        protocol: Protocol = request.app.state.protocol
        now = clock.now()
        return section_page(
            request,
            "today.html",
            staff,
            infusions=todays_infusions(engine, ClinicClock(protocol.clinic.tz), now),
            tasks=tasks(engine, protocol, now),
            day_label=f"{ClinicClock(protocol.clinic.tz).day(now)[0]:%A %d %B %Y}",
        )

    @router.post("/staff/appointments/{appointment_id}/discharged", response_model=None)
    async def discharged_page(
        request: Request, appointment_id: RowId, staff: Staff = Depends(require_staff)
    ) -> Response:
        form = await checked_form(request)
        try:
            done = await _discharge(request, appointment_id, staff)
        except AppointmentNotFound as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        except DischargeRefused as exc:
            flash(request, f"Appointment #{appointment_id} not discharged: {exc}.", "error")
            return go_back(form, TODAY)
        flash(request, _summary(done))
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
            done = await _discharge(request, appointment_id, staff)
        except AppointmentNotFound as exc:
            return JSONResponse({"detail": str(exc)}, status_code=404)
        except DischargeRefused as exc:
            return JSONResponse({"detail": f"not discharged: {exc}"}, status_code=409)
        return done.as_out()

    return router


async def _discharge(request: Request, appointment_id: int, staff: Staff) -> Discharge:
    return await run_in_threadpool(
        discharge,
        request.app.state.engine,
        request.app.state.protocol,
        appointment_id,
        staff.email,
        clock.now(),
    )


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")


def _summary(done: Discharge) -> str:
    """What happened, in a line without anything about the patient."""
    if done.already:
        return f"Appointment #{done.appointment_id} was already discharged."
    going = [m.channel for m in done.messages if m.status == MessageStatus.PENDING]
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
