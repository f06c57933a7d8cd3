"""A call's life in the database: claimed, placed, heard, ended, and the next one queued.

Every change is a compare-and-set on the call's row (`status`), so that a web process
hearing Twilio, a worker sweeping lost calls and a second worker placing calls never
act on one call twice; only the one that ends an attempt queues the next. A keypress
ends its attempt and acknowledges the alert in one transaction; an alert taken on the
alerts page first stays taken by whoever took it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from typing import Protocol as Interface

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from followup.alerts import call_script as script
from followup.alerts.call_plan import (
    ACKNOWLEDGED,
    CANCELLED,
    CONFIRMED,
    ERROR,
    LOST,
    MACHINE,
    NOT_REACHED,
    PASSED,
    TOO_LATE,
    callee,
    deadline,
    due_at,
    is_machine,
    outcome_of,
)
from followup.alerts.call_tokens import Signer
from followup.alerts.raising import alert_location
from followup.alerts.views import acknowledge_in
from followup.core.phones import mask
from followup.db.models import Alert, AlertCall
from followup.protocol import Protocol
from followup.staff.audit import audit

log = logging.getLogger(__name__)

VIA = "phone call"  # alert.acknowledged_via for a keypress
SYSTEM = "followup"  # the audit log's actor for what no person did
C = AlertCall.__table__  # type: ignore[attr-defined]


class CallPlacing(Interface):
    """What places due calls (`dispatch.calls.Dialer`), for the processes that raise alerts."""

    def place_due(self, alert_id: int | None = None) -> int:
        """Place the calls due now (one alert's, or all); how many."""
        ...


@dataclass(frozen=True, slots=True)
class Heard:
    """The TwiML answering Twilio, and the alert whose next call is due now, if any."""

    twiml: str
    place_for: int | None = None


def end_call(
    session: Session, call: AlertCall, outcome: str, now: datetime, **details: Any
) -> bool:
    """End the attempt with `outcome` unless someone ended it first; audited. No commit."""
    if not _end(session, call, outcome, now, **details):
        return False
    _record(session, call, now)
    return True


def _end(session: Session, call: AlertCall, outcome: str, now: datetime, **details: Any) -> bool:
    won = (
        session.connection()
        .execute(
            update(C)
            .where(C.c.id == call.id, C.c.status != "ended")
            .values(status="ended", outcome=outcome, ended_at=now, **details)
        )
        .rowcount
    )
    return bool(won == 1)


def _record(session: Session, call: AlertCall, now: datetime) -> None:
    session.refresh(call)
    if call.alert_id is not None:
        audit(session, SYSTEM, "alert.call", "alert", call.alert_id, None, _audited(call), now)
    else:
        audit(
            session,
            SYSTEM,
            "on_call.test_call",
            "on_call",
            call.contact_name,
            None,
            _audited(call),
            now,
        )
    log.info(
        "alert %s: call %d to %s (%s) ended: %s",
        call.alert_id or "-",
        call.id,
        call.contact_name,
        mask(call.to),
        call.outcome,
    )


def queue_next(session: Session, protocol: Protocol, call: AlertCall, now: datetime) -> bool:
    """Queue the alert's next call after `call` while nobody has taken it; False when the
    calling is over (taken, a test call, or the fallback already called). No commit."""
    if call.alert_id is None:
        return False
    alert = session.get(Alert, call.alert_id)
    if alert is None or alert.acknowledged_at is not None:
        return False
    attempt = call.attempt + 1
    where = alert_location(session, protocol, alert)
    person = callee(protocol, attempt, where)
    if person is None:
        log.warning("alert %d: every call went unanswered; no more calls", call.alert_id)
        return False
    session.add(
        AlertCall(
            alert_id=call.alert_id,
            attempt=attempt,
            contact_name=person.name,
            to=person.phone,
            language=person.language,
            fallback=person.fallback,
            due_at=due_at(protocol, attempt, now, call.outcome == PASSED, where),
            created_at=now,
        )
    )
    return True


def claim_call(engine: Engine, protocol: Protocol, call_id: int, now: datetime) -> AlertCall | None:
    """Take a due call to place it; None when another process did, or when its alert was
    taken meanwhile (then it ends as cancelled and is never placed)."""
    with Session(engine, expire_on_commit=False) as session:
        call = session.get(AlertCall, call_id)
        if call is None or call.status != "pending" or call.due_at > now:
            return None
        alert = session.get(Alert, call.alert_id) if call.alert_id else None
        if alert is not None and alert.acknowledged_at is not None:
            end_call(session, call, CANCELLED, now)
            session.commit()
            return None
        won = (
            session.connection()
            .execute(
                update(C)
                .where(C.c.id == call_id, C.c.status == "pending")
                .values(status="calling", placed_at=now, deadline_at=deadline(protocol, now))
            )
            .rowcount
        )
        session.commit()
        if won != 1:
            return None
        session.refresh(call)
        return call


def release_call(engine: Engine, call_id: int) -> None:
    """Give back a claimed call that was not placed (no rate token came in time)."""
    with engine.begin() as connection:
        connection.execute(
            update(C)
            .where(C.c.id == call_id, C.c.status == "calling", C.c.call_sid.is_(None))
            .values(status="pending", placed_at=None, deadline_at=None)
        )


def call_placed(engine: Engine, call_id: int, sid: str, now: datetime) -> None:
    """Keep when Twilio took the call, and its SID unless its first callback brought it."""
    with engine.begin() as connection:
        connection.execute(update(C).where(C.c.id == call_id).values(placed_at=now))
        connection.execute(
            update(C).where(C.c.id == call_id, C.c.call_sid.is_(None)).values(call_sid=sid)
        )


def call_refused(
    engine: Engine, protocol: Protocol, call: AlertCall, error: str, now: datetime
) -> bool:
    """Twilio would not place the call: the attempt ends and the next is queued (True)."""
    with Session(engine) as session:
        row = session.get(AlertCall, call.id)
        if row is None or not end_call(session, row, ERROR, now, error=error[:300]):
            return False
        queued = queue_next(session, protocol, row, now)
        session.commit()
        return queued


def end_lost_calls(engine: Engine, protocol: Protocol, now: datetime) -> list[int]:
    """End the placed calls Twilio never reported on by their deadline, and queue the next
    calls; the alerts that have one."""
    with Session(engine) as session:
        ids = session.exec(
            select(AlertCall.id).where(
                AlertCall.status == "calling", col(AlertCall.deadline_at) <= now
            )
        ).all()
    queued = []
    for call_id in ids:
        with Session(engine) as session:
            call = session.get(AlertCall, call_id)
            if call is not None and end_call(session, call, LOST, now):
                if queue_next(session, protocol, call, now):
                    queued.append(call.alert_id or 0)
                session.commit()
    return queued


def find_call(
    session: Session, signer: Signer, call_id: int, token: str, call_sid: str
) -> AlertCall | None:
    """The call a callback is about, if its token is that call's and Twilio's call SID
    is the one we placed (the first callback may bring the SID before we record it)."""
    call = session.get(AlertCall, call_id)
    if call is None or not signer.matches(call_id, call.alert_id, call.attempt, token):
        log.warning("refused a call callback with an unknown call or a wrong token")
        return None
    if call.call_sid and call.call_sid != call_sid:
        log.warning("refused a callback for call %d from another call", call_id)
        return None
    return call


def answered(
    engine: Engine,
    protocol: Protocol,
    signer: Signer,
    call_id: int,
    token: str,
    call_sid: str,
    answered_by: str | None,
    now: datetime,
) -> Heard:
    """Twilio asks what to say: the question to a person, the call-back message to a
    voicemail (which acknowledges nothing), or that someone already took the alert."""
    clinic = protocol.clinic.name
    with Session(engine) as session:
        call = find_call(session, signer, call_id, token, call_sid)
        if call is None or call.status != "calling":
            return Heard(script.hang_up())
        details = {"call_sid": call_sid, "answered_by": answered_by or None}
        test = call.alert_id is None
        if is_machine(answered_by):
            place = None
            if end_call(session, call, MACHINE, now, **details):
                place = call.alert_id if queue_next(session, protocol, call, now) else None
            session.commit()
            if (answered_by or "").startswith("fax"):
                return Heard(script.hang_up(), place)
            message = "test_voicemail" if test else "voicemail"
            if not test and is_last(session, protocol, call):
                message = "voicemail_last"
            return Heard(script.say(call.language, message, clinic=clinic), place)
        alert = session.get(Alert, call.alert_id) if call.alert_id else None
        if alert is not None and alert.acknowledged_at is not None:
            end_call(session, call, TOO_LATE, now, **details)
            session.commit()
            return Heard(script.say(call.language, "taken", by=alert.acknowledged_by or "staff"))
        session.execute(update(C).where(C.c.id == call.id).values(**details))
        session.commit()
        key_url = signer.urls(call.id or 0, call.alert_id, call.attempt).key
        last = is_last(session, protocol, call)
        return Heard(script.ask(call.language, clinic, key_url, test=test, last=last))


def pressed(
    engine: Engine,
    protocol: Protocol,
    signer: Signer,
    call_id: int,
    token: str,
    call_sid: str,
    digits: str,
    now: datetime,
) -> Heard:
    """A key: 1 acknowledges (a test call: confirms), 2 passes to the next person at once,
    any other asks again. A keypress replayed after its call ended changes nothing."""
    with Session(engine) as session:
        call = find_call(session, signer, call_id, token, call_sid)
        if call is None:
            return Heard(script.hang_up())
        language, clinic = call.language, protocol.clinic.name
        if call.status != "calling":  # a replay, or a key after the call was settled
            done = {ACKNOWLEDGED: "acknowledged", CONFIRMED: "test_done", PASSED: "passed"}
            key = done.get(call.outcome or "")
            return Heard(script.say(language, key) if key else script.hang_up())
        if digits == "1" and call.alert_id is None:
            end_call(session, call, CONFIRMED, now, call_sid=call_sid)
            session.commit()
            return Heard(script.say(language, "test_done"))
        if digits == "1":
            return _acknowledged(session, call, call_sid, now)
        if digits == "2":
            place = None
            if end_call(session, call, PASSED, now, call_sid=call_sid):
                place = call.alert_id if queue_next(session, protocol, call, now) else None
            session.commit()
            said = "passed_last" if is_last(session, protocol, call) else "passed"
            return Heard(script.say(language, said), place)
        key_url = signer.urls(call.id or 0, call.alert_id, call.attempt).key
        test, last = call.alert_id is None, is_last(session, protocol, call)
        return Heard(script.ask(language, clinic, key_url, test=test, sorry=True, last=last))


def is_last(session: Session, protocol: Protocol, call: AlertCall) -> bool:
    """Whether nobody is called after this call of an alert (from its location's list)."""
    alert = session.get(Alert, call.alert_id) if call.alert_id is not None else None
    if alert is None:
        return False
    return callee(protocol, call.attempt + 1, alert_location(session, protocol, alert)) is None


def _acknowledged(session: Session, call: AlertCall, call_sid: str, now: datetime) -> Heard:
    # The attempt first: a replayed keypress racing this one finds it ended.
    if not _end(session, call, ACKNOWLEDGED, now, call_sid=call_sid):
        return Heard(script.say(call.language, "acknowledged"))
    alert = session.get(Alert, call.alert_id)
    assert alert is not None
    taken = acknowledge_in(session, alert, call.contact_name, None, now, VIA)
    if not taken:
        # Taken on the alerts page (or by another call) first: theirs stands.
        session.execute(update(C).where(C.c.id == call.id).values(outcome=TOO_LATE))
    _record(session, call, now)
    session.commit()
    if not taken:
        return Heard(script.say(call.language, "taken", by=alert.acknowledged_by or "staff"))
    # The attempt, not the person: names stay in the database's record and the audit log.
    log.warning("alert %d acknowledged by phone call (attempt %d)", alert.id, call.attempt)
    return Heard(script.say(call.language, "acknowledged"))


def reported(
    engine: Engine,
    protocol: Protocol,
    signer: Signer,
    call_id: int,
    token: str,
    call_sid: str,
    call_status: str,
    answered_by: str | None,
    now: datetime,
) -> int | None:
    """Twilio's status callback: a call that ended without a key ends its attempt and
    queues the next call; the alert whose next call is due, if any."""
    outcome = outcome_of(call_status, answered_by)
    if outcome is None:
        return None
    with Session(engine) as session:
        call = find_call(session, signer, call_id, token, call_sid)
        if call is None or call.status == "ended":
            return None
        details = {"call_sid": call_sid, "answered_by": answered_by or call.answered_by}
        if not end_call(session, call, outcome, now, **details):
            return None
        place = None
        if outcome in NOT_REACHED and queue_next(session, protocol, call, now):
            place = call.alert_id
        session.commit()
        return place


def _audited(call: AlertCall) -> dict[str, object]:
    """What the audit log keeps of a call: never the whole number."""
    return {
        "attempt": call.attempt,
        "to": call.contact_name,
        "phone": mask(call.to),
        "outcome": call.outcome,
        "placed_at": call.placed_at,
        "ended_at": call.ended_at,
        "answered_by": call.answered_by,
        "call_sid": call.call_sid,
        "requested_by": call.requested_by,
    }
