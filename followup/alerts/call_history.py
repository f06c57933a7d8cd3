"""Every page to on-call as staff read it (SMS, email and calls on the alert card), and the
test calls a person asks for to check that a phone rings and the keypress works."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.alerts.call_plan import SHOWN
from followup.core.errors import FollowupError
from followup.core.phones import mask
from followup.db.models import AlertCall, AlertNotification
from followup.protocol import OnCallPerson, Protocol
from followup.staff.audit import audit

CHANNELS = {"sms": "SMS", "email": "email", "call": "phone call"}
NOTIFICATION_STATUS = {"pending": "waiting to go", "sending": "sending", "sent": "sent"}


class OnCallNotFound(FollowupError, LookupError):
    """Nobody on call has that name."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One page to one on-call person: when, how, to whom, and what became of it."""

    at: datetime
    channel: str  # SMS | email | phone call
    to: str  # the on-call person's name
    outcome: str  # in words
    reached: bool = False  # a keypress took it


def attempts_of(engine: Engine, alert_ids: Iterable[int]) -> dict[int, list[Attempt]]:
    """Each alert's pages and calls, oldest first, in two queries."""
    ids = sorted(set(alert_ids))
    found: dict[int, list[Attempt]] = defaultdict(list)
    if not ids:
        return found
    with Session(engine) as session:
        notes = session.exec(
            select(AlertNotification).where(col(AlertNotification.alert_id).in_(ids))
        ).all()
        calls = session.exec(select(AlertCall).where(col(AlertCall.alert_id).in_(ids))).all()
    for note in notes:
        outcome = NOTIFICATION_STATUS.get(note.status, "failed")
        if note.status == "failed" and note.error:
            outcome = f"failed: {note.error}"
        found[note.alert_id].append(
            Attempt(
                note.sent_at or note.created_at, CHANNELS[note.channel], note.contact_name, outcome
            )
        )
    for call in calls:
        found[call.alert_id or 0].append(
            Attempt(
                call.placed_at or call.due_at,
                "phone call",
                call.contact_name,
                call_state(call),
                call.outcome == "acknowledged",
            )
        )
    for attempts in found.values():
        attempts.sort(key=lambda a: a.at)
    return found


def call_state(call: AlertCall) -> str:
    """A call's outcome in words, or where it stands."""
    if call.status == "pending":
        return "waiting to be placed"
    if call.status == "calling":
        return "ringing or in progress"
    return SHOWN.get(call.outcome or "", call.outcome or "ended")


def on_call_person(protocol: Protocol, name: str) -> OnCallPerson:
    """The `[[on_call]]` person of that name (any case) who has a phone to call."""
    for person in protocol.on_call:
        if person.name.casefold() == name.strip().casefold():
            if not person.phone:
                raise OnCallNotFound(f"{person.name} has no phone in [[on_call]] to call")
            return person
    names = ", ".join(repr(p.name) for p in protocol.on_call)
    raise OnCallNotFound(f"nobody on call is named {name!r} (on call: {names})")


def request_test_call(
    engine: Engine, protocol: Protocol, name: str, by: str, now: datetime
) -> AlertCall:
    """Queue a test call to an on-call person, due now, audited under who asked."""
    person = on_call_person(protocol, name)
    with Session(engine, expire_on_commit=False) as session:
        call = AlertCall(
            alert_id=None,
            attempt=0,
            contact_name=person.name,
            to=person.phone or "",
            language=person.language,
            due_at=now,
            requested_by=by,
            created_at=now,
        )
        session.add(call)
        session.flush()
        after = {"call": call.id, "phone": mask(call.to), "language": call.language}
        audit(session, by, "on_call.test_call_requested", "on_call", person.name, None, after, now)
        session.commit()
        return call


def latest_test_calls(engine: Engine) -> dict[str, AlertCall]:
    """Each on-call person's latest test call, by name."""
    with Session(engine) as session:
        calls = session.exec(
            select(AlertCall)
            .where(col(AlertCall.alert_id).is_(None))
            .order_by(col(AlertCall.id).desc())
            .limit(200)
        ).all()
    latest: dict[str, AlertCall] = {}
    for call in calls:
        latest.setdefault(call.contact_name, call)
    return latest


def call_of(engine: Engine, call_id: int) -> AlertCall | None:
    """One call as it stands now."""
    with Session(engine) as session:
        return session.get(AlertCall, call_id)
