"""A staff member of one location asking for another's record gets the same 404 as for a
record that does not exist: never a 403, which would tell that it exists.

Every record hangs off a patient, who belongs to a location (`patient.location`); a reply
from a number on no patient's file belongs to the location it texted.
"""

from __future__ import annotations

from typing import Literal

from fastapi import HTTPException, Request
from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from followup.alerts.status import Watch, watch
from followup.db.models import Alert, Appointment, InboundMessage, Patient, ScheduledMessage
from followup.protocol import Protocol
from followup.web.auth import Staff

Kind = Literal["appointment", "message", "inbound", "alert"]
# What the 404 says: the same words as for an id nobody has.
_NOUN = {"appointment": "appointment", "message": "message", "inbound": "message", "alert": "alert"}


def patients_seen(request: Request, staff: Staff) -> ColumnElement[bool]:
    """SQL: the patient (`Patient`) is one this person sees."""
    protocol: Protocol = request.app.state.protocol
    return staff.scope.clause(protocol, Patient.location)


def messages_seen(request: Request, staff: Staff) -> ColumnElement[bool]:
    """SQL for an inbound message outer-joined to its patient: this person sees it."""
    protocol: Protocol = request.app.state.protocol
    scope = staff.scope
    return or_(
        and_(col(InboundMessage.patient_id).is_not(None), scope.clause(protocol, Patient.location)),
        and_(
            col(InboundMessage.patient_id).is_(None),
            scope.clause(protocol, InboundMessage.location),
        ),
    )


def alerts_seen(request: Request, staff: Staff) -> ColumnElement[bool]:
    """SQL for an alert outer-joined to its patient and message: this person sees it. The
    clinic's own alerts (a failing template) are for staff of every location."""
    if staff.scope.everywhere:
        return messages_seen(request, staff)
    return and_(
        or_(col(Alert.patient_id).is_not(None), col(Alert.inbound_message_id).is_not(None)),
        messages_seen(request, staff),
    )


def _located(kind: Kind, row_id: int) -> SelectOfScalar[int]:
    """The query for a record's id, joined to what says where it is."""
    if kind == "appointment":
        return (
            select(func.count())
            .select_from(Appointment)
            .join(Patient, col(Patient.id) == Appointment.patient_id)
            .where(Appointment.id == row_id)
        )
    if kind == "message":
        return (
            select(func.count())
            .select_from(ScheduledMessage)
            .join(Patient, col(Patient.id) == ScheduledMessage.patient_id)
            .where(ScheduledMessage.id == row_id)
        )
    if kind == "inbound":
        return (
            select(func.count())
            .select_from(InboundMessage)
            .outerjoin(Patient, col(Patient.id) == InboundMessage.patient_id)
            .where(InboundMessage.id == row_id)
        )
    return (
        select(func.count())
        .select_from(Alert)
        .outerjoin(Patient, col(Patient.id) == Alert.patient_id)
        .outerjoin(InboundMessage, col(InboundMessage.id) == Alert.inbound_message_id)
        .where(Alert.id == row_id)
    )


def require_seen(request: Request, staff: Staff, kind: Kind, row_id: int) -> None:
    """Raise the 404 of a missing record unless this person sees the record."""
    if staff.scope.everywhere:
        return
    if kind in ("appointment", "message"):
        seen = patients_seen(request, staff)
    elif kind == "alert":
        seen = alerts_seen(request, staff)
    else:
        seen = messages_seen(request, staff)
    with Session(request.app.state.engine) as session:
        found = session.exec(_located(kind, row_id).where(seen)).one()
    if not found:
        raise HTTPException(status_code=404, detail=f"no {_NOUN[kind]} has id {row_id}")


def watch_for(request: Request, staff: Staff) -> Watch:
    """The banner's and navigation's counts, of what this person sees."""
    return watch(
        request.app.state.engine, alerts_seen(request, staff), messages_seen(request, staff)
    )


def source_seen(request: Request, staff: Staff, source: str) -> bool:
    """Whether this person sees a sync source: a calendar is its location's; the roster
    (every location's patients) is for staff of every location."""
    if staff.scope.everywhere:
        return True
    if source.startswith("roster:"):
        return False
    protocol: Protocol = request.app.state.protocol
    return staff.scope.allows(protocol, protocol.location_of_source(source))


def require_patient_seen(request: Request, staff: Staff, external_id: str) -> None:
    """Raise the 404 of a missing patient unless this person sees the patient."""
    with Session(request.app.state.engine) as session:
        found = session.exec(
            select(func.count())
            .select_from(Patient)
            .where(Patient.external_id == external_id, patients_seen(request, staff))
        ).one()
    if not found:
        raise HTTPException(status_code=404, detail=f"no patient has id {external_id!r}")
