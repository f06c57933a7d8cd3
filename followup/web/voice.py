"""Twilio's callbacks about calls to on-call: what to say, the key pressed, how it ended.

They come through `TwilioWebhooks`, which has checked Twilio's signature; each address
also carries the call's own signed token (`alerts.call_tokens`). The answer goes back
first; the next person's call, when one is due now, is placed right after, in this
process, without waiting for a worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

import anyio.to_thread
from anyio import CapacityLimiter
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from starlette.background import BackgroundTasks
from starlette.requests import Request
from starlette.responses import Response

from followup.alerts import call_script
from followup.alerts.call_tokens import Signer
from followup.alerts.calls import Heard, answered, pressed, reported
from followup.core import clock
from followup.dispatch.calls import Dialer
from followup.ops.outages import cause, is_unavailable
from followup.protocol import Protocol

log = logging.getLogger(__name__)
TWIML = "application/xml"


class VoiceWebhooks:
    """The three call callbacks, for one deployment."""

    def __init__(
        self,
        engine: Engine,
        protocol: Protocol,
        signer: Signer | None,
        dialer: Dialer | None,
        limiter: CapacityLimiter,
    ) -> None:
        self.engine, self.protocol, self.signer = engine, protocol, signer
        self.dialer, self.limiter = dialer, limiter

    async def answer(self, request: Request, form: dict[str, str]) -> Response:
        """What to say to whoever (or whatever) picked up."""
        return await self._heard(request, form, answered, form.get("AnsweredBy"))

    async def key(self, request: Request, form: dict[str, str]) -> Response:
        """The key pressed in the <Gather>."""
        return await self._heard(request, form, pressed, form.get("Digits", ""))

    async def status(self, request: Request, form: dict[str, str]) -> Response:
        """How the call ended; a call that reached nobody has the next person called."""
        signed = self._call_of(request)
        if signed is None:
            return _twiml(call_script.hang_up())
        signer, call_id, token = signed
        run = partial(
            reported,
            self.engine,
            self.protocol,
            signer,
            call_id,
            token,
            form.get("CallSid", ""),
            form.get("CallStatus", ""),
            form.get("AnsweredBy"),
            clock.now(),
        )
        try:
            place = await anyio.to_thread.run_sync(run, limiter=self.limiter)
        except DBAPIError as exc:
            if not is_unavailable(exc):
                raise
            # Not recorded: after the call's deadline the worker's sweep takes it as lost
            # and calls the next person.
            log.warning("a call's status was not recorded: %s", cause(exc))
            return Response("the database is unavailable", 503, media_type="text/plain")
        return _twiml(call_script.hang_up(), self._placing(place))

    async def _heard(
        self,
        request: Request,
        form: dict[str, str],
        handler: Callable[..., Heard],
        value: str | None,
    ) -> Response:
        signed = self._call_of(request)
        if signed is None:
            return _twiml(call_script.hang_up())
        signer, call_id, token = signed
        run = partial(
            handler,
            self.engine,
            self.protocol,
            signer,
            call_id,
            token,
            form.get("CallSid", ""),
            value,
            clock.now(),
        )
        try:
            heard = await anyio.to_thread.run_sync(run, limiter=self.limiter)
        except DBAPIError as exc:
            if not is_unavailable(exc):
                raise
            log.error("a call could not be recorded: %s", cause(exc))
            return _twiml(call_script.say("en", "unrecorded"))
        return _twiml(heard.twiml, self._placing(heard.place_for))

    def _call_of(self, request: Request) -> tuple[Signer, int, str] | None:
        call, token = request.query_params.get("call", ""), request.query_params.get("t", "")
        if self.signer is None or not call.isdigit() or not token:
            log.warning("refused a call callback without its call and token")
            return None
        return self.signer, int(call), token

    def _placing(self, alert_id: int | None) -> BackgroundTasks | None:
        if alert_id is None or self.dialer is None:
            return None
        tasks = BackgroundTasks()
        tasks.add_task(_place_next, self.dialer, alert_id)
        return tasks


def _place_next(dialer: Dialer, alert_id: int) -> None:
    """Call the next person now; what fails here, the worker's alert job places later."""
    try:
        dialer.place_due(alert_id)
    except Exception as exc:
        log.error("alert %d: the next call waits for the worker: %s", alert_id, cause(exc))


def _twiml(body: str, background: BackgroundTasks | None = None) -> Response:
    return Response(body, media_type=TWIML, background=background)
