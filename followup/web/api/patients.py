"""Patients, with their next booked infusion."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlmodel import Session, col, select

from followup.core import clock
from followup.db.models import Patient
from followup.web.api.common import DEFAULT_LIMIT, NOT_FOUND, Limit, Offset, count, engine_of
from followup.web.api.models import Page, PatientOut
from followup.web.auth import Staff, require_staff
from followup.web.patients import next_infusions
from followup.web.visibility import patients_seen


def patient_out(patient: Patient, next_at: datetime | None) -> PatientOut:
    return PatientOut(
        external_id=patient.external_id,
        id=patient.id or 0,
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


def routes() -> APIRouter:
    """The routes, to be included under /api with its authentication."""
    router = APIRouter()

    @router.get("/patients")
    def patients(
        request: Request,
        limit: Limit = DEFAULT_LIMIT,
        offset: Offset = 0,
        staff: Staff = Depends(require_staff),
    ) -> Page[PatientOut]:
        """Every patient (of the caller's locations), by external id, with their next
        booked infusion."""
        upcoming = next_infusions(clock.now())
        seen = patients_seen(request, staff)
        query = (
            select(Patient, upcoming.c.next_at)
            .join(upcoming, col(Patient.id) == upcoming.c.patient_id, isouter=True)
            .where(seen)
            .order_by(col(Patient.external_id))
        )
        with Session(engine_of(request)) as session:
            total = count(session, select(Patient.id).where(seen))
            rows = session.exec(query.limit(limit).offset(offset)).all()
        items = [patient_out(p, next_at) for p, next_at in rows]
        return Page[PatientOut](items=items, total=total, limit=limit, offset=offset)

    @router.get("/patients/{external_id}", responses=NOT_FOUND)
    def patient(
        request: Request, external_id: str, staff: Staff = Depends(require_staff)
    ) -> PatientOut:
        """One patient by the clinic's id."""
        upcoming = next_infusions(clock.now())
        with Session(engine_of(request)) as session:
            row = session.exec(
                select(Patient, upcoming.c.next_at)
                .join(upcoming, col(Patient.id) == upcoming.c.patient_id, isouter=True)
                .where(Patient.external_id == external_id, patients_seen(request, staff))
            ).first()
        if row is None:
            raise HTTPException(status_code=404, detail=f"no patient has id {external_id!r}")
        return patient_out(row[0], row[1])

    return router
