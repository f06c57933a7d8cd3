"""Rating-scale answers in the database: one row per instrument per conversation.

The row keeps the raw item values; the score, band and status are derived each time they
are read (`Administration`), so a change of scoring rules never leaves a stale total.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from followup.db.models import Appointment, Conversation, InstrumentResponse, SymptomReport
from followup.instruments.asking import ItemAnswer
from followup.instruments.scoring import Score, score
from followup.protocol import Protocol
from followup.protocol.instruments import Instrument

COMPLETED, STOPPED, IN_PROGRESS = "completed", "stopped", "in-progress"


def record_answers(
    session: Session,
    conversation: Conversation,
    language: str,
    message_id: int,
    text: str,
    answers: Sequence[ItemAnswer],
    protocol: Protocol,
    now: datetime,
) -> list[InstrumentResponse]:
    """Keep a reply's answers (and each as a symptom report); the instruments they finish."""
    finished = []
    by_instrument: dict[str, list[ItemAnswer]] = {}
    for item_answer in answers:
        by_instrument.setdefault(item_answer.instrument, []).append(item_answer)
    for key, given in by_instrument.items():
        instrument = protocol.instruments[key]
        row = _response(session, conversation, key, instrument, language, now)
        values = answers_of(row)
        unreadable: set[int] = set(json.loads(row.unreadable))
        for item_answer in given:
            values[item_answer.item] = item_answer.value
            if item_answer.value is None:
                unreadable.add(item_answer.item)
            else:
                unreadable.discard(item_answer.item)
            session.add(
                SymptomReport(
                    patient_id=conversation.patient_id,
                    appointment_id=conversation.appointment_id,
                    inbound_message_id=message_id,
                    survey=key,
                    question=instrument.items[item_answer.item].key,
                    value=None if item_answer.value is None else float(item_answer.value),
                    text=text[:1000],
                    reported_at=now,
                )
            )
        row.answers, row.unreadable = json.dumps(values), json.dumps(sorted(unreadable))
        row.updated_at = now
        done = all(v is not None or i in unreadable for i, v in enumerate(values))
        if done and row.completed_at is None:
            row.completed_at = now
            finished.append(row)
        session.add(row)
    return finished


def _response(
    session: Session,
    conversation: Conversation,
    key: str,
    instrument: Instrument,
    language: str,
    now: datetime,
) -> InstrumentResponse:
    row = session.exec(
        select(InstrumentResponse).where(
            InstrumentResponse.conversation_id == conversation.id,
            InstrumentResponse.instrument == key,
        )
    ).first()
    if row is None:
        row = InstrumentResponse(
            patient_id=conversation.patient_id,
            appointment_id=conversation.appointment_id,
            conversation_id=conversation.id or 0,
            instrument=key,
            language=language,
            answers=json.dumps([None] * len(instrument.items)),
            started_at=now,
            updated_at=now,
        )
        session.add(row)
    return row


def answers_of(row: InstrumentResponse) -> list[int | None]:
    """The row's item values in order; None for unanswered or unreadable."""
    values: list[int | None] = json.loads(row.answers)
    return values


@dataclass(frozen=True, slots=True)
class Administration:
    """One administration as staff and exports see it: answers, status and score.

    `status` is completed (every item answered or unreadable), in-progress (the
    conversation still waits for answers) or stopped (it ended first). `series` names the
    series of the appointment it belongs to, for baseline and response.
    """

    id: int
    patient_id: int
    appointment_id: int | None
    instrument: str
    language: str
    answers: tuple[int | None, ...]
    unreadable: tuple[int, ...]
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    status: str
    score: Score
    series: tuple[str, datetime] | None

    @property
    def taken_at(self) -> datetime:
        """When it was taken: completed, or its last answer."""
        return self.completed_at or self.updated_at


def administrations(
    session: Session,
    protocol: Protocol,
    patient_ids: Iterable[int],
    now: datetime,
    instrument: str | None = None,
) -> list[Administration]:
    """The patients' administrations of instruments the protocol still defines, oldest first."""
    ids = sorted(set(patient_ids))
    if not ids:
        return []
    query = (
        select(InstrumentResponse, Conversation, Appointment)
        .join(Conversation, col(Conversation.id) == col(InstrumentResponse.conversation_id))
        .outerjoin(Appointment, col(Appointment.id) == col(InstrumentResponse.appointment_id))
        .where(col(InstrumentResponse.patient_id).in_(ids))
        .order_by(col(InstrumentResponse.started_at), col(InstrumentResponse.id))
    )
    if instrument is not None:
        query = query.where(InstrumentResponse.instrument == instrument)
    found = []
    for row, conversation, appointment in session.exec(query):
        definition = protocol.instruments.get(row.instrument)
        if definition is None:
            continue
        found.append(_administration(row, conversation, appointment, definition, now))
    return found


def _administration(
    row: InstrumentResponse,
    conversation: Conversation,
    appointment: Appointment | None,
    instrument: Instrument,
    now: datetime,
) -> Administration:
    values = answers_of(row)
    unreadable = tuple(json.loads(row.unreadable))
    if row.completed_at is not None:
        status = COMPLETED
    elif conversation.ended_at is None and conversation.expires_at > now:
        status = IN_PROGRESS
    else:
        status = STOPPED
    # Only a finished administration has a score: one in progress is still being answered.
    if status == IN_PROGRESS:
        answered = sum(value is not None for value in values)
        scored = Score(None, None, answered, len(values), prorated=False)
    else:
        scored = score(instrument, values)
    series = None
    if appointment is not None:
        series = (appointment.treatment, appointment.series_started_at or appointment.start_at)
    return Administration(
        id=row.id or 0,
        patient_id=row.patient_id,
        appointment_id=row.appointment_id,
        instrument=row.instrument,
        language=row.language,
        answers=tuple(values),
        unreadable=unreadable,
        started_at=row.started_at,
        updated_at=row.updated_at,
        completed_at=row.completed_at,
        status=status,
        score=scored,
        series=series,
    )
