"""A message from a patient mid rating scale: its answers, their score, and the crisis
path when an answer calls for it (PHQ-9 item 9 above "not at all")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session

from followup.alerts import CRITICAL, raise_alert
from followup.db.models import Conversation, InstrumentResponse, Patient
from followup.instruments.asking import ItemAnswer, Position, Turn, answer
from followup.instruments.records import answers_of, record_answers
from followup.instruments.scoring import score
from followup.protocol import Instrument, Protocol
from followup.replies.alarms import URGENCY_OF_SEVERITY
from followup.replies.outcome import Replies, Result
from followup.replies.triage import Level

Scales = Sequence[tuple[str, Instrument]]


def scale_answer(
    session: Session,
    protocol: Protocol,
    replies: Replies,
    message_id: int,
    text: str,
    patient: Patient,
    conversation: Conversation,
    scales: Scales,
    now: datetime,
) -> Result:
    """Record a reply to the current item(s), answer with the next item, the crisis message
    or thanks, and alert on-call when an answer or a total calls for it."""
    position = Position(conversation.question_index, conversation.reasked)
    turn = answer(scales, position, text, patient.language)
    finished = record_answers(
        session, conversation, patient.language, message_id, text, turn.answers, protocol, now
    )
    summary = _summary(protocol, turn, finished)
    if turn.crisis:
        result = replies.result("crisis", summary, "reply_crisis", True)
        result.urgency = Level.CRISIS
        alert = raise_alert(
            session,
            protocol,
            patient=patient,
            inbound_message_id=message_id,
            severity=CRITICAL,
            reason=_crisis_reason(protocol, turn.crisis),
            now=now,
        )
        result.alert_ids.append(alert.id or 0)
    else:
        result = Result("scale_answer", summary, "survey", turn.reply)
    if not turn.understood or turn.remark:
        # An item that could not be read, or words beside the answers: a person reads them.
        result.needs_attention = True
        result.at_least(Level.REVIEW if not turn.understood else Level.ORDINARY)
    for row in finished:
        _alert_on_total(session, protocol, patient, message_id, row, result, now)
    if turn.next is None:
        conversation.ended_at = now
    else:
        conversation.question_index, conversation.reasked = turn.next.index, turn.next.reasked
    session.add(conversation)
    return result


def _summary(protocol: Protocol, turn: Turn, finished: Sequence[InstrumentResponse]) -> str:
    """What staff read about the message: how many answers, and any total it completed."""
    if not turn.answers:
        return "scale reply: not understood, asked again"
    parts = []
    names = dict.fromkeys(protocol.instruments[a.instrument].name for a in turn.answers)
    read = [a for a in turn.answers if a.value is not None]
    if read:
        parts.append(f"{', '.join(names)}: {len(read)} answer{'s' if len(read) != 1 else ''}")
    else:
        why = "unreadable" if not turn.understood else "skipped"
        parts.append(f"{', '.join(names)}: item {turn.answers[0].item + 1} {why}")
    for row in finished:
        parts.append(_total_words(protocol.instruments[row.instrument], row))
    return "; ".join(parts)


def _total_words(instrument: Instrument, row: InstrumentResponse) -> str:
    scored = score(instrument, answers_of(row))
    if scored.total is None:
        return f"{instrument.name} not scored ({scored.answered} of {scored.items} answered)"
    band = scored.band.label_in("en") if scored.band else ""
    prorated = f", prorated from {scored.answered} items" if scored.prorated else ""
    return f"{instrument.name} total {scored.total} ({band}{prorated})"


def _crisis_reason(protocol: Protocol, crisis: Sequence[ItemAnswer]) -> str:
    """The alert names the item and the answer, never the patient's words."""
    first = crisis[0]
    instrument = protocol.instruments[first.instrument]
    item = instrument.items[first.item]
    label = instrument.options[first.value or 0].label_in("en")
    topic = item.key.replace("_", " ")
    return f"crisis: {instrument.name} item {first.item + 1} ({topic}) answered {first.value} ({label})"


def _alert_on_total(
    session: Session,
    protocol: Protocol,
    patient: Patient,
    message_id: int,
    row: InstrumentResponse,
    result: Result,
    now: datetime,
) -> None:
    instrument = protocol.instruments[row.instrument]
    threshold = instrument.alert_at_or_above
    scored = score(instrument, answers_of(row))
    if threshold is None or scored.total is None or scored.total < threshold:
        return
    alert = raise_alert(
        session,
        protocol,
        patient=patient,
        inbound_message_id=message_id,
        severity=instrument.alert_severity,
        reason=f"{instrument.name} total {scored.total}, at or above {threshold}",
        now=now,
    )
    result.alert_ids.append(alert.id or 0)
    result.needs_attention = True
    result.at_least(URGENCY_OF_SEVERITY.get(instrument.alert_severity, Level.REVIEW))
