"""Survey conversations opened in bulk, as a dispatch batch records its check-ins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.db.models import Conversation, ScheduledMessage
from followup.replies.conversations import (
    EXPIRED,
    PARTLY_REPLACED,
    REPLACED,
    SurveyStart,
    open_conversation,
    start_conversations,
)
from tests.integration.test_claim import T0, seed

DAY = timedelta(hours=24)


def conversations(engine: Engine) -> list[tuple[int | None, bool]]:
    """(the message it began with, still open) for every conversation, oldest first."""
    with Session(engine) as session:
        rows = session.exec(select(Conversation).order_by(col(Conversation.id)))
        return [(c.scheduled_message_id, c.ended_at is None) for c in rows]


def starts_for(engine: Engine, ids: list[int]) -> list[SurveyStart]:
    with Session(engine) as session:
        messages = {m.id: m for m in session.exec(select(ScheduledMessage))}
    return [
        SurveyStart(messages[i].patient_id, messages[i].appointment_id, i, "post_infusion")
        for i in ids
    ]


def test_of_one_patients_check_ins_in_one_batch_only_the_last_stays_open(engine: Engine) -> None:
    ids = seed(engine, 3)
    with Session(engine) as session:
        start_conversations(session, starts_for(engine, ids[:1]), T0, DAY)
        session.commit()
    with Session(engine) as session:
        start_conversations(session, starts_for(engine, ids[1:]), T0 + DAY / 2, DAY)
        session.commit()

    assert conversations(engine) == [(ids[0], False), (ids[1], False), (ids[2], True)]
    with Session(engine) as session:
        current = open_conversation(session, starts_for(engine, ids)[0].patient_id, T0 + DAY)
    assert current is not None and current.scheduled_message_id == ids[2]
    assert current.question_index == 0 and current.expires_at == T0 + DAY / 2 + DAY


def test_starting_no_survey_changes_nothing(engine: Engine) -> None:
    ids = seed(engine, 1)
    with Session(engine) as session:
        start_conversations(session, starts_for(engine, ids), T0, DAY)
        start_conversations(session, [], T0 + DAY / 2, DAY)
        session.commit()
    assert conversations(engine) == [(ids[0], True)]


def test_a_newer_check_in_closes_the_earlier_survey_recorded_as_unanswered_not_lost(
    engine: Engine,
) -> None:
    ids = seed(engine, 3)
    with Session(engine) as session:
        start_conversations(session, starts_for(engine, ids[:1]), T0, DAY)
        session.commit()
    with Session(engine) as session:
        # The patient answered the first question of the second survey, not the rest.
        start_conversations(session, starts_for(engine, ids[1:2]), T0 + DAY / 4, DAY)
        second = session.exec(select(Conversation).where(col(Conversation.ended_at).is_(None)))
        for conversation in second:
            conversation.question_index = 1
            session.add(conversation)
        session.commit()
    with Session(engine) as session:
        start_conversations(session, starts_for(engine, ids[2:]), T0 + DAY / 2, DAY)
        session.commit()
    with Session(engine) as session:
        rows = session.exec(select(Conversation).order_by(col(Conversation.id))).all()
        assert [(c.scheduled_message_id, c.ended_reason) for c in rows] == [
            (ids[0], REPLACED),
            (ids[1], PARTLY_REPLACED),
            (ids[2], None),
        ]
        assert rows[0].ended_at == T0 + DAY / 4 and rows[1].ended_at == T0 + DAY / 2
        newest = rows[2].id
        # Left unanswered until it expired: closed at its expiry, and said so.
        assert open_conversation(session, rows[2].patient_id, T0 + 2 * DAY) is None
        session.commit()
    with Session(engine) as session:
        last = session.get(Conversation, newest)
        assert last is not None and last.ended_reason == EXPIRED


def test_a_survey_past_its_time_when_the_next_check_in_comes_ended_when_it_expired(
    engine: Engine,
) -> None:
    ids = seed(engine, 2)
    with Session(engine) as session:
        start_conversations(session, starts_for(engine, ids[:1]), T0, DAY)
        session.commit()
    with Session(engine) as session:
        start_conversations(session, starts_for(engine, ids[1:]), T0 + 2 * DAY, DAY)
        session.commit()
    with Session(engine) as session:
        first = session.exec(select(Conversation).order_by(col(Conversation.id))).first()
        assert first is not None
        assert (first.ended_at, first.ended_reason) == (T0 + DAY, EXPIRED)
