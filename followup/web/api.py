"""The JSON API for clinic tools (`/api/...`), and the admin page that issues its tokens.

Callers authenticate in one of two ways, both through `require_staff`:

* a bearer token (`Authorization: Bearer fu_...`), made on /staff/tokens by an admin. Tokens
  read everything here and acknowledge alerts; they never administer.
* a signed-in staff session (the cookie), so the staff pages' own scripts or a person
  exploring the API in the browser can use it too.

CSRF: a cookie is attached by the browser on its own, even to a request another site's page
makes, so the one state-changing call (acknowledging an alert) made with a *session* must
carry the session's CSRF token in the `X-CSRF-Token` header. A bearer token is never sent
by the browser on its own (no cookie is involved and another site cannot know it), so
requests authenticated by a token need no CSRF token.

Lists are pages: `{"items": [...], "total": n, "limit": l, "offset": o}`, `limit` at most
500. Patients come by external id, alerts open and critical first, everything else oldest
first, so rows added meanwhile land at the end and do not shift pages already read.
Datetimes are ISO 8601 in UTC (`...Z`); unknown ids are a 404 whose detail names them.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import Engine, SelectBase, func
from sqlmodel import Session, col, select

from followup import clock
from followup.alerts import AlertNotFound, AlertView, acknowledge, list_alerts
from followup.db.models import (
    ApiToken,
    Appointment,
    AppointmentStatus,
    InboundMessage,
    MessageStatus,
    Patient,
    ReplyMessage,
    ScheduledMessage,
    SymptomReport,
    SyncRun,
)
from followup.protocol import Protocol
from followup.staff import StaffError, audit, create_token, revoke_token
from followup.web.auth import Staff, check_csrf, require_admin, require_staff
from followup.web.forms import form_fields
from followup.web.patients import clinic_time, next_infusions
from followup.web.staff_pages import render_page

__all__ = [
    "MAX_LIMIT",
    "api_router",
    "token_pages_router",
    "via_bearer_token",
]

MAX_LIMIT = 500
DEFAULT_LIMIT = 100
TOKEN_NAME_MAX = 100

ItemT = TypeVar("ItemT")


# -- Response and request models: they are also the OpenAPI document's schemas. ---------


class Problem(BaseModel):
    """An error: what went wrong, in words."""

    detail: str


class Page(BaseModel, Generic[ItemT]):
    """One page of a list."""

    items: list[ItemT]
    total: int = Field(description="How many rows match, over all pages.")
    limit: int
    offset: int


class PatientOut(BaseModel):
    """A patient, with what decides whether messages reach them."""

    external_id: str = Field(description="The clinic's own patient id.")
    first_name: str
    last_name: str
    phone: str | None = Field(description="E.164, e.g. +14025550134.")
    email: str | None
    language: str
    timezone: str | None = Field(description="IANA zone; null means the clinic's.")
    sms_consent: bool
    email_consent: bool
    opted_out_at: datetime | None = Field(description="Set when the patient replied STOP.")
    sms_unreachable_at: datetime | None
    sms_unreachable_reason: str | None
    paused_at: datetime | None = Field(
        description="Set while a crisis alert about the patient is open."
    )
    next_infusion_at: datetime | None = Field(description="Start of the next booked infusion.")
    created_at: datetime
    updated_at: datetime


class AppointmentOut(BaseModel):
    """One infusion appointment."""

    id: int
    patient_id: str = Field(description="The patient's external id.")
    start_at: datetime
    end_at: datetime
    status: AppointmentStatus
    treatment: str
    confirmation: str | None = Field(description="confirmed | call_requested, or null.")
    confirmation_at: datetime | None
    discharged_at: datetime | None
    source: str = Field(description="The calendar file or feed the appointment came from.")


class MessageOut(BaseModel):
    """A message planned for, or sent to, a patient."""

    id: int
    patient_id: str = Field(description="The patient's external id.")
    appointment_id: int
    step: str
    kind: str
    template: str
    channel: str
    due_at: datetime
    not_before: datetime | None
    expires_at: datetime | None
    status: MessageStatus
    status_reason: str | None = Field(description="Why it was skipped, cancelled, expired.")
    attempts: int
    provider_id: str | None
    error_code: str | None
    error_text: str | None
    sent_at: datetime | None
    body: str | None = Field(description="The text as sent; null until it is rendered.")


class AnswerOut(BaseModel):
    """Our SMS answer to a reply."""

    kind: str
    body: str
    status: str
    error_code: str | None
    created_at: datetime


class ReplyOut(BaseModel):
    """An SMS received from a patient (or an unknown number), and what was made of it."""

    id: int
    patient_id: str | None = Field(description="The patient's external id; null if unknown.")
    from_number: str
    body: str
    received_at: datetime
    kind: str
    summary: str | None
    needs_attention: bool
    processing_error: str | None
    handled_at: datetime | None
    handled_by: str | None
    answer: AnswerOut | None


class ReportOut(BaseModel):
    """One answer to one check-in question."""

    id: int
    patient_id: str = Field(description="The patient's external id.")
    appointment_id: int | None
    survey: str
    question: str
    value: float | None = Field(description="The score, for scale questions.")
    text: str | None
    reported_at: datetime


class AlertOut(BaseModel):
    """An alert raised by a reply, and whether somebody took it."""

    id: int
    severity: str = Field(description="emergency | critical | urgent | high, most urgent first")
    reason: str
    created_at: datetime
    patient_id: str | None
    patient_name: str
    patient_phone: str | None
    escalation_level: int
    reply_error: str | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class SyncRunOut(BaseModel):
    """One sync of one calendar source."""

    id: int
    source: str = Field(
        description="A file as kind:name (ics:room.ics); a feed as feed:<host>/<hash>."
    )
    started_at: datetime
    finished_at: datetime
    status: str = Field(description="ok | not_modified | empty | failed")
    http_status: int | None = Field(description="A feed's HTTP status; null for files.")
    created: int
    updated: int
    cancelled: int
    absent: int = Field(description="Booked appointments missing, not yet cancelled.")
    rejected: int = Field(description="Events that could not be used (unmatched, invalid).")
    error: str | None = Field(description="Why a failed sync failed, in one line.")


class AcknowledgeIn(BaseModel):
    """The body of an acknowledgement; it may be empty."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000, description="What was done.")


# -- Helpers ----------------------------------------------------------------------------


def via_bearer_token(staff: Staff) -> bool:
    """True when `require_staff` accepted a bearer token rather than a session.

    Only tokens act without an account: `require_staff` returns id None and the owner
    "token:<name>" for them, and a request with a bad token is refused, never sent on to
    the session.
    """
    return staff.id is None and staff.email.startswith("token:")


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most {MAX_LIMIT}.")]
Offset = Annotated[int, Query(ge=0)]
PatientFilter = Annotated[str | None, Query(description="Only this patient (external id).")]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _patient_pk(session: Session, external_id: str) -> int:
    """The database id of a patient, or a 404 naming the id asked for."""
    pk = session.exec(select(Patient.id).where(Patient.external_id == external_id)).first()
    if pk is None:
        raise HTTPException(status_code=404, detail=f"no patient has id {external_id!r}")
    return pk


def _count(session: Session, query: SelectBase) -> int:
    """How many rows a query matches, before paging."""
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    return int(total)


def _patient_out(patient: Patient, next_at: datetime | None) -> PatientOut:
    return PatientOut(
        external_id=patient.external_id,
        first_name=patient.first_name,
        last_name=patient.last_name,
        phone=patient.phone,
        email=patient.email,
        language=patient.language,
        timezone=patient.timezone,
        sms_consent=patient.sms_consent,
        email_consent=patient.email_consent,
        opted_out_at=patient.opted_out_at,
        sms_unreachable_at=patient.sms_unreachable_at,
        sms_unreachable_reason=patient.sms_unreachable_reason,
        paused_at=patient.paused_at,
        next_infusion_at=next_at,
        created_at=patient.created_at,
        updated_at=patient.updated_at,
    )


def _alert_out(view: AlertView) -> AlertOut:
    return AlertOut(
        id=view.id,
        severity=view.severity,
        reason=view.reason,
        created_at=view.created_at,
        patient_id=view.patient_id,
        patient_name=view.patient_name,
        patient_phone=view.patient_phone,
        escalation_level=view.escalation_level,
        reply_error=view.reply_error,
        acknowledged_at=view.acknowledged_at,
        acknowledged_by=view.acknowledged_by,
    )


# -- The API ----------------------------------------------------------------------------


def api_router() -> APIRouter:
    """Read-only views of patients, appointments, messages, replies, reports and alerts,
    and acknowledging an alert."""
    router = APIRouter(
        prefix="/api",
        tags=["api"],
        # On the router as well as on each route, so a route added later cannot forget it.
        dependencies=[Depends(require_staff)],
        responses={401: {"model": Problem, "description": "No valid session or bearer token."}},
    )

    @router.get("/patients")
    def patients(
        request: Request, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
    ) -> Page[PatientOut]:
        """Every patient, by external id, with their next booked infusion."""
        upcoming = next_infusions(clock.now())
        query = (
            select(Patient, upcoming.c.next_at)
            .join(upcoming, col(Patient.id) == upcoming.c.patient_id, isouter=True)
            .order_by(col(Patient.external_id))
        )
        with Session(_engine(request)) as session:
            total = _count(session, select(Patient.id))
            rows = session.exec(query.limit(limit).offset(offset)).all()
        items = [_patient_out(p, next_at) for p, next_at in rows]
        return Page[PatientOut](items=items, total=total, limit=limit, offset=offset)

    @router.get("/patients/{external_id}", responses=_NOT_FOUND)
    def patient(request: Request, external_id: str) -> PatientOut:
        """One patient by the clinic's id."""
        upcoming = next_infusions(clock.now())
        with Session(_engine(request)) as session:
            row = session.exec(
                select(Patient, upcoming.c.next_at)
                .join(upcoming, col(Patient.id) == upcoming.c.patient_id, isouter=True)
                .where(Patient.external_id == external_id)
            ).first()
        if row is None:
            raise HTTPException(status_code=404, detail=f"no patient has id {external_id!r}")
        return _patient_out(row[0], row[1])

    @router.get("/appointments", responses=_NOT_FOUND)
    def appointments(
        request: Request,
        patient: PatientFilter = None,
        start_from: Annotated[
            AwareDatetime | None,
            Query(alias="from", description="Starting at or after (ISO 8601 with a zone)."),
        ] = None,
        start_to: Annotated[
            AwareDatetime | None,
            Query(alias="to", description="Starting before (ISO 8601 with a zone)."),
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Page[AppointmentOut]:
        """Appointments by start time, optionally one patient's and within [from, to)."""
        query = select(Appointment, Patient.external_id).join(
            Patient, col(Appointment.patient_id) == Patient.id
        )
        with Session(_engine(request)) as session:
            if patient is not None:
                query = query.where(Appointment.patient_id == _patient_pk(session, patient))
            if start_from is not None:
                query = query.where(col(Appointment.start_at) >= start_from)
            if start_to is not None:
                query = query.where(col(Appointment.start_at) < start_to)
            total = _count(session, query)
            rows = session.exec(
                query.order_by(col(Appointment.start_at), col(Appointment.id))
                .limit(limit)
                .offset(offset)
            ).all()
        items = [
            AppointmentOut(
                id=a.id or 0,
                patient_id=external_id,
                start_at=a.start_at,
                end_at=a.end_at,
                status=a.status,
                treatment=a.treatment,
                confirmation=a.confirmation,
                confirmation_at=a.confirmation_at,
                discharged_at=a.discharged_at,
                source=a.source,
            )
            for a, external_id in rows
        ]
        return Page[AppointmentOut](items=items, total=total, limit=limit, offset=offset)

    @router.get("/messages", responses=_NOT_FOUND)
    def messages(
        request: Request,
        status: Annotated[MessageStatus | None, Query(description="Only this status.")] = None,
        patient: PatientFilter = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Page[MessageOut]:
        """Planned and sent messages by due time, optionally one status or one patient."""
        query = select(ScheduledMessage, Patient.external_id).join(
            Patient, col(ScheduledMessage.patient_id) == Patient.id
        )
        with Session(_engine(request)) as session:
            if patient is not None:
                query = query.where(ScheduledMessage.patient_id == _patient_pk(session, patient))
            if status is not None:
                query = query.where(ScheduledMessage.status == status)
            total = _count(session, query)
            rows = session.exec(
                query.order_by(col(ScheduledMessage.due_at), col(ScheduledMessage.id))
                .limit(limit)
                .offset(offset)
            ).all()
        items = [
            MessageOut(
                id=m.id or 0,
                patient_id=external_id,
                appointment_id=m.appointment_id,
                step=m.step,
                kind=m.kind,
                template=m.template,
                channel=m.channel,
                due_at=m.due_at,
                not_before=m.not_before,
                expires_at=m.expires_at,
                status=m.status,
                status_reason=m.status_reason,
                attempts=m.attempts,
                provider_id=m.provider_id,
                error_code=m.error_code,
                error_text=m.error_text,
                sent_at=m.sent_at,
                body=m.body,
            )
            for m, external_id in rows
        ]
        return Page[MessageOut](items=items, total=total, limit=limit, offset=offset)

    @router.get("/replies", responses=_NOT_FOUND)
    def replies(
        request: Request,
        patient: PatientFilter = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Page[ReplyOut]:
        """SMS received, by arrival, with what the pipeline made of each and our answer."""
        query = (
            select(InboundMessage, Patient.external_id, ReplyMessage)
            .join(Patient, col(InboundMessage.patient_id) == Patient.id, isouter=True)
            .join(
                ReplyMessage,
                col(ReplyMessage.inbound_message_id) == InboundMessage.id,
                isouter=True,
            )
        )
        with Session(_engine(request)) as session:
            if patient is not None:
                query = query.where(InboundMessage.patient_id == _patient_pk(session, patient))
            total = _count(session, query)
            rows = session.exec(
                query.order_by(col(InboundMessage.received_at), col(InboundMessage.id))
                .limit(limit)
                .offset(offset)
            ).all()
        items = [
            ReplyOut(
                id=m.id or 0,
                patient_id=external_id,
                from_number=m.from_number,
                body=m.body,
                received_at=m.received_at,
                kind=m.kind,
                summary=m.summary,
                needs_attention=m.needs_attention,
                processing_error=m.processing_error,
                handled_at=m.handled_at,
                handled_by=m.handled_by,
                answer=(
                    AnswerOut(
                        kind=answer.kind,
                        body=answer.body,
                        status=answer.status,
                        error_code=answer.error_code,
                        created_at=answer.created_at,
                    )
                    if answer is not None
                    else None
                ),
            )
            for m, external_id, answer in rows
        ]
        return Page[ReplyOut](items=items, total=total, limit=limit, offset=offset)

    @router.get("/reports", responses=_NOT_FOUND)
    def reports(
        request: Request,
        patient: PatientFilter = None,
        question: Annotated[str | None, Query(description="Only this question, e.g. mood.")] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Page[ReportOut]:
        """Check-in answers (symptom reports) by time, optionally one patient or question."""
        query = select(SymptomReport, Patient.external_id).join(
            Patient, col(SymptomReport.patient_id) == Patient.id
        )
        with Session(_engine(request)) as session:
            if patient is not None:
                query = query.where(SymptomReport.patient_id == _patient_pk(session, patient))
            if question is not None:
                query = query.where(SymptomReport.question == question)
            total = _count(session, query)
            rows = session.exec(
                query.order_by(col(SymptomReport.reported_at), col(SymptomReport.id))
                .limit(limit)
                .offset(offset)
            ).all()
        items = [
            ReportOut(
                id=r.id or 0,
                patient_id=external_id,
                appointment_id=r.appointment_id,
                survey=r.survey,
                question=r.question,
                value=r.value,
                text=r.text,
                reported_at=r.reported_at,
            )
            for r, external_id in rows
        ]
        return Page[ReportOut](items=items, total=total, limit=limit, offset=offset)

    @router.get("/syncs")
    def syncs(
        request: Request,
        source: Annotated[str | None, Query(description="Only this source.")] = None,
        status: Annotated[str | None, Query(description="Only this status, e.g. failed.")] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Page[SyncRunOut]:
        """Calendar syncs, oldest first, optionally one source's or one status."""
        query = select(SyncRun)
        if source is not None:
            query = query.where(SyncRun.source == source)
        if status is not None:
            query = query.where(SyncRun.status == status)
        with Session(_engine(request)) as session:
            total = _count(session, query)
            rows = session.exec(query.order_by(col(SyncRun.id)).limit(limit).offset(offset)).all()
        items = [SyncRunOut.model_validate(r, from_attributes=True) for r in rows]
        return Page[SyncRunOut](items=items, total=total, limit=limit, offset=offset)

    @router.get("/alerts")
    def alerts(
        request: Request,
        include_acknowledged: Annotated[
            bool, Query(alias="all", description="Include acknowledged alerts.")
        ] = False,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
    ) -> Page[AlertOut]:
        """Open alerts (all with `?all=true`): open first, critical on top, newest first."""
        # Alerts are few (each one pages a person), so the whole list is sorted in Python
        # by the same rule the staff pages use, then cut into a page.
        views = list_alerts(_engine(request), include_acknowledged=include_acknowledged)
        items = [_alert_out(v) for v in views[offset : offset + limit]]
        return Page[AlertOut](items=items, total=len(views), limit=limit, offset=offset)

    @router.post("/alerts/{alert_id}/acknowledge", responses=_NOT_FOUND)
    def acknowledge_alert(
        request: Request,
        alert_id: int,
        body: AcknowledgeIn | None = None,
        staff: Staff = Depends(require_staff),
    ) -> AlertOut:
        """Take an alert: stops the paging and, for a patient's last crisis alert, lifts the
        pause on their messages. Acknowledging a taken alert changes nothing and returns it.

        With a session cookie, send the session's CSRF token in `X-CSRF-Token`; with a
        bearer token, no CSRF token is needed.
        """
        if not via_bearer_token(staff):
            # The browser attaches the session cookie by itself, even to a request another
            # site's page makes: prove this one came from our own pages.
            check_csrf(request, {})
        # else: the bearer token is itself the proof; a browser never sends one on its own.
        engine = _engine(request)
        note = body.note if body is not None else None
        now = clock.now()
        try:
            view = acknowledge(engine, alert_id, staff.email, note, now)
        except AlertNotFound:
            raise HTTPException(status_code=404, detail=f"no alert has id {alert_id}") from None
        # acknowledge() is idempotent; only the call that took the alert is audited.
        if view.acknowledged_at == now and view.acknowledged_by == staff.email:
            with Session(engine) as session:
                audit(
                    session,
                    staff.email,
                    "alert.acknowledge",
                    "alert",
                    alert_id,
                    {"acknowledged": False},
                    {"acknowledged": True, "note": note, "via": "api"},
                    now,
                )
                session.commit()
        return _alert_out(view)

    return router


# -- The tokens page --------------------------------------------------------------------


def _token_rows(engine: Engine) -> list[ApiToken]:
    with Session(engine) as session:
        return list(session.exec(select(ApiToken).order_by(col(ApiToken.id).desc())).all())


def _tokens_page(
    request: Request,
    staff: Staff,
    status_code: int = 200,
    *,
    new_token: str | None = None,
    new_name: str = "",
    error: str | None = None,
) -> HTMLResponse:
    protocol: Protocol = request.app.state.protocol
    tz = protocol.clinic.tz
    response = render_page(
        request,
        "tokens.html",
        staff,
        status_code,
        tokens=_token_rows(request.app.state.engine),
        new_token=new_token,
        new_name=new_name,
        error=error,
        clinic_tz=protocol.clinic.timezone,
        when=partial(clinic_time, tz=tz),
    )
    if new_token is not None:
        # The one page that ever shows the token: keep it out of every cache.
        response.headers["Cache-Control"] = "no-store"
    return response


def token_pages_router() -> APIRouter:
    """Admins list, create and revoke API tokens at /staff/tokens."""
    router = APIRouter(prefix="/staff")

    @router.get("/tokens", response_class=HTMLResponse)
    def tokens_page(request: Request, staff: Staff = Depends(require_admin)) -> HTMLResponse:
        return _tokens_page(request, staff)

    @router.post("/tokens", response_class=HTMLResponse)
    async def create(request: Request, staff: Staff = Depends(require_admin)) -> HTMLResponse:
        form = await form_fields(request)
        check_csrf(request, form)
        name = " ".join(form.get("name", "").split())
        if not name or len(name) > TOKEN_NAME_MAX:
            error = f"Give the token a name of 1 to {TOKEN_NAME_MAX} characters."
            return _tokens_page(request, staff, 400, new_name=name, error=error)
        engine: Engine = request.app.state.engine
        # Audit rows name a token's actor "token:<name>": two live tokens with one name
        # could not be told apart there.
        if any(t.name == name and t.revoked_at is None for t in _token_rows(engine)):
            error = f"A token named {name!r} is already in use: revoke it or pick another name."
            return _tokens_page(request, staff, 400, new_name=name, error=error)
        # The page is rendered straight from this POST (no redirect): the token must not
        # travel in the session cookie, which is signed but readable.
        token = create_token(engine, name, staff.email, clock.now())
        return _tokens_page(request, staff, 201, new_token=token, new_name=name)

    @router.post("/tokens/{token_id}/revoke", response_model=None)
    async def revoke(
        request: Request, token_id: int, staff: Staff = Depends(require_admin)
    ) -> Response:
        check_csrf(request, await form_fields(request))
        try:
            revoke_token(request.app.state.engine, token_id, staff.email, clock.now())
        except StaffError:
            return _tokens_page(request, staff, 404, error=f"No API token has id {token_id}.")
        return RedirectResponse("/staff/tokens", status_code=303)

    return router
