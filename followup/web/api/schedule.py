"""Appointments and the messages planned or sent for them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session, col, select

from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.web.api.common import (
    DEFAULT_LIMIT,
    NOT_FOUND,
    Instant,
    Limit,
    Offset,
    PatientFilter,
    count,
    engine_of,
    patient_pk,
)
from followup.web.api.models import AppointmentOut, MessageOut, Page
from followup.web.auth import Staff, require_staff
from followup.web.visibility import patients_seen


def routes() -> APIRouter:
    """The routes, to be included under /api with its authentication."""
    router = APIRouter()

    @router.get("/appointments", responses=NOT_FOUND)
    def appointments(
        request: Request,
        patient: PatientFilter = None,
        start_from: Annotated[
            Instant | None,
            Query(alias="from", description="Starting at or after (ISO 8601 with a zone)."),
        ] = None,
        start_to: Annotated[
            Instant | None,
            Query(alias="to", description="Starting before (ISO 8601 with a zone)."),
        ] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        staff: Staff = Depends(require_staff),
    ) -> Page[AppointmentOut]:
        """Appointments by start time, optionally one patient's and within [from, to)."""
        seen = patients_seen(request, staff)
        query = (
            select(Appointment, Patient.external_id)
            .join(Patient, col(Appointment.patient_id) == Patient.id)
            .where(seen)
        )
        with Session(engine_of(request)) as session:
            if patient is not None:
                query = query.where(Appointment.patient_id == patient_pk(session, patient, seen))
            if start_from is not None:
                query = query.where(col(Appointment.start_at) >= start_from)
            if start_to is not None:
                query = query.where(col(Appointment.start_at) < start_to)
            total = count(session, query)
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
                series_number=a.series_number,
                series_size=a.series_size,
                source=a.source,
            )
            for a, external_id in rows
        ]
        return Page[AppointmentOut](items=items, total=total, limit=limit, offset=offset)

    @router.get("/messages", responses=NOT_FOUND)
    def messages(
        request: Request,
        status: Annotated[MessageStatus | None, Query(description="Only this status.")] = None,
        patient: PatientFilter = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        staff: Staff = Depends(require_staff),
    ) -> Page[MessageOut]:
        """Planned and sent messages by due time, optionally one status or one patient."""
        seen = patients_seen(request, staff)
        query = (
            select(ScheduledMessage, Patient.external_id)
            .join(Patient, col(ScheduledMessage.patient_id) == Patient.id)
            .where(seen)
        )
        with Session(engine_of(request)) as session:
            if patient is not None:
                pk = patient_pk(session, patient, seen)
                query = query.where(ScheduledMessage.patient_id == pk)
            if status is not None:
                query = query.where(ScheduledMessage.status == status)
            total = count(session, query)
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

    return router
