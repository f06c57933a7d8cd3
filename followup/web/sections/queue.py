"""The inbox's rows: the queue of replies that need a person (default), or all replies.

The queue is complete and paged: every waiting reply is on some page, the most urgent
first (emergency, crisis, urgent, needs review, the rest) and within each the one waiting
longest first; its count is the home page's and the navigation's (`alerts.status.waiting`).
"All replies" shows what needs nobody too (thanks, answers, keywords), newest first within
each urgency, handled ones last. A reply is one item with the alerts it raised: its row
links to them, and handling it acknowledges them (`followup.alerts.items`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from fastapi import HTTPException
from sqlalchemy import ColumnElement, Engine, case, func
from sqlmodel import Session, col, select

from followup.alerts.items import alerts_of, settle
from followup.alerts.status import CRISES, waiting
from followup.db.models import Alert, InboundMessage, OptedOutNumber, Patient
from followup.messages.context import display_phone
from followup.ops.reports import most_urgent_first
from followup.replies.triage import Level
from followup.staff.scope import visible_or_all

PAGE_SIZE = 50
QUEUE, ALL = "queue", "all"

# What the pipeline made of a message (InboundMessage.kind), in words staff use.
KIND_LABELS = {
    "emergency": "medical emergency",
    "crisis": "crisis",
    "urgent": "urgent: nurse to call",
    "call_request": "call request",
    "free_text": "unparsed (free text)",
    "acknowledgement": "thanks or good news",
    "unknown_sender": "unknown sender",
    "error": "error: processing failed",
    "survey_answer": "survey answer",
    "confirmation": "confirmation (YES)",
    "opt_out": "keyword: opt-out (STOP)",
    "opt_out_unclear": "maybe an opt-out: decide today, record it on the patient page",
    "opt_in": "keyword: opt-in (START)",
    "help": "keyword: help",
    "received": "received, not processed yet",
}

# How soon a person must read a message (InboundMessage.urgency), in words staff use.
URGENCY_LABELS: dict[str, str] = {
    Level.EMERGENCY: "emergency",
    Level.CRISIS: "crisis",
    Level.URGENT: "urgent",
    Level.REVIEW: "needs review",
    Level.ORDINARY: "",
}


@dataclass(frozen=True, slots=True)
class InboxFilters:
    """The query parameters of the inbox page."""

    view: str = QUEUE
    kind: str = ""
    patient: str = ""
    page: int = 1

    @property
    def active(self) -> bool:
        return bool(self.kind or self.patient)

    @property
    def queue(self) -> bool:
        return self.view == QUEUE

    def query(self, page: int | None = None) -> str:
        """The page's address with these filters (and another page number)."""
        parts = [f"view={self.view}"]
        if self.kind:
            parts.append(f"kind={self.kind}")
        if self.patient:
            parts.append(f"patient={self.patient}")
        parts.append(f"page={page or self.page}")
        return "/staff/inbox?" + "&".join(parts)


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One received SMS as the inbox shows it, with the alert it raised, if any."""

    id: int
    received_at: datetime
    patient_id: str | None  # the clinic's id, None for an unknown sender
    patient_name: str
    sender: str
    kind: str
    kind_label: str
    urgency: str
    urgency_label: str
    triage: str  # each finding's rule and the patient's words that matched
    summary: str
    body: str
    needs_attention: bool
    handled_at: datetime | None
    handled_by: str | None
    handled_note: str | None
    opted_out: bool
    alert_id: int | None = None
    alert_severity: str | None = None
    alert_open: bool = False

    @property
    def crisis(self) -> bool:
        """An emergency or a crisis: shown apart from everything else."""
        return self.urgency in (Level.EMERGENCY, Level.CRISIS) or self.alert_severity in CRISES


@dataclass(frozen=True, slots=True)
class InboxPage:
    """One page of rows and where it sits in the whole."""

    items: list[InboxItem]
    total: int
    page: int
    pages: int


def _urgency_rank() -> object:
    return case(
        *((col(InboundMessage.urgency) == level.value, level.rank) for level in Level),
        else_=Level.ORDINARY.rank,
    )


def inbox_page(
    engine: Engine, filters: InboxFilters, country: str, visible: ColumnElement[bool] | None = None
) -> InboxPage:
    """One page of the queue (or of all replies), narrowed by the filters, of the replies
    `visible` (a staff member's locations) lets them see."""
    conditions: list[Any] = [visible_or_all(visible)]
    if filters.queue:
        conditions.extend(waiting())
    if filters.kind:
        conditions.append(col(InboundMessage.kind) == filters.kind)
    if filters.patient:
        conditions.append(col(Patient.external_id) == filters.patient)
    if filters.queue:
        # The one waiting longest first: age is how long a person has not read it.
        order = (_urgency_rank(), col(InboundMessage.received_at), col(InboundMessage.id))
    else:
        order = most_urgent_first()
    joined = select(InboundMessage, Patient).join(
        Patient, col(InboundMessage.patient_id) == Patient.id, isouter=True
    )
    counted = (
        select(func.count())
        .select_from(InboundMessage)
        .join(Patient, col(InboundMessage.patient_id) == Patient.id, isouter=True)
    )
    with Session(engine) as session:
        total = session.exec(counted.where(*conditions)).one()
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(1, filters.page), pages)
        rows = session.exec(
            joined.where(*conditions)
            .order_by(*order)  # type: ignore[arg-type]
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        numbers = sorted({m.from_number for m, _ in rows})
        stopped = set(
            session.exec(
                select(OptedOutNumber.phone).where(col(OptedOutNumber.phone).in_(numbers))
            ).all()
        )
        alerts = _alerts(session, [m.id or 0 for m, _ in rows])
    items = [_item(m, p, country, m.from_number in stopped, alerts.get(m.id or 0)) for m, p in rows]
    return InboxPage(items, total, page, pages)


def _alerts(session: Session, message_ids: list[int]) -> dict[int, Alert]:
    """Each message's most telling alert: an open one before a taken one, then the first."""
    if not message_ids:
        return {}
    found: dict[int, Alert] = {}
    for alert in session.exec(
        select(Alert).where(col(Alert.inbound_message_id).in_(message_ids)).order_by(col(Alert.id))
    ):
        key = alert.inbound_message_id or 0
        if key not in found or (found[key].acknowledged_at and not alert.acknowledged_at):
            found[key] = alert
    return found


def _item(
    m: InboundMessage, p: Patient | None, country: str, stopped: bool, alert: Alert | None
) -> InboxItem:
    return InboxItem(
        id=m.id or 0,
        received_at=m.received_at,
        patient_id=p.external_id if p else None,
        patient_name=f"{p.first_name} {p.last_name}".strip() if p else "unknown sender",
        sender=readable_phone(m.from_number, country),
        kind=m.kind,
        kind_label=KIND_LABELS.get(m.kind, m.kind),
        urgency=m.urgency,
        urgency_label=URGENCY_LABELS.get(m.urgency, m.urgency),
        triage=m.triage or "",
        summary=m.summary or m.processing_error or "",
        body=m.body,
        needs_attention=m.needs_attention,
        handled_at=m.handled_at,
        handled_by=m.handled_by,
        handled_note=m.handled_note,
        opted_out=stopped or (p is not None and p.opted_out_at is not None),
        alert_id=alert.id if alert else None,
        alert_severity=alert.severity if alert else None,
        alert_open=alert is not None and alert.acknowledged_at is None,
    )


def readable_phone(number: str | None, country: str) -> str:
    """A number as people in the clinic's country write it; as stored if it will not parse."""
    if not number:
        return ""
    try:
        return display_phone(number, country)
    except phonenumbers.NumberParseException:
        return number


def mark_handled(
    engine: Engine, message_id: int, actor: str, now: datetime, note: str | None = None
) -> str | None:
    """Handle a message and acknowledge the alerts it raised, audited in one transaction;
    None if done now, else who had already done it."""
    with Session(engine) as session:
        message = session.get(InboundMessage, message_id)
        if message is None:
            raise HTTPException(status_code=404, detail=f"no message has id {message_id}")
        if message.handled_at is not None:
            return message.handled_by or "someone"
        settle(session, message, alerts_of(session, message_id), actor, note, now, via="inbox")
        session.commit()
    return None
