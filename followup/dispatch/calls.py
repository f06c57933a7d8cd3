"""Place the calls that are due, at Twilio's pace for the whole account.

The web process places an alert's first call the moment the alert is raised, and the next
one the moment Twilio reports that a call reached nobody; every worker's alert job places
whatever is still due and ends the calls Twilio never reported on. Each call is claimed
with a compare-and-set first (`alerts.calls.claim_call`), so however many processes try,
one places it. Calls draw on one token bucket per Twilio account, shared through the
database like the SMS senders' (`dispatch.rate`): Twilio takes 1 call a second per account
unless asked for more, and queues the rest, which would delay the second person's phone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol as Interface

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from followup.alerts.call_plan import TIME_LIMIT_SECONDS, callers
from followup.alerts.call_tokens import Signer
from followup.alerts.calls import (
    call_placed,
    call_refused,
    claim_call,
    end_lost_calls,
    release_call,
)
from followup.channels.base import ChannelError
from followup.channels.twilio_voice import TwilioCaller
from followup.core import clock
from followup.core.errors import ConfigError
from followup.core.phones import mask
from followup.db.models import AlertCall
from followup.dispatch.rate import Limit, SharedLimit
from followup.protocol import Protocol
from followup.settings import Settings

log = logging.getLogger(__name__)

# How long one placing waits for the account's next call token before leaving the call
# for the next try (the worker's alert job, every 15 s).
MAX_TOKEN_WAIT = 20.0


class Caller(Interface):
    """What places a call (`channels.twilio_voice.TwilioCaller`)."""

    def call(
        self, to: str, answer_url: str, status_url: str, ring_seconds: int, time_limit: int
    ) -> str:
        """Place the call; its SID, or ChannelError."""
        ...


@dataclass
class Dialer:
    """Places due calls for one deployment: its database, protocol, caller and callbacks."""

    engine: Engine
    protocol: Protocol
    caller: Caller
    signer: Signer
    limit: Limit
    max_wait: float = MAX_TOKEN_WAIT

    def place_due(self, alert_id: int | None = None) -> int:
        """Place every call due now (one alert's, or all); how many were placed."""
        query = select(AlertCall.id).where(
            AlertCall.status == "pending", col(AlertCall.due_at) <= clock.now()
        )
        if alert_id is not None:
            query = query.where(AlertCall.alert_id == alert_id)
        with Session(self.engine) as session:
            ids: Sequence[int | None] = session.exec(
                query.order_by(col(AlertCall.due_at), col(AlertCall.id))
            ).all()
        return sum(self.place(call_id) for call_id in ids if call_id is not None)

    def place(self, call_id: int) -> bool:
        """Place one due call, if no other process has; a refused call queues the next.

        Claimed first, then paced: a token is never spent on a call another took."""
        call = claim_call(self.engine, self.protocol, call_id, clock.now())
        if call is None:
            return False
        if not self._token():
            release_call(self.engine, call_id)
            log.warning("call %d waits: the account's call rate is used up", call_id)
            return False
        urls = self.signer.urls(call_id, call.alert_id, call.attempt)
        try:
            sid = self.caller.call(
                call.to,
                urls.answer,
                urls.status,
                self.protocol.paging.ring_seconds,
                TIME_LIMIT_SECONDS,
            )
        except ChannelError as exc:
            log.error(
                "alert %s: calling %s failed: %s", call.alert_id or "-", call.contact_name, exc
            )
            if call_refused(self.engine, self.protocol, call, str(exc), clock.now()):
                self.place_due(call.alert_id)
            return False
        call_placed(self.engine, call_id, sid, clock.now())
        log.warning(
            "alert %s: calling %s (%s), attempt %d",
            call.alert_id or "test",
            call.contact_name,
            mask(call.to),
            call.attempt,
        )
        return True

    def tick(self) -> int:
        """The worker's part: end calls Twilio went quiet about, then place what is due."""
        end_lost_calls(self.engine, self.protocol, clock.now())
        return self.place_due()

    def _token(self) -> bool:
        deadline = time.monotonic() + self.max_wait
        while True:
            grant = self.limit.take(1)
            if grant.tokens:
                return True
            if time.monotonic() + grant.wait > deadline:
                return False
            time.sleep(grant.wait)


def voice_problem(settings: Settings, protocol: Protocol) -> str | None:
    """Why calls cannot be placed with these settings; None when they can."""
    missing = [
        f"FOLLOWUP_{name.upper()}"
        for name in ("twilio_account_sid", "twilio_auth_token", "twilio_from_number", "public_url")
        if not getattr(settings, name)
    ]
    if not missing:
        return None
    who = next((p.name for p in callers(protocol)), None)
    what = f"[[on_call]] {who!r} has voice = true, but " if who else ""
    return (
        f"{what}phone calls need {', '.join(missing)} (a voice-capable Twilio number to call "
        "from, and the public address Twilio fetches what the call says from)"
    )


def build_dialer(settings: Settings, protocol: Protocol, engine: Engine) -> Dialer | None:
    """The dialer when Twilio can place calls; None when it cannot and nobody takes calls.

    A protocol with `voice = true` and settings that cannot call is refused at start-up:
    a clinic must not believe its on-call is phoned when it is not."""
    problem = voice_problem(settings, protocol)
    if problem is not None:
        if callers(protocol):
            raise ConfigError(problem)
        return None
    assert settings.twilio_account_sid and settings.twilio_auth_token
    assert settings.twilio_from_number and settings.public_url
    token = settings.twilio_auth_token.get_secret_value()
    caller = TwilioCaller(
        settings.twilio_account_sid,
        token,
        settings.twilio_from_number,
        base_url=settings.twilio_base_url,
    )
    sender = f"twilio-calls:{settings.twilio_account_sid}"
    return Dialer(
        engine,
        protocol,
        caller,
        Signer(settings.public_url, token),
        SharedLimit(engine, sender, settings.voice_calls_per_second),
    )
