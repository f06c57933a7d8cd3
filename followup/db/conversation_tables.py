"""The tables of check-in conversations: surveys and rating scales, and their answers.

Kept apart from `models` (which imports and re-exports them, so Alembic and every caller
see them there) only to keep each module short.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from followup.db.types import UTCDateTime


def _utc(nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Conversation(SQLModel, table=True):
    """A check-in survey in progress: which question the patient's next reply answers."""

    __table_args__ = (
        # At most one open conversation per patient.
        Index(
            "uq_conversation_open_per_patient",
            "patient_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id")
    scheduled_message_id: int | None = Field(default=None, foreign_key="scheduled_message.id")
    survey: str = Field(max_length=64)
    question_index: int = 0
    reasked: bool = False
    started_at: datetime = Field(sa_column=_utc(nullable=False))
    expires_at: datetime = Field(sa_column=_utc(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_utc())
    # Why it ended when that is not the last answer: e.g. unanswered, a newer check-in
    # replaced it. The survey is recorded as unanswered, not lost.
    ended_reason: str | None = Field(default=None, max_length=120)


class SymptomReport(SQLModel, table=True):
    __tablename__ = "symptom_report"

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    inbound_message_id: int | None = Field(default=None, foreign_key="inbound_message.id")
    survey: str = Field(max_length=64)
    question: str = Field(max_length=64)
    value: float | None = None
    text: str | None = None
    reported_at: datetime = Field(sa_column=_utc(nullable=False, index=True))


class InstrumentResponse(SQLModel, table=True):
    """One administration of a rating scale (PHQ-9, GAD-7) within a conversation.

    `answers` holds each item's value (0..3) or null as JSON, `unreadable` the items left
    without an answer (a reply unreadable twice, or "skip"): missing for scoring. The score
    is derived, never stored.
    """

    __tablename__ = "instrument_response"
    __table_args__ = (UniqueConstraint("conversation_id", "instrument"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    appointment_id: int | None = Field(default=None, foreign_key="appointment.id", index=True)
    conversation_id: int = Field(foreign_key="conversation.id")
    instrument: str = Field(max_length=32)
    language: str = Field(default="en", max_length=8)
    answers: str = "[]"
    unreadable: str = "[]"
    started_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=_utc())
