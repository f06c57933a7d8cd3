"""Staff and consent: recording what a patient said on the phone, and the history as CSV.

A consent or revocation recorded here is a record with source "staff" and the signed-in
person's address and note, audited, and the patient's plan is redone at once: waiting
messages on a revoked channel are skipped, and ones skipped for want of consent come
back if they still make sense. The history itself is on the patient page.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from followup.consent.export import consent_csv, consent_rows
from followup.consent.records import Source, record
from followup.core import clock
from followup.db.models import Patient
from followup.planning.scheduling import replan_patients
from followup.protocol import Protocol
from followup.staff.audit import audit
from followup.web.auth import Staff, require_staff
from followup.web.notices import flash
from followup.web.patients import patient_href
from followup.web.sections.common import checked_form
from followup.web.visibility import require_patient_seen

NOTE_CHARS = 200


def consent_router() -> APIRouter:
    """POST /staff/patients/{id}/consent; GET /staff/patients/{id}/consent.csv."""
    router = APIRouter(prefix="/staff/patients")

    @router.post("/{external_id}/consent")
    async def record_consent(
        request: Request, external_id: str, staff: Staff = Depends(require_staff)
    ) -> RedirectResponse:
        form = await checked_form(request)
        await run_in_threadpool(require_patient_seen, request, staff, external_id)
        channel, given = form.get("channel", ""), form.get("given", "")
        if channel not in ("sms", "email") or given not in ("yes", "no"):
            raise HTTPException(422, "choose a channel, and whether consent is given or revoked")
        note = " ".join(form.get("note", "").split())[:NOTE_CHARS]
        text = await run_in_threadpool(
            _record, request, external_id, staff, channel, given == "yes", note
        )
        flash(request, text)
        return RedirectResponse(f"{patient_href(external_id)}#consent", status_code=303)

    @router.get("/{external_id}/consent.csv")
    def consent_export(
        request: Request, external_id: str, staff: Staff = Depends(require_staff)
    ) -> Response:
        require_patient_seen(request, staff, external_id)
        rows = consent_rows(request.app.state.engine, [external_id])
        filename = "".join(c for c in external_id if c.isalnum() or c in "-_")[:40] or "patient"
        return Response(
            consent_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="consent-{filename}.csv"'},
        )

    return router


def _record(
    request: Request, external_id: str, staff: Staff, channel: str, given: bool, note: str
) -> str:
    protocol: Protocol = request.app.state.protocol
    now = clock.now()
    with Session(request.app.state.engine) as session:
        patient = session.exec(select(Patient).where(Patient.external_id == external_id)).first()
        if patient is None or patient.id is None:
            raise HTTPException(404, "no patient has that id")
        pid, stopped = patient.id, patient.opted_out_at is not None
        said = "gave consent" if given else "revoked consent"
        detail = f"{staff.email}: the patient {said} on the phone" + (f" ({note})" if note else "")
        record(session, [pid], (channel,), given=given, source=Source.STAFF, at=now, detail=detail)
        replan_patients(session, [pid], protocol, now)
        audit(session, staff.email, f"consent.{'given' if given else 'revoked'}", "patient",
              external_id, None, {"channel": channel, "note": note}, now)  # fmt: skip
        session.commit()
    what = "texts" if channel == "sms" else "emails"
    text = f"Recorded: {external_id} {said} to {what}."
    if given and channel == "sms" and stopped:
        # The carrier blocks a number that texted STOP until it texts START (Twilio 21610).
        text += " They texted STOP before: no text reaches them until they text START."
    return text
