"""Open, find and close check-in survey conversations."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from followup.db.models import Conversation

log = logging.getLogger(__name__)

C = Conversation.__table__  # type: ignore[attr-defined]
# Why a survey ended without its last answer: kept, so staff see a check-in that went
# unanswered rather than a survey that silently vanished.
REPLACED = "unanswered: a newer check-in replaced it"
PARTLY_REPLACED = "partly answered: a newer check-in replaced it"
EXPIRED = "unanswered in time: it expired"


def open_conversation(session: Session, patient_id: int, now: datetime) -> Conversation | None:
    """The patient's conversation still waiting for an answer; an expired one is closed."""
    conversation = session.exec(
        select(Conversation).where(
            Conversation.patient_id == patient_id, col(Conversation.ended_at).is_(None)
        )
    ).first()
    if conversation is not None and conversation.expires_at <= now:
        conversation.ended_at = conversation.expires_at
        conversation.ended_reason = EXPIRED
        session.add(conversation)
        session.flush()
        return None
    return conversation


@dataclass(frozen=True, slots=True)
class SurveyStart:
    """A check-in SMS that went out asking its survey's first question."""

    patient_id: int
    appointment_id: int
    scheduled_message_id: int
    survey: str


def start_conversations(
    db: Session | Connection, starts: Sequence[SurveyStart], now: datetime, expires_after: timedelta
) -> None:
    """Begin each survey at its first question; a newer check-in replaces an older one.

    The replaced survey is closed and recorded as unanswered (or partly answered), so a
    reply always answers the question the patient just received. `starts` come in the
    order they were sent: of one patient's, the last stays open. Two statements whatever
    the number, so a batch's record stays one short transaction.
    """
    if not starts:
        return
    latest = {start.patient_id: start for start in starts}
    db.execute(
        update(C)
        .where(C.c.patient_id.in_(list(latest)), C.c.ended_at.is_(None))
        .values(
            # One already past its time ended then, unanswered, as open_conversation says.
            ended_at=case((C.c.expires_at <= now, C.c.expires_at), else_=now),
            ended_reason=case(
                (C.c.expires_at <= now, EXPIRED),
                (C.c.question_index == 0, REPLACED),
                else_=PARTLY_REPLACED,
            ),
        )
    )
    # The partial unique index allows one open conversation per patient.
    db.execute(
        insert(C),
        [
            {
                "patient_id": start.patient_id,
                "appointment_id": start.appointment_id,
                "scheduled_message_id": start.scheduled_message_id,
                "survey": start.survey,
                "question_index": 0,
                "reasked": False,
                "started_at": now,
                "expires_at": now + expires_after,
                "ended_at": None if latest[start.patient_id] is start else now,
                "ended_reason": None if latest[start.patient_id] is start else REPLACED,
            }
            for start in starts
        ],
    )


def end_conversation(session: Session, patient_id: int, now: datetime) -> None:
    """Close any open conversation (the patient opted out, or the survey is done)."""
    for conversation in session.exec(
        select(Conversation).where(
            Conversation.patient_id == patient_id, col(Conversation.ended_at).is_(None)
        )
    ):
        conversation.ended_at = now
        session.add(conversation)


def begin_surveys(
    connection: Connection, starts: Sequence[SurveyStart], now: datetime, expires_after: timedelta
) -> None:
    """Open the conversations of check-in SMS just sent that ask a survey's first question."""
    if not starts:
        return
    if connection.dialect.name == "sqlite":
        start_conversations(connection, starts, now, expires_after)  # one process
        return
    for _ in range(2):
        try:
            # Another worker may open one of these patients' conversations at the same
            # moment; the unique index refuses one of us. Only the savepoint is lost, not
            # the batch's record, and the second try ends theirs and opens ours.
            with connection.begin_nested():
                start_conversations(connection, starts, now, expires_after)
            return
        except IntegrityError:
            continue
    log.warning("%d survey conversation(s) could not be opened", len(starts))
