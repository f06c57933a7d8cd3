"""Twilio's webhooks: inbound SMS and delivery status, signed, answered in TwiML."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, BackgroundTasks, Request, Response
from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from followup import clock
from followup.alerts import deliver_pending
from followup.channels.base import Channel
from followup.messages.render import Renderer
from followup.protocol import Protocol
from followup.replies.handle import Inbound, handle
from followup.replies.status import record_status
from followup.settings import Settings
from followup.web.forms import form_fields

log = logging.getLogger(__name__)
TWIML = "application/xml"


def signed_url(public_url: str, path: str, query: str) -> str:
    """The address Twilio signed: the public one it called, not the one a proxy passed on."""
    return public_url.rstrip("/") + path + (f"?{query}" if query else "")


def webhook_threads(engine: Engine) -> int:
    """How many webhooks one process handles at once: 1 on SQLite, else one per pooled connection.

    SQLite takes one writer at a time: further threads would only sleep in its busy handler
    (1, 2, 5, 10 ms... between tries) and contend for the GIL, so under load they answer
    slower, not faster. On a server database each thread gets a connection without waiting
    for one (the pool's own timeout would turn a burst into errors).
    """
    if engine.dialect.name == "sqlite":
        return 1
    pool = engine.pool
    # Without a fixed pool (NullPool), anyio's own default of 40 threads.
    return max(pool.size(), 1) if isinstance(pool, QueuePool) else 40


def twilio_router(
    settings: Settings,
    engine: Engine,
    protocol: Protocol,
    renderer: Renderer,
    channels: Mapping[str, Channel],
) -> APIRouter:
    """The two webhook routes, bound to one database and one protocol."""
    router = APIRouter(prefix="/twilio")
    token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else None
    validator = RequestValidator(token) if token else None
    # Requests beyond the limit wait here, in the event loop, for a free thread.
    limiter = CapacityLimiter(webhook_threads(engine))

    async def signed_form(request: Request) -> dict[str, str] | Response:
        if validator is None or not settings.public_url:
            reason = "Twilio webhooks need FOLLOWUP_TWILIO_AUTH_TOKEN and FOLLOWUP_PUBLIC_URL"
            return Response(reason, status_code=503, media_type="text/plain")
        params = await form_fields(request)
        # Twilio signs the address it called, which behind a proxy is the public one.
        url = (
            settings.public_url
            + request.url.path
            + (f"?{request.url.query}" if request.url.query else "")
        )
        if not validator.validate(url, params, request.headers.get("X-Twilio-Signature", "")):
            log.warning("refused a %s webhook with a missing or wrong signature", request.url.path)
            return Response("invalid signature", status_code=403, media_type="text/plain")
        return params

    @router.post("/sms")
    async def inbound_sms(request: Request, background: BackgroundTasks) -> Response:
        form = await signed_form(request)
        if isinstance(form, Response):
            return form
        missing = [name for name in ("MessageSid", "From") if not form.get(name)]
        if missing:
            return Response(
                f"missing form fields: {', '.join(missing)}",
                status_code=400,
                media_type="text/plain",
            )
        inbound = Inbound(
            form["MessageSid"], form["From"], form.get("To", ""), form.get("Body", "")
        )
        handled = await anyio.to_thread.run_sync(
            handle, engine, protocol, renderer, inbound, clock.now(), limiter=limiter
        )
        for alert_id in handled.alert_ids:
            # After the answer has gone back to Twilio, but in this process and at once.
            background.add_task(deliver_pending, engine, channels, protocol, clock.now(), alert_id)
        twiml = MessagingResponse()
        if handled.reply:
            callback = (
                f"{settings.public_url}/twilio/status?reply={handled.reply_id}"
                if handled.reply_id
                else None
            )
            twiml.message(handled.reply, status_callback=callback)
        return Response(str(twiml), media_type=TWIML)

    @router.post("/status")
    async def delivery_status(request: Request) -> Response:
        form = await signed_form(request)
        if isinstance(form, Response):
            return form
        reply = request.query_params.get("reply")
        message = request.query_params.get("message")
        await anyio.to_thread.run_sync(
            partial(
                record_status,
                engine,
                sid=form.get("MessageSid", ""),
                status=form.get("MessageStatus", ""),
                error_code=form.get("ErrorCode") or None,
                reply_id=int(reply) if reply and reply.isdigit() else None,
                message_id=int(message) if message and message.isdigit() else None,
                now=clock.now(),
            ),
            limiter=limiter,
        )
        return Response(str(MessagingResponse()), media_type=TWIML)

    return router
