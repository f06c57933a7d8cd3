"""The inbound pipeline: store first, then triage, keywords, confirmations, surveys.

`handle` is what the Twilio webhook calls. The message is committed on its own before any
processing, so nothing a patient wrote is lost to a bug further down; if processing fails
the message is flagged for staff and, when it calls for an alarm, the patient still gets
its answer (`recovery`). The parts: `alarms` (what each triage level calls for), `consent`
(STOP, START), `confirmations` (YES, CALL), `answers` (surveys), `outcome` (results).

Every webhook takes this path, so it is kept to two short transactions: the store and
the processing (one query for the senders and their open surveys, then what each message
calls for, then the messages' outcomes and answers). Both take several messages at once:
under load the web process hands over all the webhooks waiting (`followup.replies.inbox`),
so a burst costs two commits, not two per message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from followup.alerts import raise_alert
from followup.core.phones import mask
from followup.db.models import (
    AuditEvent,
    Conversation,
    InboundMessage,
    Patient,
    ReplyMessage,
)
from followup.messages.render import Renderer
from followup.ops.outages import cause, is_unavailable
from followup.protocol import Protocol
from followup.replies.alarms import Alarm, alarm, alarm_reason
from followup.replies.answers import close_survey, survey_answer
from followup.replies.confirmations import Confirmations
from followup.replies.consent import (
    answer_revocation,
    is_revocation,
    number_opted_out,
    opt_in,
    revoke,
    unclear,
)
from followup.replies.optout import Reading, read_opt_out
from followup.replies.outcome import Handled, Inbound, Processed, Replies, Result, Unrecorded
from followup.replies.parse import Keyword, keyword, parse_confirmation
from followup.replies.pleasantry import is_pleasantry
from followup.replies.recovery import after_failure, previous_answer
from followup.replies.triage import Level, Triage, triage

log = logging.getLogger(__name__)
INBOUND = InboundMessage.__table__  # type: ignore[attr-defined]
REPLY = ReplyMessage.__table__  # type: ignore[attr-defined]
RECEIVED = "received"  # stored, not yet processed
NOT_SENT = "not_sent"  # an answer chosen after the webhook had been answered
FREE_TEXT = "free_text"  # a message for the care team: a person reads it
ACKNOWLEDGEMENT = "acknowledgement"  # only thanks, "ok" or good news: shown, not queued
# A staff SMS this recent makes any answer to it a person's to read, "ok" included.
STAFF_THREAD = timedelta(days=3)

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
# Takes the messages still waiting to be processed (a no-op write that locks the rows).
_TAKE = (
    update(INBOUND)
    .where(INBOUND.c.id.in_(bindparam("ids", expanding=True)), INBOUND.c.kind == RECEIVED)
    .values(kind=INBOUND.c.kind)
    .returning(INBOUND.c.id)
)
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


def handle(
    engine: Engine, protocol: Protocol, renderer: Renderer, inbound: Inbound, now: datetime
) -> Handled:
    """Store, then process one inbound SMS; a retried MessageSid gets the first answer again.

    Raises when the database cannot take it (the caller answers from memory, `alarms`).
    """
    message_id, _new = store(engine, [inbound], now)[0]
    [handled] = process(engine, protocol, renderer, [(message_id, inbound)], now)
    if isinstance(handled, Unrecorded):
        raise handled.error
    if handled is None:  # processed before: a retry
        return previous_answer(engine, protocol, inbound.sid, inbound.body)
    return handled


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
                "received_at": inbound.received_at or now,
                "kind": RECEIVED,
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
    live: bool = True,
) -> list[Processed]:
    """Work out what each stored message means, act on it, and choose its answer.

    Only messages still `received` are taken (the others were processed already, or are
    being processed elsewhere: None). Together in one transaction; if that fails, each
    again on its own, so one message's failure neither loses the others nor stops them:
    it is flagged for staff, and a crisis still gets its answer and its alert. A message
    the database could not take (`Unrecorded`) stays `received`, for the journal's replay
    or the sweeper. `live`: the answer goes back in the webhook's TwiML; else it is kept,
    unsent, for staff to read (the patient was answered, if at all, when it came).
    """
    if len(messages) > 1:
        try:
            return _process(engine, protocol, renderer, messages, now, live)
        except Exception as exc:
            if is_unavailable(exc):  # the caller says so, once
                return [Unrecorded(exc) for _ in messages]
            log.exception("%d inbound messages: processing together failed", len(messages))
    handled: list[Processed] = []
    for message_id, inbound in messages:
        try:
            handled += _process(engine, protocol, renderer, [(message_id, inbound)], now, live)
        except Exception as exc:
            if is_unavailable(exc):
                handled.append(Unrecorded(exc))
                continue
            log.exception("inbound message %d: processing failed", message_id)
            try:
                handled.append(after_failure(engine, protocol, message_id, inbound, exc, now))
            except Exception as again:
                log.error(
                    "inbound message %d: could not flag it either: %s", message_id, cause(again)
                )
                handled.append(Unrecorded(again))
    return handled


def _process(
    engine: Engine,
    protocol: Protocol,
    renderer: Renderer,
    messages: Sequence[tuple[int, Inbound]],
    now: datetime,
    live: bool,
) -> list[Processed]:
    with Session(engine, expire_on_commit=False) as session:
        # First, and in this transaction: a concurrent taker (the sweeper, another copy)
        # waits on these rows and then finds them processed.
        taken = set(
            session.connection()
            .execute(_TAKE, {"ids": [message_id for message_id, _ in messages]})
            .scalars()
        )
        mine = [(message_id, inbound) for message_id, inbound in messages if message_id in taken]
        if not mine:
            return [None for _ in messages]
        senders = _senders(session, [inbound.from_number for _, inbound in mine])
        confirmations = Confirmations(
            session, [patient.id or 0 for rows in senders.values() for patient, _ in rows], now
        )
        results: list[tuple[Inbound, dict[str, Any], Result]] = []
        outcomes: list[dict[str, Any]] = []
        flagged: list[dict[str, Any]] = []  # the outcomes that need staff's attention
        for message_id, inbound in mine:
            patient, conversation = match_patient(
                session, senders.get(inbound.from_number, []), now
            )
            replies = Replies(renderer, protocol, patient)
            result = _understand(
                session,
                protocol,
                replies,
                confirmations,
                message_id,
                inbound,
                patient,
                conversation,
                now,
            )
            outcome = {
                "message_id": message_id,
                "patient_id": patient.id if patient else None,
                "location": (
                    patient.location if patient else protocol.location_by_number(inbound.to_number)
                ),
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
                "status": "queued" if live else NOT_SENT,
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
    handled: dict[int, Handled] = {}
    for (message_id, inbound), (_, _, result) in zip(mine, results, strict=True):
        handled[message_id] = Handled(
            reply=result.reply if result.answered and live else None,
            reply_id=reply_ids.get(message_id) if live else None,
            alert_ids=result.alert_ids,
        )
        log.info(
            "inbound message %d from %s: %s", message_id, mask(inbound.from_number), result.kind
        )
    return [handled.get(message_id) for message_id, _ in messages]


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


def _understand(
    session: Session,
    protocol: Protocol,
    replies: Replies,
    confirmations: Confirmations,
    message_id: int,
    inbound: Inbound,
    patient: Patient | None,
    conversation: Conversation | None,
    now: datetime,
) -> Result:
    text = inbound.body
    reading = read_opt_out(text)
    # The opt-out belongs to the number, whoever it is (or is not) on file for; only the
    # first since it last opted in is confirmed.
    first = is_revocation(reading) and number_opted_out(session, inbound.from_number, now)
    found = triage(text)
    raised = alarm(found)
    if raised is not None:
        result = _raise(
            session, protocol, replies, message_id, inbound, patient, found, raised, now
        )
        if is_revocation(reading):
            # A revocation counts whatever else the message says; the answer is the alarm's.
            result.summary += f"; {revoke(session, inbound.from_number, reading, message_id, now)}"
        elif reading is not None:
            result.summary += "; may also be asking to stop messages"
        if conversation is not None and patient is not None:
            # What the answer says is kept; the survey ends, as a person now calls.
            result.summary += (
                f"; {close_survey(session, protocol, message_id, text, patient, conversation, now)}"
            )
        return result
    result = _understand_ordinary(
        session, protocol, replies, confirmations, message_id, inbound, patient, conversation, now,
        (reading, first),
    )  # fmt: skip
    if found.level is Level.REVIEW:
        # A denial or recovery, or distress: read soon, but no crisis line and no page.
        result.at_least(Level.REVIEW)
        result.needs_attention = True
    if found.findings:
        result.triage = found.explain()
    elif (
        result.kind == FREE_TEXT
        and is_pleasantry(text)
        # Paused: a crisis or an emergency of theirs is open, and "I'm fine" then is for
        # the person handling it to weigh, not to be filed away.
        and not (patient is not None and patient.paused_at is not None)
        and not _staff_texted(session, inbound.from_number, now)
    ):
        # "Thanks!", "ok", "Feeling great today": kept and shown, not queued for a person
        # (a queue where everything waits hides the crisis). Any finding keeps it queued.
        result.kind, result.summary = ACKNOWLEDGEMENT, "thanks or good news"
        result.needs_attention = False
    return result


def _staff_texted(session: Session, number: str, now: datetime) -> bool:
    """Whether staff texted this number lately: then "ok" may answer their question."""
    since = now - STAFF_THREAD
    # Staff answer a message from this number: any of the last month's may be the one.
    asked = select(col(InboundMessage.id)).where(
        InboundMessage.from_number == number,
        col(InboundMessage.received_at) >= now - timedelta(days=30),
    )
    ids = [str(i) for i in session.exec(asked)]
    if not ids:
        return False
    sent = select(AuditEvent.id).where(
        AuditEvent.action == "reply.sent",
        AuditEvent.record_type == "inbound_message",
        col(AuditEvent.record_id).in_(ids),
        col(AuditEvent.at) >= since,
    )
    return session.exec(sent).first() is not None


def _raise(
    session: Session,
    protocol: Protocol,
    replies: Replies,
    message_id: int,
    inbound: Inbound,
    patient: Patient | None,
    found: Triage,
    raised: Alarm,
    now: datetime,
) -> Result:
    """Alert on-call and answer with the alarm's numbers: before everything else, whoever
    sent the message, opted out or not. On-call already paged without the database is
    not paged again."""
    alert = raise_alert(
        session,
        protocol,
        patient=patient,
        inbound_message_id=message_id,
        severity=raised.severity,
        reason=alarm_reason(found, raised),
        now=now,
        paged=inbound.paged,
    )
    summary = f"{raised.kind}: {found.explain()}"
    result = replies.result(raised.kind, summary, raised.template, True)
    result.alert_ids.append(alert.id or 0)
    result.urgency, result.triage = found.level, found.explain()
    return result


def _understand_ordinary(
    session: Session,
    protocol: Protocol,
    replies: Replies,
    confirmations: Confirmations,
    message_id: int,
    inbound: Inbound,
    patient: Patient | None,
    conversation: Conversation | None,
    now: datetime,
    opting: tuple[Reading | None, bool],
) -> Result:
    text, number = inbound.body, inbound.from_number
    word, (reading, first) = keyword(text), opting
    if is_revocation(reading):
        return answer_revocation(session, replies, number, reading, message_id, first, now)
    if word is Keyword.START or (
        patient is not None
        and patient.opted_out_at is not None
        and parse_confirmation(text) == "yes"
    ):
        return replies.result(
            "opt_in", opt_in(session, protocol, number, message_id, now), "reply_start"
        )
    if patient is None:
        return replies.result(
            "unknown_sender", "from a number not in the roster", "reply_unknown_sender", True
        )
    if word is Keyword.HELP:
        return replies.result("help", "asked for help", "reply_help")
    if reading is not None:
        return unclear(replies, reading)
    confirmation = parse_confirmation(text)
    if confirmation == "call":
        when = confirmations.confirm(patient, "call_requested") or "no upcoming infusion"
        return replies.result(
            "call_request", f"asked for a call ({when})", "reply_call_requested", True
        )
    if conversation is not None:
        return survey_answer(
            session, protocol, replies, message_id, text, patient, conversation, now
        )
    if confirmation == "yes":
        confirmed = confirmations.confirm(patient, "confirmed")
        if confirmed is not None:
            return replies.result(
                "confirmation", f"confirmed ride and fasting ({confirmed})", "reply_confirmed"
            )
    return replies.result(FREE_TEXT, "a message for the care team", "reply_received", True)
