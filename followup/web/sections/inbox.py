"""The inbox: the queue of replies that need a person (`queue`), every SMS we received,
what the pipeline made of each, and staff's answers.

A staff reply goes out through the app's SMS channel (the same provider as every planned
message) from the web process at once: a person is waiting to see that it left. It is
recorded in the audit log with the masked number and the text; the application log
gets neither the text nor the number.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool

from followup.channels.base import Channel, ChannelError, Envelope
from followup.core import clock
from followup.core.phones import mask
from followup.db.models import InboundMessage, OptedOutNumber, Patient
from followup.protocol import Protocol, reveals_treatment
from followup.staff import audit
from followup.web.auth import Staff, require_staff
from followup.web.params import RowId
from followup.web.sections.common import checked_form, flash, go_back, section_page
from followup.web.sections.queue import (
    ALL,
    KIND_LABELS,
    PAGE_SIZE,
    QUEUE,
    InboxFilters,
    inbox_page,
    mark_handled,
    readable_phone,
)
from followup.web.visibility import messages_seen, require_seen

__all__ = ["ReplyRefused", "inbox_router", "readable_phone", "send_reply"]

log = logging.getLogger(__name__)

INBOX = "/staff/inbox"
MAX_NOTE = 2000
MAX_REPLY = 1600  # Twilio refuses longer bodies


class ReplyRefused(Exception):
    """The reply was not sent; the message says why, in words for staff."""


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
    def show_inbox(
        request: Request,
        view: str = "",
        kind: str = "",
        attention: str = "",
        patient: str = "",
        page: str = "1",
        staff: Staff = Depends(require_staff),
    ) -> HTMLResponse:
        protocol: Protocol = request.app.state.protocol
        # The queue unless "all" is asked for (`attention=1` is the queue's older address).
        chosen = ALL if view == ALL and attention not in {"1", "yes", "on"} else QUEUE
        number = int(page) if page.isdigit() and len(page) < 7 else 1
        filters = InboxFilters(chosen, kind.strip(), patient.strip(), number)
        found = inbox_page(
            request.app.state.engine,
            filters,
            protocol.clinic.country,
            messages_seen(request, staff),
        )
        return section_page(
            request,
            "inbox.html",
            staff,
            items=found.items,
            found=found,
            filters=filters,
            kinds=KIND_LABELS,
            page_size=PAGE_SIZE,
            here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
        )

    @router.post("/{message_id}/handled", response_model=None)
    async def handled(
        request: Request, message_id: RowId, staff: Staff = Depends(require_staff)
    ) -> Response:
        form = await checked_form(request)
        await run_in_threadpool(require_seen, request, staff, "inbound", message_id)
        note = form.get("note", "").strip()[:MAX_NOTE] or None
        earlier = await run_in_threadpool(
            mark_handled, request.app.state.engine, message_id, staff.email, clock.now(), note
        )
        if earlier is None:
            flash(request, f"Message #{message_id} marked handled, with any alert it raised.")
        else:
            flash(request, f"Message #{message_id} was already handled by {earlier}.")
        return go_back(form, INBOX)

    @router.post("/{message_id}/reply", response_model=None)
    async def reply(
        request: Request, message_id: RowId, staff: Staff = Depends(require_staff)
    ) -> Response:
        form = await checked_form(request)
        await run_in_threadpool(require_seen, request, staff, "inbound", message_id)
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
