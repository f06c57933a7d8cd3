"""The inbound pipeline: store first, then triage, keywords, confirmations, surveys.

`handle` is what the Twilio webhook calls. The message is committed on its own before any
processing, so nothing a patient wrote is lost to a bug further down; if processing fails
the message is flagged for staff and, when it reads as a crisis, the patient still gets
the crisis answer.

Every webhook takes this path, so it is kept to two short transactions: the store and
the processing (one query for the senders and their open surveys, then what each message
calls for, then the messages' outcomes and answers). Both take several messages at once:
under load the web process hands over all the webhooks waiting (`followup.replies.inbox`),
so a burst costs two commits, not two per message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, insert, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from followup.alerts import CRITICAL, EMERGENCY, HIGH, URGENT, raise_alert
from followup.db.models import (
    Appointment,
    Conversation,
    InboundMessage,
    MessageStatus,
    Patient,
    ReplyMessage,
    ScheduledMessage,
    SymptomReport,
)
from followup.errors import RenderError
from followup.messages.context import display_phone, reply_context
from followup.messages.render import Renderer
from followup.phones import mask
from followup.protocol import Protocol
from followup.replies.conversations import end_conversation
from followup.replies.parse import Keyword, keyword, parse_confirmation
from followup.replies.survey import SurveyState, answer, read_reply
from followup.replies.triage import Level, Triage, triage
from followup.scheduling import ACTIVE, replan_patients

log = logging.getLogger(__name__)
# How long a retried webhook waits for the first copy's answer; Twilio gives up at 15 s.
RETRY_WAIT_SECONDS = 5.0

# YES and CALL refer to the next infusion when it is this close.
CONFIRMATION_HORIZON = timedelta(days=7)

INBOUND = InboundMessage.__table__  # type: ignore[attr-defined]
REPLY = ReplyMessage.__table__  # type: ignore[attr-defined]

# Built once: every webhook runs them, and a statement object made per call costs more
# (construction and cache key) than SQLite takes to run it. Values come as parameters.
# RETURNING names each row's key: asked for rows in parameter order instead, SQLAlchemy
# inserts one row per statement on SQLite, which does not promise that order.
_STORE = insert(INBOUND).returning(INBOUND.c.provider_sid, INBOUND.c.id)
_STORED_IDS = select(INBOUND.c.provider_sid, INBOUND.c.id).where(
    INBOUND.c.provider_sid.in_(bindparam("sids", expanding=True))
)
# _RECORD leaves needs_attention alone, so a flag raised before is never cleared.
_RECORD = update(INBOUND).where(INBOUND.c.id == bindparam("message_id"))
_RECORD_FLAGGED = _RECORD.values(needs_attention=True)
_ANSWER = insert(REPLY).returning(REPLY.c.inbound_message_id, REPLY.c.id)
_SENDERS = (
    select(Patient, Conversation)
    .outerjoin(
        Conversation,
        and_(
            col(Conversation.patient_id) == col(Patient.id),
            col(Conversation.ended_at).is_(None),
        ),
    )
    .where(col(Patient.phone).in_(bindparam("numbers", expanding=True)))
    .order_by(col(Patient.id))
)
APPOINTMENT = Appointment.__table__  # type: ignore[attr-defined]
# The infusions YES and CALL may refer to, for every sender of a batch: the first per
# patient is theirs. `or_`, not `in_`: a constant IN list is re-rendered at every execution.
_NEXT_INFUSIONS = (
    select(APPOINTMENT.c.patient_id, APPOINTMENT.c.id, APPOINTMENT.c.start_at)
    .where(
        APPOINTMENT.c.patient_id.in_(bindparam("patient_ids", expanding=True)),
        or_(*(APPOINTMENT.c.status == status for status in sorted(ACTIVE))),
        APPOINTMENT.c.start_at > bindparam("now"),
        APPOINTMENT.c.start_at <= bindparam("horizon"),
    )
    .order_by(APPOINTMENT.c.patient_id, APPOINTMENT.c.start_at, APPOINTMENT.c.id)
)
_CONFIRM = (
    update(APPOINTMENT)
    .where(APPOINTMENT.c.id == bindparam("appointment_id"))
    .values(
        confirmation=bindparam("what"),
        confirmation_at=bindparam("now"),
        updated_at=bindparam("now"),
    )
)


@dataclass(frozen=True, slots=True)
class Inbound:
    """An SMS as Twilio's webhook describes it."""

    sid: str
    from_number: str
    to_number: str
    body: str


@dataclass(slots=True)
class Handled:
    """What to answer the patient, and the alerts whose staff must hear at once."""

    reply: str | None = None
    reply_id: int | None = None
    alert_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Alarm:
    """What a triage level calls for: the alert's severity, the answer, the message's kind."""

    severity: str
    template: str
    kind: str


# Most urgent first: the first level a message's findings reach decides.
ALARMS = {
    Level.CRISIS: Alarm(CRITICAL, "reply_crisis", "crisis"),
    Level.EMERGENCY: Alarm(EMERGENCY, "reply_emergency", "emergency"),
    Level.URGENT: Alarm(URGENT, "reply_urgent", "urgent"),
}
# The inbox urgency of a message whose survey answer raised an alert of this severity.
_URGENCY_OF_SEVERITY = {
    EMERGENCY: Level.EMERGENCY,
    CRITICAL: Level.CRISIS,
    URGENT: Level.URGENT,
    HIGH: Level.URGENT,
}


def alarm(found: Triage) -> Alarm | None:
    """The alarm a triage calls for, or None. A crisis comes first even beside an emergency:
    its answer gives the emergency number too, and it pauses the patient's messages."""
    levels = {finding.level for finding in found.findings}
    return next((alarm for level, alarm in ALARMS.items() if level in levels), None)


@dataclass(slots=True)
class _Result:
    kind: str
    summary: str
    reply_kind: str | None = None
    reply: str | None = None
    needs_attention: bool = False
    alert_ids: list[int] = field(default_factory=list)
    urgency: Level = Level.ORDINARY
    triage: str | None = None

    def at_least(self, level: Level) -> None:
        """Raise the message's urgency to `level` if it is lower."""
        if level.rank < self.urgency.rank:
            self.urgency = level

    @property
    def answered(self) -> bool:
        """Whether the patient gets an answer (stored, and sent back in the TwiML)."""
        return self.reply is not None and self.reply_kind is not None


def handle(
    engine: Engine, protocol: Protocol, renderer: Renderer, inbound: Inbound, now: datetime
) -> Handled:
    """Store, then process one inbound SMS; a retried MessageSid gets the first answer again."""
    message_id, new = store(engine, [inbound], now)[0]
    if not new:
        return previous_answer(engine, protocol, message_id, inbound.body)
    return process(engine, protocol, renderer, [(message_id, inbound)], now)[0]


def store(engine: Engine, inbounds: Sequence[Inbound], now: datetime) -> list[tuple[int, bool]]:
    """Commit the raw messages, in one transaction; (id, False) for a MessageSid seen before.

    Of two copies in the same call, the first is the new one.
    """
    try:
        with engine.begin() as connection:
            return _store(connection, inbounds, now)
    except IntegrityError:
        # Another process stored one of these since we looked: one at a time finds which.
        if len(inbounds) == 1:
            with engine.begin() as connection:
                return _store(connection, inbounds, now)
        return [result for inbound in inbounds for result in store(engine, [inbound], now)]


def _store(
    connection: Connection, inbounds: Sequence[Inbound], now: datetime
) -> list[tuple[int, bool]]:
    sids = [inbound.sid for inbound in inbounds]
    known = dict(connection.execute(_STORED_IDS, {"sids": sorted(set(sids))}).all())
    fresh = {inbound.sid: inbound for inbound in inbounds if inbound.sid not in known}
    if fresh:
        rows = [
            {
                "provider_sid": inbound.sid,
                "from_number": inbound.from_number,
                "to_number": inbound.to_number,
                "body": inbound.body,
                "received_at": now,
                "kind": "received",
                "needs_attention": False,
            }
            for inbound in fresh.values()
        ]
        known.update(connection.execute(_STORE, rows).all())
    results = []
    for sid in sids:
        results.append((int(known[sid]), sid in fresh))
        fresh.pop(sid, None)  # a second copy in the same call is a retry of the first
    return results


def process(
    engine: Engine,
    protocol: Protocol,
    renderer: Renderer,
    messages: Sequence[tuple[int, Inbound]],
    now: datetime,
) -> list[Handled]:
    """Work out what each stored message means, act on it, and choose its answer.

    Together in one transaction; if that fails, each again on its own, so one message's
    failure neither loses the others nor stops them: it is flagged for staff, and a
    crisis still gets its answer and its alert.
    """
    if len(messages) > 1:
        try:
            return _process(engine, protocol, renderer, messages, now)
        except Exception:
            log.exception("%d inbound messages: processing together failed", len(messages))
    handled = []
    for message_id, inbound in messages:
        try:
            handled += _process(engine, protocol, renderer, [(message_id, inbound)], now)
        except Exception as exc:
            log.exception("inbound message %d: processing failed", message_id)
            handled.append(_after_failure(engine, protocol, message_id, inbound.body, exc, now))
    return handled


def _process(
    engine: Engine,
    protocol: Protocol,
    renderer: Renderer,
    messages: Sequence[tuple[int, Inbound]],
    now: datetime,
) -> list[Handled]:
    with Session(engine, expire_on_commit=False) as session:
        senders = _senders(session, [inbound.from_number for _, inbound in messages])
        confirmations = _Confirmations(
            session, [patient.id or 0 for rows in senders.values() for patient, _ in rows], now
        )
        results: list[tuple[Inbound, dict[str, Any], _Result]] = []
        outcomes: list[dict[str, Any]] = []
        flagged: list[dict[str, Any]] = []  # the outcomes that need staff's attention
        for message_id, inbound in messages:
            patient, conversation = match_patient(
                session, senders.get(inbound.from_number, []), now
            )
            replies = _Replies(renderer, protocol, patient)
            result = _understand(
                session,
                protocol,
                replies,
                confirmations,
                message_id,
                inbound.body,
                patient,
                conversation,
                now,
            )
            outcome = {
                "message_id": message_id,
                "patient_id": patient.id if patient else None,
                "kind": result.kind,
                "summary": result.summary[:300],
                "urgency": result.urgency.value,
                "triage": result.triage[:500] if result.triage else None,
            }
            (flagged if result.needs_attention else outcomes).append(outcome)
            results.append((inbound, outcome, result))
        session.flush()
        # Core statements on the session's own connection: same transaction, no ORM work.
        connection = session.connection()
        confirmations.store(connection)
        for statement, rows in ((_RECORD, outcomes), (_RECORD_FLAGGED, flagged)):
            if rows:
                connection.execute(statement, rows)
        answers = [
            {
                "inbound_message_id": outcome["message_id"],
                "patient_id": outcome["patient_id"],
                "to_number": inbound.from_number,
                "kind": result.reply_kind,
                "body": result.reply,
                "status": "queued",
                "created_at": now,
                "updated_at": now,
            }
            for inbound, outcome, result in results
            if result.answered
        ]
        reply_ids: dict[int, int] = (
            dict(connection.execute(_ANSWER, answers).all()) if answers else {}
        )
        session.commit()
    handled = []
    for (message_id, inbound), (_, _, result) in zip(messages, results, strict=True):
        handled.append(
            Handled(
                reply=result.reply if result.answered else None,
                reply_id=reply_ids.get(message_id),
                alert_ids=result.alert_ids,
            )
        )
        log.info(
            "inbound message %d from %s: %s", message_id, mask(inbound.from_number), result.kind
        )
    return handled


def _senders(
    session: Session, numbers: Sequence[str]
) -> dict[str, list[tuple[Patient, Conversation | None]]]:
    """Each number's patients, each with their open survey if any, in one query."""
    found: dict[str, list[tuple[Patient, Conversation | None]]] = {}
    for patient, conversation in session.exec(_SENDERS, params={"numbers": sorted(set(numbers))}):
        found.setdefault(patient.phone or "", []).append((patient, conversation))
    return found


def match_patient(
    session: Session, rows: Sequence[tuple[Patient, Conversation | None]], now: datetime
) -> tuple[Patient | None, Conversation | None]:
    """Of the patients sharing a number, the one mid-survey, else the first on file.

    `rows` may predate an earlier message of the same batch, whose survey answer or
    opt-out closed a conversation: those are skipped, as are surveys past their time.
    """
    for patient, conversation in rows:
        if conversation is None or conversation.ended_at is not None:
            continue
        if conversation.expires_at <= now:
            # As conversations.open_conversation does: a survey past its time is closed.
            conversation.ended_at = conversation.expires_at
            session.add(conversation)
            continue
        return patient, conversation
    return (rows[0][0], None) if rows else (None, None)


class _Replies:
    """Renders the reply templates (`templates/<lang>/reply_*/sms.txt.j2`) for one sender."""

    def __init__(self, renderer: Renderer, protocol: Protocol, patient: Patient | None) -> None:
        self.renderer, self.protocol = renderer, protocol
        self.language = patient.language if patient else "en"
        self.first_name = patient.first_name if patient else ""

    def result(self, kind: str, summary: str, template: str, attention: bool = False) -> _Result:
        context = reply_context(self.protocol, self.language, self.first_name)
        try:
            text = self.renderer.render(template, self.language, "sms", context).text
        except RenderError:
            if template not in _FALLBACKS:
                raise
            log.exception("the %s template failed; sending the built-in text", template)
            text = alarm_fallback(self.protocol, template)
        return _Result(kind, summary, template, text, attention)


def alarm_fallback(protocol: Protocol, template: str = "reply_crisis") -> str:
    """The answer to an alarm that needs no template, for when the template or the database
    fails: the crisis line, the emergency number and the on-call line, as the alarm needs."""
    clinic = protocol.clinic
    on_call = display_phone(clinic.on_call_phone, clinic.country)
    return _FALLBACKS[template].format(
        crisis_line=clinic.crisis_line,
        emergency_number=clinic.emergency_number,
        on_call=on_call,
        clinic=clinic.name,
    )


_FALLBACKS = {
    "reply_crisis": (
        "If you are thinking of harming yourself, call or text {crisis_line} now "
        "(Suicide & Crisis Lifeline), or call our on-call line {on_call}. "
        "If you are in immediate danger, call {emergency_number}. "
        "Someone from {clinic} will contact you."
    ),
    "reply_emergency": (
        "What you describe can be a medical emergency. Call {emergency_number} now, then our "
        "on-call line {on_call}. Someone from {clinic} has been alerted."
    ),
    "reply_urgent": (
        "A nurse from {clinic} has been alerted and will call you today. If it gets worse, "
        "call our on-call line {on_call} now, or {emergency_number} in an emergency."
    ),
}


def fallback_for(body: str) -> str | None:
    """The built-in answer to a message that calls for an alarm, or None: for when nothing
    could be stored or processed and the patient must still be told where to turn."""
    found = alarm(triage(body))
    return found.template if found is not None else None


def _understand(
    session: Session,
    protocol: Protocol,
    replies: _Replies,
    confirmations: _Confirmations,
    message_id: int,
    text: str,
    patient: Patient | None,
    conversation: Conversation | None,
    now: datetime,
) -> _Result:
    found = triage(text)
    raised = alarm(found)
    if raised is not None:
        result = _raise(session, protocol, replies, message_id, text, patient, found, raised, now)
        if conversation is not None and patient is not None:
            # What the answer says is kept; the survey ends, as a person now calls.
            result.summary += f"; {_close_survey(session, protocol, message_id, text, patient, conversation, now)}"
        return result
    result = _understand_ordinary(
        session, protocol, replies, confirmations, message_id, text, patient, conversation, now
    )
    if found.level is Level.REVIEW:
        # A denial or recovery, or distress: read soon, but no crisis line and no page.
        result.at_least(Level.REVIEW)
        result.needs_attention = True
    if found.findings:
        result.triage = found.explain()
    return result


def _raise(
    session: Session,
    protocol: Protocol,
    replies: _Replies,
    message_id: int,
    text: str,
    patient: Patient | None,
    found: Triage,
    raised: Alarm,
    now: datetime,
) -> _Result:
    """Alert on-call and answer with the alarm's numbers: before everything else, whoever
    sent the message, opted out or not."""
    rules = "; ".join(dict.fromkeys(f.rule for f in found.findings if f.level is not Level.REVIEW))
    alert = raise_alert(
        session,
        protocol,
        patient=patient,
        inbound_message_id=message_id,
        severity=raised.severity,
        reason=f"{raised.kind}: {rules}",
        now=now,
    )
    summary = f"{raised.kind}: {found.explain()}"
    if patient is not None and keyword(text) is Keyword.STOP:
        # A revocation counts whatever else the message says.
        summary += f"; {_opt_out(session, patient, now)}"
    result = replies.result(raised.kind, summary, raised.template, True)
    result.alert_ids.append(alert.id or 0)
    result.urgency, result.triage = found.level, found.explain()
    return result


def _understand_ordinary(
    session: Session,
    protocol: Protocol,
    replies: _Replies,
    confirmations: _Confirmations,
    message_id: int,
    text: str,
    patient: Patient | None,
    conversation: Conversation | None,
    now: datetime,
) -> _Result:
    if patient is None:
        return replies.result(
            "unknown_sender", "from a number not in the roster", "reply_unknown_sender", True
        )
    word = keyword(text)
    if word is Keyword.STOP:
        return replies.result("opt_out", _opt_out(session, patient, now), "reply_stop")
    if word is Keyword.START or (
        patient.opted_out_at is not None and parse_confirmation(text) == "yes"
    ):
        _opt_in(session, protocol, patient, now)
        return replies.result("opt_in", "opted back in to SMS", "reply_start")
    if word is Keyword.HELP:
        return replies.result("help", "asked for help", "reply_help")
    confirmation = parse_confirmation(text)
    if confirmation == "call":
        when = confirmations.confirm(patient, "call_requested") or "no upcoming infusion"
        return replies.result(
            "call_request", f"asked for a call ({when})", "reply_call_requested", True
        )
    if conversation is not None:
        return _survey_answer(session, protocol, message_id, text, patient, conversation, now)
    if confirmation == "yes":
        confirmed = confirmations.confirm(patient, "confirmed")
        if confirmed is not None:
            return replies.result(
                "confirmation", f"confirmed ride and fasting ({confirmed})", "reply_confirmed"
            )
    return replies.result("free_text", "a message for the care team", "reply_received", True)


def _opt_out(session: Session, patient: Patient, now: datetime) -> str:
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


def _opt_in(session: Session, protocol: Protocol, patient: Patient, now: datetime) -> None:
    patient.opted_out_at = None
    patient.updated_at = now
    session.add(patient)
    session.flush()
    # Messages skipped for the opt-out come back if they still make sense.
    replan_patients(session, [patient.id or 0], protocol, now)


class _Confirmations:
    """YES and CALL within one batch: the next infusions are read in one query, when the
    first is met, and the confirmations stored in one statement with the batch's outcomes."""

    def __init__(self, session: Session, patient_ids: Sequence[int], now: datetime) -> None:
        self.session, self.patient_ids, self.now = session, patient_ids, now
        self._next: dict[int, tuple[int, datetime]] | None = None
        self._stored: list[dict[str, Any]] = []

    def confirm(self, patient: Patient, what: str) -> str | None:
        """Mark the patient's next infusion; its time, or None when there is none within reach."""
        if self._next is None:
            self._next = {}
            found = self.session.connection().execute(
                _NEXT_INFUSIONS,
                {
                    "patient_ids": sorted(set(self.patient_ids)),
                    "now": self.now,
                    "horizon": self.now + CONFIRMATION_HORIZON,
                },
            )
            for patient_id, appointment_id, start_at in found:
                self._next.setdefault(patient_id, (appointment_id, start_at))
        if patient.id not in self._next:
            return None
        appointment_id, start_at = self._next[patient.id]
        self._stored.append({"appointment_id": appointment_id, "what": what, "now": self.now})
        return f"infusion {start_at:%Y-%m-%d %H:%M}Z"

    def store(self, connection: Connection) -> None:
        """Write the batch's confirmations, in the order they came (a later one wins)."""
        if self._stored:
            connection.execute(_CONFIRM, self._stored)


def _survey_answer(
    session: Session,
    protocol: Protocol,
    message_id: int,
    text: str,
    patient: Patient,
    conversation: Conversation,
    now: datetime,
) -> _Result:
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
    result = _Result("survey_answer", summary, "survey", turn.reply)
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
        result.at_least(_URGENCY_OF_SEVERITY.get(flag.severity, Level.REVIEW))
    if turn.next_state is None:
        conversation.ended_at = now
    else:
        conversation.question_index = turn.next_state.question_index
        conversation.reasked = turn.next_state.reasked
    session.add(conversation)
    return result


def _close_survey(
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


def previous_answer(engine: Engine, protocol: Protocol, message_id: int, body: str) -> Handled:
    """Twilio retried a webhook we already stored: the first answer again, nothing done twice.

    The first copy may still be at work (on PostgreSQL two copies can arrive together), so
    its answer is waited for a moment. An alarm (crisis, emergency, urgent) is never left
    without its numbers: if no answer was stored, it gets the built-in one, a second text
    being the lesser harm.
    """
    deadline = time.monotonic() + RETRY_WAIT_SECONDS
    while True:
        with Session(engine) as session:
            # The message first: once its processing shows, the answer committed with it does
            # (read the other way round, PostgreSQL could show neither the answer nor work).
            message = session.get(InboundMessage, message_id)
            reply = session.exec(
                select(ReplyMessage).where(ReplyMessage.inbound_message_id == message_id)
            ).first()
        if reply is not None:
            return Handled(reply=reply.body, reply_id=reply.id)
        still_at_work = message is not None and message.kind == "received"
        if not still_at_work or time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    template = fallback_for(body)
    return Handled(reply=alarm_fallback(protocol, template)) if template else Handled()


def _after_failure(
    engine: Engine, protocol: Protocol, message_id: int, body: str, exc: Exception, now: datetime
) -> Handled:
    """Flag the stored message for staff; an alarm still gets its answer and its alert."""
    found = triage(body)
    raised = alarm(found)
    table = InboundMessage.__table__  # type: ignore[attr-defined]
    try:
        with engine.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.id == message_id)
                .values(
                    needs_attention=True,
                    kind="error",
                    urgency=found.level.value,
                    triage=found.explain()[:500] or None,
                    processing_error=f"{type(exc).__name__}: {exc}"[:300],
                )
            )
    except Exception:
        if raised is None:
            raise  # a 500: the message stays stored, unprocessed
        log.exception("inbound message %d: could not flag it for staff either", message_id)
    if raised is None:
        return Handled()
    handled = Handled(reply=alarm_fallback(protocol, raised.template))
    try:
        with Session(engine) as session:
            message = session.get(InboundMessage, message_id)
            patient = (
                session.get(Patient, message.patient_id) if message and message.patient_id else None
            )
            alert = raise_alert(
                session,
                protocol,
                patient=patient,
                inbound_message_id=message_id,
                severity=raised.severity,
                reason=f"{raised.kind} (message could not be fully processed)",
                now=now,
            )
            session.commit()
            handled.alert_ids.append(alert.id or 0)
    except Exception:
        log.exception(
            "inbound message %d: could not record the %s alert either", message_id, raised.kind
        )
    return handled
