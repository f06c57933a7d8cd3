"""A batch in flight: its messages at each step, and the rows it writes back."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Connection, Row, Table, and_, bindparam, or_, select, update

from followup.channels.base import (
    ChannelError,
    Envelope,
    Receipt,
)
from followup.consent.records import Source, consents, record_with
from followup.db.models import Appointment, MessageStatus, Patient, ScheduledMessage
from followup.ops.carrier_errors import record_carrier_error
from followup.planning.scheduling import ACTIVE
from followup.replies.conversations import SurveyStart

Outcome = Literal[
    "sent", "deferred", "skipped", "expired", "cancelled", "failed", "retry", "dead", "lost"
]
# Twilio's code for a recipient who replied STOP to the sender: they opted out.
UNSUBSCRIBED = "21610"

T: Table = ScheduledMessage.__table__  # type: ignore[attr-defined]
A: Table = Appointment.__table__  # type: ignore[attr-defined]
P: Table = Patient.__table__  # type: ignore[attr-defined]


# Column values to write back, per row id.
Changes = dict[str, Any]
DbRow = Row[*tuple[Any, ...]]
# What `Dispatcher.record` reads: the message's state now, and the patient's number for a
# failure.
RECORD_COLUMNS = (
    T.c.id,
    T.c.patient_id,
    T.c.step,
    T.c.channel,
    T.c.status,
    T.c.attempts,
    T.c.provider_id,
    T.c.lease_owner,
    P.c.phone,
    P.c.opted_out_at,
)


@dataclass(frozen=True, slots=True)
class Ready:
    """A claimed message, checked, rendered and marked in flight: the provider is next."""

    id: int
    patient_id: int
    appointment_id: int
    envelope: Envelope
    in_flight_since: datetime
    due: datetime  # when it was meant to go: the plan's time, or later after a deferral
    survey: str | None  # the survey its text starts asking, if any
    # Quiet hours begin or it expires then: not handed to the provider by this moment, it
    # is given back and looked at again.
    send_by: datetime | None = None

    @property
    def channel(self) -> str:
        return self.envelope.channel


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the provider said about one Ready message."""

    ready: Ready
    receipt: Receipt | None
    error: ChannelError | None = None
    found: bool = False  # the receipt came from a lookup after an unanswered request
    seconds: float = 0.0


@dataclass(slots=True)
class Prepared:
    """A prepared batch: what goes to the provider, and what was settled without it."""

    ready: list[Ready] = field(default_factory=list)
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    failing: dict[str, str] = field(default_factory=dict)  # template -> where it failed


@dataclass(slots=True)
class Writes:
    """What a batch's transaction writes back: changed columns per message and patient."""

    messages: dict[int, Changes] = field(default_factory=dict)
    patients: dict[int, Changes] = field(default_factory=dict)
    # (sender, code, message id) of registration and filtering errors, counted per sender.
    carrier: list[tuple[str, str, int]] = field(default_factory=list)
    # Patients Twilio refused as unsubscribed (21610): their revocation is recorded.
    unsubscribed: set[int] = field(default_factory=set)

    def message(self, message_id: int) -> Changes:
        return self.messages.setdefault(message_id, {})

    def write(self, connection: Connection, now: datetime) -> None:
        update_rows(connection, T, self.messages)
        update_rows(connection, P, self.patients)
        for sender, code, message_id in self.carrier:
            record_carrier_error(connection, sender, code, f"message:{message_id}", now)
        if self.unsubscribed:
            record_with(
                connection, self.unsubscribed, ("sms",), given=False, source=Source.CARRIER,
                at=now, detail=f"Twilio refused to text the number: it replied STOP ({UNSUBSCRIBED})",
            )  # fmt: skip


def finish(
    changes: Changes,
    status: MessageStatus,
    outcome: Outcome,
    now: datetime,
    *,
    reason: str | None = None,
    code: str | None = None,
    text: str | None = None,
) -> Outcome:
    """Give a message its next state and let go of its claim."""
    changes["status"] = status
    if reason is not None:
        changes["status_reason"] = reason
    if code is not None:
        changes.update(error_code=code, error_text=text)
    changes.update(lease_owner=None, lease_expires_at=None, updated_at=now)
    return outcome


def update_rows(connection: Connection, table: Table, changes: Mapping[int, Changes]) -> None:
    """Write each row's changed columns, one executemany per set of columns."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row_id, values in changes.items():
        if values:
            named = {f"v_{name}": value for name, value in values.items()}
            groups[tuple(sorted(values))].append({"row_id": row_id, **named})
    for columns, rows in groups.items():
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({name: bindparam(f"v_{name}") for name in columns}),
            rows,
        )


def next_starts(connection: Connection, rows: Sequence[DbRow]) -> dict[int, datetime | None]:
    """Each message's next active infusion of the same patient, in one query."""
    patients = {row.patient_id for row in rows}
    if not patients:
        return {}
    starts: dict[int, list[datetime]] = defaultdict(list)
    for patient_id, start in connection.execute(
        select(A.c.patient_id, A.c.start_at)
        .where(A.c.patient_id.in_(list(patients)), A.c.status.in_(list(ACTIVE)))
        .order_by(A.c.start_at)
    ).all():
        starts[patient_id].append(start)
    return {
        row.id: next((s for s in starts[row.patient_id] if s > row.start_at), None) for row in rows
    }


def survey_start(ready: Ready) -> SurveyStart:
    assert ready.survey is not None
    return SurveyStart(ready.patient_id, ready.appointment_id, ready.id, ready.survey)


def unreachable(row: DbRow, exc: ChannelError, now: datetime) -> Changes:
    """Stop texting a number the provider refuses; 21610 means the patient opted out."""
    if exc.code == UNSUBSCRIBED:
        return {"opted_out_at": row.opted_out_at or now, "updated_at": now}
    return {
        "sms_unreachable_at": now,
        "sms_unreachable_reason": f"{exc.code}: {exc}"[:200],
        "updated_at": now,
    }


def no_longer_sendable(owner: str) -> ColumnElement[bool]:
    """A claimed message that must not go after all: its appointment was cancelled, or its
    patient opted out, revoked consent on its channel, became unreachable or was paused
    since the batch was prepared, or another worker holds it now."""
    return or_(
        A.c.status.not_in(list(ACTIVE)),
        P.c.opted_out_at.is_not(None),
        P.c.paused_at.is_not(None),
        and_(T.c.channel == "sms", P.c.sms_unreachable_at.is_not(None)),
        and_(T.c.channel == "sms", ~consents("sms")),
        and_(T.c.channel == "email", ~consents("email")),
        T.c.status != MessageStatus.CLAIMED,
        T.c.lease_owner != owner,
    )
