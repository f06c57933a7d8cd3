"""STOP and START from a patient: what changes in the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from followup.db.models import MessageStatus, Patient, ScheduledMessage
from followup.planning.scheduling import replan_patients
from followup.protocol import Protocol
from followup.replies.conversations import end_conversation


def opt_out(session: Session, patient: Patient, now: datetime) -> str:
    patient.opted_out_at = patient.opted_out_at or now
    patient.updated_at = now
    session.add(patient)
    table = ScheduledMessage.__table__  # type: ignore[attr-defined]
    skipped = session.execute(
        update(table)
        .where(
            table.c.patient_id == patient.id,
            table.c.channel == "sms",
            table.c.status == MessageStatus.PENDING,
        )
        .values(status=MessageStatus.SKIPPED, status_reason="opted out of SMS", updated_at=now)
    ).rowcount  # type: ignore[attr-defined]
    end_conversation(session, patient.id or 0, now)
    return f"opted out of SMS; {skipped} waiting SMS skipped"


def opt_in(session: Session, protocol: Protocol, patient: Patient, now: datetime) -> None:
    patient.opted_out_at = None
    patient.updated_at = now
    session.add(patient)
    session.flush()
    # Messages skipped for the opt-out come back if they still make sense.
    replan_patients(session, [patient.id or 0], protocol, now)
