"""STOP and START: what changes in the database, for a patient and for the number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from followup.db.models import MessageStatus, OptedOutNumber, Patient, ScheduledMessage
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
    if patient.phone:
        number_opted_in(session, patient.phone)
    patient.opted_out_at = None
    patient.updated_at = now
    session.add(patient)
    session.flush()
    # Messages skipped for the opt-out come back if they still make sense.
    replan_patients(session, [patient.id or 0], protocol, now)


def number_opted_out(session: Session, phone: str, now: datetime) -> None:
    """Note that `phone` texted STOP (kept from the first STOP; two at once are one)."""
    table = OptedOutNumber.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    session.execute(
        insert.values(phone=phone, opted_out_at=now).on_conflict_do_nothing(
            index_elements=[table.c.phone]
        )
    )


def number_opted_in(session: Session, phone: str) -> None:
    """Forget the opt-out of `phone`: it texted START (or a patient on it opted back in)."""
    table = OptedOutNumber.__table__  # type: ignore[attr-defined]
    session.execute(delete(table).where(table.c.phone == phone))
