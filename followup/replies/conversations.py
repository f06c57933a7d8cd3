"""Open, find and close check-in survey conversations."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from followup.db.models import Conversation


def open_conversation(session: Session, patient_id: int, now: datetime) -> Conversation | None:
    """The patient's conversation still waiting for an answer; an expired one is closed."""
    conversation = session.exec(
        select(Conversation).where(
            Conversation.patient_id == patient_id, col(Conversation.ended_at).is_(None)
        )
    ).first()
    if conversation is not None and conversation.expires_at <= now:
        conversation.ended_at = conversation.expires_at
        session.add(conversation)
        session.flush()
        return None
    return conversation


def start_conversation(
    session: Session,
    *,
    patient_id: int,
    appointment_id: int,
    scheduled_message_id: int,
    survey: str,
    now: datetime,
    expires_after: timedelta,
) -> Conversation:
    """Begin a survey at its first question; a newer check-in replaces an older one."""
    for old in session.exec(
        select(Conversation).where(
            Conversation.patient_id == patient_id, col(Conversation.ended_at).is_(None)
        )
    ):
        old.ended_at = now
        session.add(old)
    session.flush()  # the partial unique index allows one open conversation per patient
    conversation = Conversation(
        patient_id=patient_id,
        appointment_id=appointment_id,
        scheduled_message_id=scheduled_message_id,
        survey=survey,
        started_at=now,
        expires_at=now + expires_after,
    )
    session.add(conversation)
    session.flush()
    return conversation


def end_conversation(session: Session, patient_id: int, now: datetime) -> None:
    """Close any open conversation (the patient opted out, or the survey is done)."""
    for conversation in session.exec(
        select(Conversation).where(
            Conversation.patient_id == patient_id, col(Conversation.ended_at).is_(None)
        )
    ):
        conversation.ended_at = now
        session.add(conversation)
