"""PHQ-9 and GAD-7 answered through Twilio's webhook, signed as Twilio signs: in one reply
and item by item, in English and Spanish; item 9 above 0 pages on-call at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from followup.db.models import (
    Alert,
    Appointment,
    Conversation,
    InstrumentResponse,
    Patient,
    ScheduledMessage,
)
from followup.instruments.records import COMPLETED, STOPPED, administrations
from followup.protocol import Protocol
from followup.replies.conversations import SurveyStart, start_conversations
from tests.integration.test_webhooks import Server, conversation_ended, server, wait_for_pages

__all__ = ["server"]  # the fixture: a web app with Twilio's webhooks and a patient


def begin_scales(server: Server, scales: str = "phq9+gad7", language: str = "en") -> None:
    """What the dispatcher does when the baseline scales' SMS goes out."""
    with Session(server.engine) as session:
        patient = session.exec(select(Patient)).one()
        patient.language = language
        session.add(patient)
        appt = session.exec(select(Appointment)).one()
        row = session.exec(
            select(ScheduledMessage).where(ScheduledMessage.step == "scales_baseline")
        ).first()
        assert row is not None
        start = SurveyStart(appt.patient_id, appt.id or 0, row.id or 0, scales)
        start_conversations(session, [start], datetime.now(UTC), timedelta(hours=24))
        session.commit()


def scored(server: Server, protocol: Protocol) -> dict[str, tuple[str, int | None, str | None]]:
    """Each instrument's (status, total, band) as staff see it."""
    with Session(server.engine) as session:
        patient = session.exec(select(Patient)).one()
        found = administrations(session, protocol, [patient.id or 0], datetime.now(UTC))
    return {
        a.instrument: (
            a.status,
            a.score.total,
            a.score.band.label["en"] if a.score.band else None,
        )
        for a in found
    }


def alerts(server: Server) -> list[Alert]:
    with Session(server.engine) as session:
        return list(session.exec(select(Alert).order_by(col(Alert.id))))


def test_all_nine_answers_in_one_reply_score_the_phq9_and_ask_the_gad7_next(
    server: Server, protocol: Protocol
) -> None:
    begin_scales(server)
    status, body = server.sms("1 2 0 3 1 1 0 2 0", "SMall9")
    assert status == 200
    # On to the GAD-7: its stem, every answer, and its first item.
    assert "7 more questions" in body and "1/7: Feeling nervous, anxious, or on edge" in body
    assert scored(server, protocol)["phq9"] == (COMPLETED, 10, "moderate")
    assert alerts(server) == []
    status, body = server.sms("0,1,1,0,2,1,0", "SMall7")
    assert "Thank you" in body
    assert scored(server, protocol)["gad7"] == (COMPLETED, 5, "mild")
    assert conversation_ended(server)


def test_item_by_item_in_words_and_numbers_resumes_where_the_patient_stopped(
    server: Server, protocol: Protocol
) -> None:
    begin_scales(server, "phq9")
    said = ["several days", "2", "nearly every day", "Not at all", "1"]
    for number, text in enumerate(said, start=1):
        status, body = server.sms(text, f"SMitem{number}")
        assert status == 200 and f"{number + 1}/9 (over the last 2 weeks)" in body
    assert scored(server, protocol)["phq9"][0] == "in-progress"
    # Hours later, the rest: the conversation picks up at item 6.
    status, body = server.sms("0 1 2 0", "SMrest")
    assert "Thank you" in body
    # 1 + 2 + 3 + 0 + 1 + 0 + 1 + 2 + 0
    assert scored(server, protocol)["phq9"] == (COMPLETED, 10, "moderate")


def test_spanish_answers_in_words_are_scored_and_asked_in_spanish(
    server: Server, protocol: Protocol
) -> None:
    begin_scales(server, "gad7", language="es")
    _status, body = server.sms("varios días", "SMes1")
    assert "2/7 (en las últimas 2 semanas): No poder dejar de preocuparse" in body
    assert "Responda del 0 al 3" in body
    _, body = server.sms(
        "más de la mitad de los días, casi todos los días, ningún día, 1, 1, 0", "SMes2"
    )
    assert "Gracias" in body
    assert scored(server, protocol)["gad7"] == (COMPLETED, 1 + 2 + 3 + 0 + 1 + 1 + 0, "mild")


def test_an_unreadable_answer_is_asked_again_with_the_options_then_kept_for_a_person(
    server: Server, protocol: Protocol
) -> None:
    begin_scales(server, "phq9")
    _status, body = server.sms("hmm hard to say", "SMbad1")
    assert "Sorry" in body and "0 = not at all" in body and "3 = nearly every day" in body
    assert "1/9: Little interest" in body
    _, body = server.sms("dunno really", "SMbad2")
    assert "2/9" in body  # moved on
    first, second = server.inbound()
    assert first.needs_attention and second.needs_attention and second.urgency == "review"
    # Eight more answers: one item missing is prorated (mean x 9), not scored as complete.
    server.sms("3 3 3 3 3 3 3 0", "SMrest")
    assert scored(server, protocol)["phq9"] == (COMPLETED, 24, "severe")
    with Session(server.engine) as session:
        [row] = session.exec(select(InstrumentResponse)).all()
        assert row.unreadable == "[0]"


def test_item_9_above_zero_answers_with_988_pages_on_call_and_ends_the_questionnaire(
    server: Server, protocol: Protocol
) -> None:
    begin_scales(server)
    status, body = server.sms("0 1 0 1 0 0 0 0 1", "SMitem9")
    assert status == 200 and "988" in body and "(402) 555-0199" in body
    assert "1/7" not in body  # the GAD-7 waits: a person calls now
    [alert] = alerts(server)
    assert alert.severity == "critical"
    assert "PHQ-9 item 9" in alert.reason and "1 (several days)" in alert.reason
    assert conversation_ended(server) and server.patient().paused_at is not None
    [stored] = server.inbound()
    assert stored.kind == "crisis" and stored.urgency == "crisis" and stored.needs_attention
    [page] = wait_for_pages(server, protocol.on_call[0].phone or "", 1)
    assert "CRITICAL" in page["body"] and "PHQ-9 item 9" in page["body"]
    assert scored(server, protocol)["phq9"] == (COMPLETED, 3, "minimal")


def test_item_9_answered_alone_in_words_is_a_crisis_too(server: Server, protocol: Protocol) -> None:
    begin_scales(server, "phq9")
    for number in range(8):
        server.sms("0", f"SMzero{number}")
    _, body = server.sms("more than half the days", "SMlast")
    assert "988" in body
    assert [a.severity for a in alerts(server)] == ["critical"]


def test_a_newer_check_in_stops_a_half_answered_scale_unscored(
    server: Server, protocol: Protocol
) -> None:
    begin_scales(server, "phq9")
    server.sms("1 1 1 1", "SMpart")  # four answers: not a count it accepts
    server.sms("1", "SMone")
    server.sms("1", "SMtwo")
    begin_scales(server, "gad7")
    status, total, band = scored(server, protocol)["phq9"]
    assert (status, total, band) == (STOPPED, None, None)
    with Session(server.engine) as session:
        rows = session.exec(select(Conversation)).all()
    assert [c.ended_at is None for c in rows] == [False, True]
