"""Twilio's webhooks: inbound SMS, delivery status and calls to on-call, signed, answered
in TwiML."""

from __future__ import annotations

import base64
import hmac
import logging
from collections.abc import Mapping
from functools import partial
from xml.sax.saxutils import escape

import anyio.to_thread
from anyio import CapacityLimiter
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool
from starlette.background import BackgroundTasks
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from twilio.request_validator import RequestValidator

from followup.alerts.call_tokens import ANSWER_PATH, KEY_PATH, STATUS_PATH, Signer
from followup.core import clock
from followup.dispatch.calls import Dialer
from followup.ops.outages import cause, is_unavailable
from followup.replies.inbox import Inbox
from followup.replies.outcome import Inbound
from followup.replies.status import record_status
from followup.settings import Settings
from followup.web.forms import FormTooLarge, form_fields
from followup.web.voice import VoiceWebhooks

log = logging.getLogger(__name__)
TWIML = "application/xml"
# Twilio's forms are a few kilobytes (an SMS is at most 1,600 characters). The body is read
# before the signature can be checked, so anyone may send one: past this it is refused.
MAX_FORM_BYTES = 64 * 1024


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


class TwilioWebhooks:
    """Twilio's two webhooks, answered in front of the rest of the app (an ASGI middleware).

    They are most of the web's traffic and need neither staff sessions nor routing, so
    they skip both; every other request passes through to the FastAPI app untouched.
    """

    def __init__(
        self, app: ASGIApp, settings: Settings, inbox: Inbox, dialer: Dialer | None = None
    ) -> None:
        self.app, self.settings, self.inbox = app, settings, inbox
        self.engine, self.protocol, self.channels = inbox.engine, inbox.protocol, inbox.channels
        token = settings.twilio_auth_token
        self.validator = RequestValidator(token.get_secret_value()) if token else None
        # Status callbacks beyond the limit wait here, in the event loop, for a free thread.
        self.limiter = CapacityLimiter(inbox.threads)
        # Twilio signs the address it called: the primary's, or the fallback instance's.
        self.addresses = [url for url in (settings.public_url, settings.fallback_url) if url]
        signer = (
            Signer(settings.public_url, token.get_secret_value())
            if token and settings.public_url
            else None
        )
        voice = VoiceWebhooks(self.engine, self.protocol, signer, dialer, self.limiter)
        self.endpoints = {
            "/twilio/sms": self.inbound_sms,
            "/twilio/status": self.delivery_status,
            ANSWER_PATH: voice.answer,
            KEY_PATH: voice.key,
            STATUS_PATH: voice.status,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.endpoints.get(scope["path"]) if scope["type"] == "http" else None
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        if request.method != "POST":
            response = _text("Method Not Allowed", 405, {"Allow": "POST"})
        else:
            form = await self.signed_form(request)
            response = form if isinstance(form, Response) else await endpoint(request, form)
        await response(scope, receive, send)

    async def signed_form(self, request: Request) -> dict[str, str] | Response:
        """The form Twilio posted, or the answer refusing it."""
        if self.validator is None or not self.addresses:
            return _text(
                "Twilio webhooks need FOLLOWUP_TWILIO_AUTH_TOKEN and FOLLOWUP_PUBLIC_URL", 503
            )
        try:
            params = await form_fields(request, MAX_FORM_BYTES)
        except FormTooLarge:
            log.warning("refused a %s webhook over %d bytes", request.scope["path"], MAX_FORM_BYTES)
            return _text(f"a Twilio webhook is under {MAX_FORM_BYTES // 1024} KiB", 413)
        # Twilio signs the address it called, which behind a proxy is the public one.
        path, query = request.scope["path"], request.scope["query_string"].decode("latin-1")
        signature = request.headers.get("X-Twilio-Signature", "")
        if not any(
            self._signed(signed_url(base, path, query), params, signature)
            for base in self.addresses
        ):
            log.warning("refused a %s webhook with a missing or wrong signature", path)
            return _text("invalid signature", 403)
        return params

    def _signed(self, url: str, params: dict[str, str], signature: str) -> bool:
        assert self.validator is not None
        # The SDK's check signs the address both with and without a port: the address as
        # configured, which is what Twilio signs, first costs one signature, not two.
        exact = signature_of(self.validator.token, url, params)
        return hmac.compare_digest(exact, signature.encode()) or bool(  # bytes: any text
            self.validator.validate(url, params, signature)
        )

    async def inbound_sms(self, _request: Request, form: dict[str, str]) -> Response:
        """Store and process a patient's SMS; answer it in TwiML."""
        missing = [name for name in ("MessageSid", "From") if not form.get(name)]
        if missing:
            return _text(f"missing form fields: {', '.join(missing)}", 400)
        inbound = Inbound(
            form["MessageSid"], form["From"], form.get("To", ""), form.get("Body", "")
        )
        try:
            handled = await self.inbox.handle(inbound)
        except Exception as exc:
            # Neither the journal nor the database took it: a 500, so that Twilio tries
            # the number's fallback URL. One line, not a traceback per request.
            log.error("an inbound SMS could not be kept: %s", cause(exc))
            return _text("the message could not be stored; try the fallback URL", 500)
        # After the answer has gone back to Twilio, but in this process and at once.
        alerts = BackgroundTasks()
        if handled.alert_ids:
            alerts.add_task(self.inbox.page_alerts, handled.alert_ids)
        callback = (
            f"{self.addresses[0]}/twilio/status?reply={handled.reply_id}"
            if handled.reply_id
            else None
        )
        return Response(twiml(handled.reply, callback), media_type=TWIML, background=alerts)

    async def delivery_status(self, request: Request, form: dict[str, str]) -> Response:
        """Record what Twilio says became of a message we sent."""
        reply = request.query_params.get("reply")
        message = request.query_params.get("message")
        try:
            await anyio.to_thread.run_sync(
                partial(
                    record_status,
                    self.engine,
                    sid=form.get("MessageSid", ""),
                    status=form.get("MessageStatus", ""),
                    error_code=form.get("ErrorCode") or None,
                    reply_id=int(reply) if reply and reply.isdigit() else None,
                    message_id=int(message) if message and message.isdigit() else None,
                    now=clock.now(),
                    sender=form.get("MessagingServiceSid") or form.get("From"),
                ),
                limiter=self.limiter,
            )
        except DBAPIError as exc:
            if not is_unavailable(exc):
                raise
            # A delivery report is not a patient's words: it is not journaled. One line.
            log.warning("a delivery report was not recorded: %s", cause(exc))
            return _text("the database is unavailable", 503)
        return Response(twiml(), media_type=TWIML)


def signature_of(key: bytes, url: str, params: Mapping[str, str]) -> bytes:
    """Twilio's X-Twilio-Signature for a form of single values, as the SDK's
    `compute_signature` gives it, for a fraction of its cost (one join, one-shot HMAC)."""
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.digest(key, data.encode(), "sha1"))


def twiml(reply: str | None = None, status_callback: str | None = None) -> str:
    """TwiML answering with one SMS, or with none: what twilio's MessagingResponse writes.

    A string, not an element tree: every webhook answers, and the tree cost a tenth of a
    millisecond each time.
    """
    if not reply:
        return _XML + "<Response />"
    callback = (
        f' statusCallback="{escape(status_callback, _ATTRIBUTE_ENTITIES)}"'
        if status_callback
        else ""
    )
    return f"{_XML}<Response><Message{callback}>{escape(reply)}</Message></Response>"


_XML = '<?xml version="1.0" encoding="UTF-8"?>'
# As ElementTree escapes an attribute, besides &, < and >.
_ATTRIBUTE_ENTITIES = {'"': "&quot;", "\r": "&#13;", "\n": "&#10;", "\t": "&#09;"}


def _text(body: str, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type="text/plain", headers=headers)
