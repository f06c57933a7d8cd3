"""Rating-scale answers written straight to the database, as the webhook leaves them: a
conversation and its `InstrumentResponse` row. The webhook itself is tested in
`test_scales_webhook`; the pages' tests need many administrations spread over weeks."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from followup.db.models import (
    Appointment,
    AppointmentStatus,
    Conversation,
    InstrumentResponse,
    Patient,
)

COMPLETE, STOP, ASKING = "complete", "stop", "asking"
NINETEEN = (3, 3, 2, 2, 2, 2, 2, 2, 1)  # PHQ-9 19, moderately severe
PRORATED_11 = (None, 2, 1, 1, 2, 1, 1, 2, 0)  # 10 from 8 items, times 9/8: 11, moderate
EIGHT = (1, 1, 1, 1, 1, 1, 1, 1, 0)  # PHQ-9 8, mild
GAD_11 = (2, 2, 2, 1, 1, 1, 2)  # GAD-7 11, moderate
GAD_4 = (1, 1, 0, 1, 1, 0, 0)  # GAD-7 4, minimal


def administration(
    session: Session,
    patient: Patient,
    appointment: Appointment | None,
    instrument: str,
    answers: Sequence[int | None],
    at: datetime,
    *,
    how: str = COMPLETE,
    unreadable: Sequence[int] = (),
) -> InstrumentResponse:
    """One administration answered at `at`: completed, stopped (its conversation ended
    first) or still being asked."""
    conversation = Conversation(
        patient_id=patient.id or 0,
        appointment_id=appointment.id if appointment else None,
        survey=instrument,
        started_at=at - timedelta(minutes=5),
        expires_at=at + timedelta(hours=8),
        ended_at=None if how == ASKING else at,
        ended_reason="unanswered" if how == STOP else None,
    )
    session.add(conversation)
    session.flush()
    row = InstrumentResponse(
        patient_id=patient.id or 0,
        appointment_id=appointment.id if appointment else None,
        conversation_id=conversation.id or 0,
        instrument=instrument,
        answers=json.dumps(list(answers)),
        unreadable=json.dumps(list(unreadable)),
        started_at=at - timedelta(minutes=5),
        updated_at=at,
        completed_at=at if how == COMPLETE else None,
    )
    session.add(row)
    session.flush()
    return row


def patient(session: Session, external_id: str, first: str, last: str, now: datetime) -> Patient:
    found = Patient(
        external_id=external_id,
        first_name=first,
        last_name=last,
        phone=None,
        created_at=now,
        updated_at=now,
    )
    session.add(found)
    session.flush()
    return found


def series(
    session: Session, who: Patient, starts: Sequence[datetime], now: datetime
) -> list[Appointment]:
    """A series of infusions, an hour each: those begun by `now` completed, later ones booked."""
    found = []
    for number, start in enumerate(starts, start=1):
        appointment = Appointment(
            source="test-room",
            source_uid=f"{who.external_id}-{number}",
            patient_id=who.id or 0,
            start_at=start,
            end_at=start + timedelta(hours=1),
            status=(
                AppointmentStatus.COMPLETED
                if start + timedelta(hours=1) <= now
                else AppointmentStatus.BOOKED
            ),
            treatment="depression",
            series_number=number,
            series_size=len(starts),
            series_started_at=starts[0],
            created_at=start,
            updated_at=start,
        )
        session.add(appointment)
        found.append(appointment)
    session.flush()
    return found


def course(session: Session, external_id: str, now: datetime) -> None:
    """A course as the browser tests and screenshots show it: PHQ-9 from 19 down to 8
    (one prorated, one stopped) and GAD-7 from 11 to 4 over the last week, tied to the
    patient's first infusion on file so they form one series."""
    who = session.exec(select(Patient).where(Patient.external_id == external_id)).one()
    first = session.exec(
        select(Appointment)
        .where(Appointment.patient_id == who.id)
        .order_by(col(Appointment.start_at))
    ).first()
    day = timedelta(days=1)
    administration(session, who, first, "phq9", NINETEEN, now - 7 * day)
    administration(session, who, first, "gad7", GAD_11, now - 7 * day)
    administration(session, who, first, "phq9", PRORATED_11, now - 5 * day, unreadable=[0])
    stopped = (1, 2, 0, 1, None, None, None, None, None)
    administration(session, who, first, "phq9", stopped, now - 3 * day, how=STOP)
    administration(session, who, first, "phq9", EIGHT, now - day)
    administration(session, who, first, "gad7", GAD_4, now - day)
