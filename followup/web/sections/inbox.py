"""The inbox: every SMS we received, what the pipeline made of it, and staff's answers.

A staff reply goes out through the app's SMS channel (the same provider as every planned
message) from the web process at once: a person is waiting to see that it left. It is
recorded in the audit log with the masked number and the text; the application log
gets neither the text nor the number.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from followup.channels.base import Channel, ChannelError, Envelope
from followup.core import clock
from followup.core.phones import mask
from followup.db.models import InboundMessage, OptedOutNumber, Patient
from followup.messages.context import display_phone
from followup.ops.reports import most_urgent_first
from followup.protocol import Protocol, reveals_treatment
from followup.replies.triage import Level
from followup.staff import audit
from followup.web.auth import Staff, require_staff
from followup.web.params import RowId
from followup.web.sections.common import checked_form, flash, go_back, section_page

log = logging.getLogger(__name__)

INBOX = "/staff/inbox"
SHOWN = 200  # newest messages on one page; filters narrow it down
MAX_REPLY = 1600  # Twilio refuses longer bodies

# What the pipeline made of a message (InboundMessage.kind), in words staff use.
KIND_LABELS = {
    "emergency": "medical emergency",
    "crisis": "crisis",
    "urgent": "urgent: nurse to call",
    "call_request": "call request",
    "free_text": "unparsed (free text)",
    "unknown_sender": "unknown sender",
    "error": "error: processing failed",
    "survey_answer": "survey answer",
    "confirmation": "confirmation (YES)",
    "opt_out": "keyword: opt-out (STOP)",
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


class ReplyRefused(Exception):
    """The reply was not sent; the message says why, in words for staff."""


@dataclass(frozen=True, slots=True)
class InboxFilters:
    """The query parameters of the inbox page."""

    kind: str = ""
    attention: bool = False
    patient: str = ""

    @property
    def active(self) -> bool:
        return bool(self.kind or self.attention or self.patient)


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One received SMS as the inbox shows it."""

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
    opted_out: bool


def inbox_items(
    engine: Engine, filters: InboxFilters, country: str, limit: int = SHOWN
) -> list[InboxItem]:
    """Inbound messages, most urgent first (emergency, crisis, urgent, needs review,
    ordinary; handled ones last), newest first within each, narrowed by the filters."""
    query = select(InboundMessage, Patient).join(
        Patient, col(InboundMessage.patient_id) == Patient.id, isouter=True
    )
    if filters.kind:
        query = query.where(InboundMessage.kind == filters.kind)
    if filters.attention:
        query = query.where(
            col(InboundMessage.needs_attention), col(InboundMessage.handled_at).is_(None)
        )
    if filters.patient:
        query = query.where(Patient.external_id == filters.patient)
    query = query.order_by(*most_urgent_first()).limit(limit)
    with Session(engine) as session:
        rows = session.exec(query).all()
        numbers = sorted({m.from_number for m, _ in rows})
        stopped = set(
            session.exec(
                select(OptedOutNumber.phone).where(col(OptedOutNumber.phone).in_(numbers))
            ).all()
        )
    return [
        InboxItem(
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
            opted_out=m.from_number in stopped or (p is not None and p.opted_out_at is not None),
        )
        for m, p in rows
    ]


def readable_phone(number: str | None, country: str) -> str:
    """A number as people in the clinic's country write it; as stored if it will not parse."""
    if not number:
        return ""
    try:
        return display_phone(number, country)
    except phonenumbers.NumberParseException:
        return number


def mark_handled(engine: Engine, message_id: int, actor: str, now: datetime) -> str | None:
    """Record who dealt with a message; None if done now, else who had already done it."""
    with Session(engine) as session:
        message = session.get(InboundMessage, message_id)
        if message is None:
            raise HTTPException(status_code=404, detail=f"no message has id {message_id}")
        if message.handled_at is not None:
            return message.handled_by or "someone"
        message.handled_at, message.handled_by = now, actor
        session.add(message)
        audit(
            session,
            actor,
            "inbox.handled",
            "inbound_message",
            message_id,
            {"handled_at": None, "handled_by": None},
            {"handled_at": now, "handled_by": actor},
            now,
        )
        session.commit()
    return None


def send_reply(
    engine: Engine, channel: Channel, message_id: int, text: str, actor: str, now: datetime
) -> str:
    """Text the sender of a message; return the provider's id or raise ReplyRefused."""
    text = text.strip()
    if not text:
        raise ReplyRefused("Write a reply first.")
    if len(text) > MAX_REPLY:
        raise ReplyRefused(f"The reply is too long ({len(text)} characters; at most {MAX_REPLY}).")
    if reveals_treatment(text):
        # Somebody else may read the patient's phone; the messages never say why they come.
        raise ReplyRefused(
            "Not sent: the reply names a drug or a diagnosis, and somebody else may read the "
            "patient's phone. Rephrase it, or call the patient."
        )
    with Session(engine) as session:
        message = session.get(InboundMessage, message_id)
        if message is None:
            raise HTTPException(status_code=404, detail=f"no message has id {message_id}")
        to = message.from_number
        # The opt-out belongs to the number: whoever of a family replied STOP, we stop, and
        # a number that is no patient's (yet) is no exception.
        opted_out = session.get(OptedOutNumber, to) is not None or (
            session.exec(
                select(Patient.id).where(
                    Patient.phone == to, col(Patient.opted_out_at).is_not(None)
                )
            ).first()
            is not None
        )
    if opted_out:
        raise ReplyRefused(
            "Not sent: this number has opted out of SMS (replied STOP), and we must not text "
            "it. Call the patient instead; they can text START to opt back in."
        )
    envelope = Envelope(message_id=0, channel="sms", to=to, text=text, stream="direct")
    try:
        receipt = channel.send(envelope)
    except ChannelError as exc:
        log.warning("staff reply to inbound message %d (%s) failed: %s", message_id, mask(to), exc)
        with Session(engine) as session:
            audit(
                session,
                actor,
                "reply.failed",
                "inbound_message",
                message_id,
                None,
                {"to": mask(to), "error": str(exc)[:200], "maybe_sent": exc.maybe_sent},
                now,
            )
            session.commit()
        if exc.maybe_sent:
            raise ReplyRefused(
                f"The SMS provider did not answer clearly ({exc}); the reply may have gone "
                "out. Check with the patient before sending it again."
            ) from None
        raise ReplyRefused(f"Not sent: {exc}") from None
    with Session(engine) as session:
        audit(
            session,
            actor,
            "reply.sent",
            "inbound_message",
            message_id,
            None,
            {"to": mask(to), "provider_id": receipt.provider_id, "body": text},
            now,
        )
        session.commit()
    log.info("staff reply to inbound message %d sent to %s", message_id, mask(to))
    return receipt.provider_id


def inbox_router() -> APIRouter:
    """GET the inbox; POST handled and reply."""
    router = APIRouter(prefix=INBOX)

    @router.get("", response_class=HTMLResponse)
    def inbox_page(
        request: Request,
        kind: str = "",
        attention: str = "",
        patient: str = "",
        staff: Staff = Depends(require_staff),
    ) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        filters = InboxFilters(kind.strip(), attention in {"1", "yes", "on"}, patient.strip())
        items = inbox_items(request.app.state.engine, filters, protocol.clinic.country)
        return section_page(
            request,
            "inbox.html",
            staff,
            items=items,
            filters=filters,
            kinds=KIND_LABELS,
            shown=SHOWN,
            here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        )

    @router.post("/{message_id}/handled", response_model=None)
    async def handled(
        request: Request, message_id: RowId, staff: Staff = Depends(require_staff)
    ) -> Response:
        form = await checked_form(request)
        earlier = await run_in_threadpool(
            mark_handled, request.app.state.engine, message_id, staff.email, clock.now()
        )
        if earlier is None:
            flash(request, f"Message #{message_id} marked handled.")
        else:
            flash(request, f"Message #{message_id} was already handled by {earlier}.")
        return go_back(form, INBOX)

    @router.post("/{message_id}/reply", response_model=None)
    async def reply(
        request: Request, message_id: RowId, staff: Staff = Depends(require_staff)
    ) -> Response:
        form = await checked_form(request)
        channels: Mapping[str, Channel] = request.app.state.channels
        try:
            await run_in_threadpool(
                send_reply,
                request.app.state.engine,
                channels["sms"],
                message_id,
                form.get("body", ""),
                staff.email,
                clock.now(),
            )
        except ReplyRefused as exc:
            flash(request, f"Reply to message #{message_id}: {exc}", "error")
        else:
            flash(request, f"Reply to message #{message_id} sent.")
        return go_back(form, INBOX)

    return router
