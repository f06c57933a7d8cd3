"""Who is phoned about an alert, in what order, and what a call's end means: pure.

The callers are the `[[on_call]]` people with `voice = true`, in order, for
`[paging] call_rounds` rounds; then the clinic's on-call phone, once; then no more calls
(the SMS and email escalation goes on). Only a keypress acknowledges: a call that rang
out, was busy, failed, reached voicemail or was answered without a key is an attempt
that did not reach anyone, and the next person is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from followup.protocol import OnCallPerson, Protocol

# What became of one call (alert_call.outcome).
ACKNOWLEDGED = "acknowledged"  # pressed 1
PASSED = "passed"  # pressed 2: the next person at once
NO_ANSWER = "no-answer"
BUSY = "busy"
FAILED = "failed"  # the number could not be reached
MACHINE = "machine"  # voicemail or a fax took it
NO_KEY = "no-key"  # answered, nothing pressed
LOST = "lost"  # Twilio never told us how it ended
ERROR = "error"  # Twilio refused to place it
CANCELLED = "cancelled"  # not placed: acknowledged before its turn
TOO_LATE = "too-late"  # answered or pressed 1 after someone else acknowledged
CONFIRMED = "confirmed"  # a test call's 1

# Outcomes after which the alert still needs somebody: the ladder goes on.
NOT_REACHED = frozenset({PASSED, NO_ANSWER, BUSY, FAILED, MACHINE, NO_KEY, LOST, ERROR})

# The words staff read on the alert card and the staff page.
SHOWN = {
    ACKNOWLEDGED: "acknowledged (pressed 1)",
    PASSED: "passed it on (pressed 2)",
    NO_ANSWER: "no answer",
    BUSY: "busy",
    FAILED: "could not be reached",
    MACHINE: "voicemail (not acknowledged)",
    NO_KEY: "answered, no key pressed",
    LOST: "no word from Twilio",
    ERROR: "refused by Twilio",
    CANCELLED: "not placed: already acknowledged",
    TOO_LATE: "answered after it was acknowledged",
    CONFIRMED: "confirmed (pressed 1)",
}

# Twilio's final CallStatus values with no person on the line.
_UNANSWERED = {"no-answer": NO_ANSWER, "busy": BUSY, "failed": FAILED, "canceled": FAILED}

# How long a call may last once answered (Twilio's TimeLimit): the message twice, the
# voicemail message, or answering machine detection's 30 s at most, with room to spare.
TIME_LIMIT_SECONDS = 120
# After this much longer than ringing and the time limit, a call Twilio has not reported
# on is taken as lost, and the next person is called.
REPORT_GRACE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Callee:
    """Who one call goes to, and in which language it speaks."""

    name: str
    phone: str
    language: str
    fallback: bool = False  # the clinic's on-call phone, after the rounds


def callers(protocol: Protocol, location: str | None = None) -> list[OnCallPerson]:
    """The on-call people of a location (else the network's) who take calls, in order."""
    return [p for p in protocol.on_call_at(location) if p.voice and p.phone]


def calls_for(protocol: Protocol, severity: str, location: str | None = None) -> bool:
    """Whether an alert of `severity` phones on-call (and anyone takes calls)."""
    return severity in protocol.paging.call_for and bool(callers(protocol, location))


def callee(protocol: Protocol, attempt: int, location: str | None = None) -> Callee | None:
    """Who attempt number `attempt` (0 first) calls; None once the calling is over."""
    people = callers(protocol, location)
    if not people or attempt < 0:
        return None
    last_round = protocol.paging.call_rounds * len(people)
    if attempt < last_round:
        person = people[attempt % len(people)]
        return Callee(person.name, person.phone or "", person.language)
    if attempt == last_round:
        phone = protocol.clinic_at(location).on_call_phone
        return Callee("the clinic's on-call phone", phone, "en", True)
    return None


def due_at(
    protocol: Protocol,
    attempt: int,
    now: datetime,
    at_once: bool = False,
    location: str | None = None,
) -> datetime:
    """When attempt `attempt` is placed: at once, except that a new round (the fallback
    included) waits `round_pause`, unless someone pressed 2 (`at_once`)."""
    people = len(callers(protocol, location))
    new_round = attempt > 0 and people > 0 and attempt % people == 0
    return now + protocol.paging.round_pause if new_round and not at_once else now


def deadline(protocol: Protocol, placed_at: datetime) -> datetime:
    """When a placed call with no report from Twilio counts as lost."""
    ring = timedelta(seconds=protocol.paging.ring_seconds + 5)  # Twilio adds up to 5 s
    return placed_at + ring + timedelta(seconds=TIME_LIMIT_SECONDS) + REPORT_GRACE


def is_machine(answered_by: str | None) -> bool:
    """Twilio's answering machine detection heard a machine (or a fax), not a person."""
    return bool(answered_by) and (answered_by or "").startswith(("machine", "fax"))


def outcome_of(call_status: str, answered_by: str | None) -> str | None:
    """What a final CallStatus means for an attempt no key settled; None while in progress."""
    if call_status in _UNANSWERED:
        return _UNANSWERED[call_status]
    if call_status == "completed":
        return MACHINE if is_machine(answered_by) else NO_KEY
    return None
