"""A message from a patient mid-survey: the answer it gives, its flags, the next question."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from followup.alerts import raise_alert
from followup.db.models import Appointment, Conversation, Patient, SymptomReport
from followup.protocol import Protocol
from followup.replies.alarms import URGENCY_OF_SEVERITY
from followup.replies.outcome import Replies, Result
from followup.replies.scales import scale_answer
from followup.replies.survey import SurveyState, answer, read_reply
from followup.replies.triage import Level


def survey_answer(
    session: Session,
    protocol: Protocol,
    replies: Replies,
    message_id: int,
    text: str,
    patient: Patient,
    conversation: Conversation,
    now: datetime,
) -> Result:
    """Record a reply to the survey or rating scale the patient is answering."""
    scales = protocol.instrument_sequence(conversation.survey)
    if scales is not None:
        return scale_answer(
            session, protocol, replies, message_id, text, patient, conversation, scales, now
        )
    appointment = (
        session.get(Appointment, conversation.appointment_id)
        if conversation.appointment_id
        else None
    )
    state = SurveyState(conversation.survey, conversation.question_index, conversation.reasked)
    turn = answer(
        protocol,
        state,
        text,
        appointment.treatment if appointment else None,
        patient.language,
    )
    summary = "survey reply"
    if turn.answer is not None:
        session.add(
            SymptomReport(
                patient_id=patient.id or 0,
                appointment_id=conversation.appointment_id,
                inbound_message_id=message_id,
                survey=conversation.survey,
                question=turn.answer.question,
                value=turn.answer.value,
                text=turn.answer.text,
                reported_at=now,
            )
        )
        # A choice answer has no number; only a re-asked answer was not understood.
        reasked = turn.next_state is not None and turn.next_state.reasked
        shown = turn.answer.value if turn.answer.value is not None else turn.answer.text
        summary = f"{turn.answer.question}: {'not understood' if reasked else shown}"
    result = Result("survey_answer", summary, "survey", turn.reply)
    if not turn.understood or turn.note:
        # An answer the survey could not read, or one that tells the team something: a
        # person reads every one of them.
        result.needs_attention = True
        result.at_least(Level.REVIEW if not turn.understood else Level.ORDINARY)
    for flag in turn.flags:
        alert = raise_alert(
            session,
            protocol,
            patient=patient,
            inbound_message_id=message_id,
            severity=flag.severity,
            reason=flag.reason,
            now=now,
        )
        result.alert_ids.append(alert.id or 0)
        result.needs_attention = True
        result.at_least(URGENCY_OF_SEVERITY.get(flag.severity, Level.REVIEW))
    if turn.next_state is None:
        conversation.ended_at = now
    else:
        conversation.question_index = turn.next_state.question_index
        conversation.reasked = turn.next_state.reasked
    session.add(conversation)
    return result


def close_survey(
    session: Session,
    protocol: Protocol,
    message_id: int,
    text: str,
    patient: Patient,
    conversation: Conversation,
    now: datetime,
) -> str:
    """Keep what a message that raised an alarm says as an answer, and end the survey: the
    alarm's alert already pages on-call, so the answer's own flags raise nothing more."""
    appointment = (
        session.get(Appointment, conversation.appointment_id)
        if conversation.appointment_id
        else None
    )
    state = SurveyState(conversation.survey, conversation.question_index, conversation.reasked)
    read = read_reply(protocol, state, text, appointment.treatment if appointment else None)
    conversation.ended_at = now
    session.add(conversation)
    if read is None:
        return "survey ended"
    recorded, flags, understood = read
    session.add(
        SymptomReport(
            patient_id=patient.id or 0,
            appointment_id=conversation.appointment_id,
            inbound_message_id=message_id,
            survey=conversation.survey,
            question=recorded.question,
            value=recorded.value,
            text=recorded.text,
            reported_at=now,
        )
    )
    shown = recorded.value if recorded.value is not None else recorded.text
    said = shown if understood else "not understood"
    over = f" ({'; '.join(flag.reason for flag in flags)})" if flags else ""
    return f"survey ended; {recorded.question}: {said}{over}"
