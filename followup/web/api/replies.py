"""SMS received with what was made of each, and check-in answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session, col, select

from followup.db.models import InboundMessage, Patient, ReplyMessage, SymptomReport
from followup.web.api.common import (
    DEFAULT_LIMIT,
    NOT_FOUND,
    Limit,
    Offset,
    PatientFilter,
    count,
    engine_of,
    patient_pk,
)
from followup.web.api.models import AnswerOut, Page, ReplyOut, ReportOut
from followup.web.auth import Staff, require_staff
from followup.web.visibility import messages_seen, patients_seen


def routes() -> APIRouter:
    """The routes, to be included under /api with its authentication."""
    router = APIRouter()

    @router.get("/replies", responses=NOT_FOUND)
    def replies(
        request: Request,
        patient: PatientFilter = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        staff: Staff = Depends(require_staff),
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
            .where(messages_seen(request, staff))
        )
        with Session(engine_of(request)) as session:
            if patient is not None:
                pk = patient_pk(session, patient, patients_seen(request, staff))
                query = query.where(InboundMessage.patient_id == pk)
            total = count(session, query)
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
                urgency=m.urgency,
                triage=m.triage,
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

    @router.get("/reports", responses=NOT_FOUND)
    def reports(
        request: Request,
        patient: PatientFilter = None,
        question: Annotated[str | None, Query(description="Only this question, e.g. mood.")] = None,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        staff: Staff = Depends(require_staff),
    ) -> Page[ReportOut]:
        """Check-in answers (symptom reports) by time, optionally one patient or question."""
        seen = patients_seen(request, staff)
        query = (
            select(SymptomReport, Patient.external_id)
            .join(Patient, col(SymptomReport.patient_id) == Patient.id)
            .where(seen)
        )
        with Session(engine_of(request)) as session:
            if patient is not None:
                query = query.where(SymptomReport.patient_id == patient_pk(session, patient, seen))
            if question is not None:
                query = query.where(SymptomReport.question == question)
            total = count(session, query)
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

    return router
