"""Consent by text: a revocation (STOP, or a plain sentence), START, and the unclear middle.

A revocation is recorded for every channel of every patient on the number, in the
webhook's own transaction, and confirmed once: the first revocation from a number since
it last opted in inserts its `opted_out_number` row, and only that one is answered, so
"STOP" sent twice (or retried by two web processes) gets one confirmation. Twilio itself
blocks and answers the single-word keywords; our answer to those is refused (21610) and
the patient gets Twilio's, so every revocation is confirmed exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeGuard

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from followup.consent.records import CHANNELS, Source, patients_on, record, record_number
from followup.db.models import MessageStatus, OptedOutNumber, Patient, ScheduledMessage
from followup.planning.scheduling import replan_patients
from followup.protocol import Protocol
from followup.replies.conversations import end_conversation
from followup.replies.optout import OptOut, Reading
from followup.replies.outcome import Replies, Result
from followup.replies.triage import Level

M = ScheduledMessage.__table__  # type: ignore[attr-defined]
P = Patient.__table__  # type: ignore[attr-defined]


def revoke(
    session: Session,
    phone: str,
    reading: Reading,
    message_id: int | None,
    now: datetime,
    source: Source | None = None,
) -> str:
    """Revoke texts and emails for everyone on `phone` (or the number itself when it is
    nobody's), skip their waiting messages on every channel; return the staff summary."""
    source = source or (Source.SMS_KEYWORD if reading.keyword else Source.SMS_WORDS)
    detail = f"texted {reading.words.upper()!r}" if reading.keyword else "asked in a text to stop"
    ids = patients_on(session, phone)
    if not ids:
        record_number(
            session, phone, given=False, source=source, at=now, detail=detail,
            inbound_message_id=message_id,
        )  # fmt: skip
        return "a number not in the roster revoked consent to texts"
    record(
        session, ids, CHANNELS, given=False, source=source, at=now, detail=detail,
        inbound_message_id=message_id,
    )  # fmt: skip
    session.execute(
        update(P)
        .where(P.c.id.in_(ids), P.c.opted_out_at.is_(None))
        .values(opted_out_at=now, updated_at=now)
    )
    skipped = session.execute(
        update(M)
        .where(M.c.patient_id.in_(ids), M.c.status == MessageStatus.PENDING)
        .values(status=MessageStatus.SKIPPED, status_reason=f"consent revoked: {detail}"[:200])
        .values(updated_at=now)
    ).rowcount  # type: ignore[attr-defined]
    for pid in ids:
        end_conversation(session, pid, now)
    who = "" if len(ids) == 1 else f" for the {len(ids)} patients on this number"
    return (
        f"revoked consent to texts and emails{who} ({detail}); {skipped} waiting messages skipped"
    )


def opt_in(
    session: Session, protocol: Protocol, phone: str, message_id: int | None, now: datetime
) -> str:
    """START (or YES while opted out): texts again for everyone on `phone`, confirmed by
    the opt-in confirmation. Email stays as it was: START is a text keyword."""
    number_opted_in(session, phone)
    ids = patients_on(session, phone)
    if not ids:
        record_number(session, phone, given=True, source=Source.SMS_KEYWORD, at=now,
                      detail="texted START", inbound_message_id=message_id)  # fmt: skip
        return "a number not in the roster opted in to texts"
    record(session, ids, ("sms",), given=True, source=Source.SMS_KEYWORD, at=now,
           detail="texted START", inbound_message_id=message_id)  # fmt: skip
    session.execute(update(P).where(P.c.id.in_(ids)).values(opted_out_at=None, updated_at=now))
    # Messages skipped for the opt-out come back if they still make sense.
    replan_patients(session, ids, protocol, now)
    return "opted back in to texts"


def unclear(replies: Replies, reading: Reading) -> Result:
    """A reply that may be an opt-out: nothing is revoked; a person reads it today."""
    result = replies.result(
        "opt_out_unclear",
        f"may be asking to stop messages ({reading.words!r}): a person decides today, "
        "and records the revocation on the patient page if it is one",
        "reply_unclear_stop",
        True,
    )
    result.at_least(Level.REVIEW)
    result.triage = f"opt-out unclear: {reading.words!r}"
    return result


def answer_revocation(
    session: Session,
    replies: Replies,
    phone: str,
    reading: Reading,
    message_id: int,
    first: bool,
    now: datetime,
) -> Result:
    """Record a sure revocation; answer it only if it is the number's first since START."""
    summary = revoke(session, phone, reading, message_id, now)
    if first:
        return replies.result("opt_out", summary, "reply_stop")
    return Result("opt_out", f"{summary}; already opted out, so not confirmed again")


def is_revocation(reading: Reading | None) -> TypeGuard[Reading]:
    """Whether a reading is a sure revocation (not an unclear one, not none)."""
    return reading is not None and reading.kind is OptOut.REVOKE


def number_opted_out(session: Session, phone: str, now: datetime) -> bool:
    """Note that `phone` asked to stop; True for the first time since it last opted in
    (kept from the first; two at once are one: the second finds the row)."""
    table = OptedOutNumber.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    inserted = session.execute(
        insert.values(phone=phone, opted_out_at=now)
        .on_conflict_do_nothing(index_elements=[table.c.phone])
        .returning(table.c.phone)
    ).first()
    return inserted is not None


def number_opted_in(session: Session, phone: str) -> None:
    """Forget the opt-out of `phone`: it texted START (or a patient on it opted back in)."""
    table = OptedOutNumber.__table__  # type: ignore[attr-defined]
    session.execute(delete(table).where(table.c.phone == phone))
