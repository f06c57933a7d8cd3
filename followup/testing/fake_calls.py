"""The fake Twilio's Calls API: a call is created, then played out in a thread as the
called number's script says, with Twilio's callbacks to the addresses the call was given.

    fake.calls.forward("https://followup.example.org", served_at)  # a proxy, as in production
    fake.calls.script("+14025550142", "no-answer", ring=1.0)
    fake.calls.script("+14025550157", "human", digits="1")

An answered call fetches its `Url` (with `AnsweredBy` when machine detection was asked
for), reads the TwiML, "hears" every <Say>, posts the next scripted key to a <Gather>'s
action (no key left: the <Gather> times out and the next verb plays), follows <Redirect>,
stops at <Hangup>; then the status callback says how it ended. Every callback is signed
as Twilio signs (X-Twilio-Signature over the address it was given, with the SDK's rule)
and sent to the forwarded address. Standard library and the twilio SDK only.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import urlencode
from uuid import uuid4
from xml.etree import ElementTree

from twilio.request_validator import RequestValidator

from followup.core.phones import mask
from followup.testing.twilio_shapes import (
    API_VERSION,
    Reply,
    call_resource,
    error_reply,
    most_in_window,
)

logger = logging.getLogger(__name__)

# What the phone at a number does: a person answers, a voicemail answers, it rings out, it
# is busy, the call fails, Twilio refuses to place it, or it rings and Twilio never reports.
ANSWERS = ("human", "machine", "no-answer", "busy", "failed", "refused", "silent-twilio")
UNANSWERED = ("no-answer", "busy", "failed")
MAX_STEPS = 10  # TwiML documents one call follows, so a loop in the app cannot hang a test


@dataclass(frozen=True, slots=True)
class Script:
    """How one number answers: `digits` are the keys pressed, one per <Gather> heard."""

    answer: str = "no-answer"
    digits: str = ""
    ring: float = 0.2  # seconds from the create to the answer, or to the no-answer
    answered_by: str | None = None  # a machine's AnsweredBy (default machine_end_beep)


@dataclass
class FakeCall:
    """One created call and everything that happened on it."""

    sid: str
    to: str
    form: dict[str, str]
    created: float  # time.monotonic()
    status: str = "queued"
    ended_at: float | None = None  # time.monotonic() when its status callback went
    answered_by: str | None = None
    said: list[str] = field(default_factory=list)  # every <Say>, in order
    keys: list[str] = field(default_factory=list)  # the keys posted to <Gather> actions
    twiml: list[str] = field(default_factory=list)  # every TwiML document fetched
    callbacks: list[tuple[str, dict[str, str], int]] = field(default_factory=list)
    ended: threading.Event = field(default_factory=threading.Event)


class FakeCalls:
    """The Calls resource of one fake account."""

    def __init__(self, account_sid: str, auth_token: str, stopping: threading.Event) -> None:
        self.account_sid = account_sid
        self._signer = RequestValidator(auth_token)
        self._stopping = stopping
        self._lock = threading.Lock()
        self._scripts: dict[str, Script] = {}
        self._forwards: dict[str, str] = {}
        self._calls: list[FakeCall] = []
        self._threads: list[threading.Thread] = []

    # -- scripting -----------------------------------------------------------------------

    def script(
        self,
        number: str,
        answer: str = "human",
        digits: str = "",
        ring: float = 0.2,
        answered_by: str | None = None,
    ) -> None:
        """What happens when `number` is called (unscripted numbers ring out: no-answer)."""
        if answer not in ANSWERS:
            raise ValueError(f"answer must be one of {', '.join(ANSWERS)}")
        with self._lock:
            self._scripts[number] = Script(answer, digits, ring, answered_by)

    def forward(self, public: str, local: str) -> None:
        """Send callbacks for addresses under `public` to `local` (signed for `public`)."""
        with self._lock:
            self._forwards[public.rstrip("/")] = local.rstrip("/")

    # -- inspection ----------------------------------------------------------------------

    @property
    def calls(self) -> list[FakeCall]:
        """Every call created, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, number: str) -> list[FakeCall]:
        """The calls created to `number`, oldest first."""
        return [call for call in self.calls if call.to == number]

    def most_in_any(self, seconds: float) -> int:
        """The most calls created within any `seconds`: the account's call rate."""
        return most_in_window([call.created for call in self.calls], seconds)

    def close(self) -> None:
        """Wait for the calls being played (the fake is stopping: they end at once)."""
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=15)

    # -- the API -------------------------------------------------------------------------

    def respond(self, method: str, sid: str | None, form: dict[str, str]) -> Reply:
        """One request to the Calls resource, authenticated already."""
        if method == "POST" and sid is None:
            return self._create(form)
        if method == "GET" and sid is not None:
            with self._lock:
                found = next((c for c in self._calls if c.sid == sid), None)
            if found is None:
                return error_reply(404, 20404)
            return Reply(200, self._resource(found))
        return error_reply(405, 20004)

    def _create(self, form: dict[str, str]) -> Reply:
        to = form.get("To")
        if not to:
            return error_reply(400, 21201)
        if not form.get("From"):
            return error_reply(400, 21213)
        if not (form.get("Url") or form.get("Twiml")):
            return error_reply(400, 21205)
        with self._lock:
            script = self._scripts.get(to, Script())
            if script.answer == "refused":
                return error_reply(400, 13224)
            call = FakeCall(f"CA{uuid4().hex}", to, dict(form), time.monotonic())
            self._calls.append(call)
            thread = threading.Thread(target=self._play, args=(call, script), daemon=True)
            self._threads.append(thread)
        logger.debug("fake twilio placed %s to %s", call.sid, mask(to))
        created = self._resource(call)  # "queued", as Twilio answers, before it rings
        thread.start()
        return Reply(201, created)

    def _resource(self, call: FakeCall) -> dict[str, object]:
        stamp = format_datetime(datetime.now(UTC).replace(microsecond=0))
        resource = call_resource(self.account_sid, call.sid, call.form, stamp)
        return {**resource, "status": call.status, "answered_by": call.answered_by}

    # -- playing a call ------------------------------------------------------------------

    def _play(self, call: FakeCall, script: Script) -> None:
        call.status = "ringing"
        if self._stopping.wait(script.ring):
            return
        if script.answer in UNANSWERED:
            self._end(call, script.answer)
            return
        if script.answer == "silent-twilio":
            return  # rings, and Twilio never says what became of it
        detecting = bool(call.form.get("MachineDetection"))
        if detecting:
            machine = script.answered_by or "machine_end_beep"
            call.answered_by = "human" if script.answer == "human" else machine
        call.status = "in-progress"
        params = self._params(call, "in-progress")
        keys = list(script.digits) if script.answer == "human" else []
        document = self._post(call, call.form.get("Url", ""), params)
        for _ in range(MAX_STEPS):
            next_url, extra = self._follow(call, document, keys)
            if next_url is None:
                break
            document = self._post(call, next_url, {**params, **extra})
        self._end(call, "completed")

    def _follow(
        self, call: FakeCall, document: str, keys: list[str]
    ) -> tuple[str | None, dict[str, str]]:
        """Play one TwiML document: where it leads next (a Gather's action with the key,
        a Redirect), or None when it ends."""
        call.twiml.append(document)
        try:
            root = ElementTree.fromstring(document)
        except ElementTree.ParseError:
            return None, {}
        for verb in root:
            if verb.tag == "Say":
                call.said.append(verb.text or "")
            elif verb.tag == "Gather":
                call.said.extend(say.text or "" for say in verb.iter("Say"))
                if keys:
                    key = keys.pop(0)
                    call.keys.append(key)
                    return verb.get("action", call.form.get("Url", "")), {"Digits": key}
            elif verb.tag == "Redirect":
                return (verb.text or "").strip(), {}
            elif verb.tag == "Hangup":
                return None, {}
        return None, {}

    def _params(self, call: FakeCall, status: str) -> dict[str, str]:
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call.sid,
            "CallStatus": status,
            "Direction": "outbound-api",
            "From": call.form.get("From", ""),
            "To": call.to,
        }
        if call.answered_by:
            params["AnsweredBy"] = call.answered_by
        return params

    def _end(self, call: FakeCall, status: str) -> None:
        call.status, call.ended_at = status, time.monotonic()
        callback = call.form.get("StatusCallback")
        if callback:
            params = self._params(call, status)
            if status == "completed":
                params["CallDuration"] = str(max(1, len(call.said) * 4))
            self._post(call, callback, params)
        call.ended.set()

    def _post(self, call: FakeCall, url: str, params: dict[str, str]) -> str:
        """POST a signed callback; the body answered ("" when it failed)."""
        if self._stopping.is_set() or not url:
            return ""
        signature = self._signer.compute_signature(url, params)
        with self._lock:
            target = next(
                (
                    local + url[len(public) :]
                    for public, local in self._forwards.items()
                    if url.startswith(public)
                ),
                url,
            )
        request = urllib.request.Request(
            target,
            data=urlencode(params).encode(),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                body, status = str(response.read().decode()), int(response.status)
        except urllib.error.HTTPError as exc:
            with exc:
                body, status = "", exc.code
        except OSError:
            body, status = "", 0
        call.callbacks.append((url, dict(params), status))
        return body
