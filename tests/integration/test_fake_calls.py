"""The fake Twilio's Calls API against the real SDK, and our caller against the fake: the
contract the call tests stand on. A small HTTP server plays the app's part."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from followup.channels.base import ChannelError
from followup.channels.twilio_sms import _RebasedHttpClient
from followup.channels.twilio_voice import TwilioCaller
from followup.testing.fake_twilio import FakeTwilio

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "fake-calls-token"
PUBLIC = "https://app.example-clinic.org"
FROM, TO = "+14025550100", "+14025550142"
GATHER = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" action="'
    + PUBLIC
    + '/key?call=1&amp;t=x"><Say>Press 1.</Say></Gather><Say>Bye.</Say></Response>'
)
DONE = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thanks.</Say><Hangup/></Response>'


@dataclass
class App:
    """What our web app would be: records each signed request, answers TwiML."""

    base: str = ""
    seen: list[tuple[str, dict[str, str], bool]] = field(default_factory=list)
    answer: Callable[[str], str] = lambda path: GATHER if path.startswith("/answer") else DONE

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.seen]


@pytest.fixture
def app() -> Iterator[App]:
    state = App()
    validator = RequestValidator(TOKEN)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            signed = validator.validate(
                PUBLIC + self.path, form, self.headers.get("X-Twilio-Signature", "")
            )
            state.seen.append((self.path, form, bool(signed)))
            body = state.answer(self.path).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake(app: App) -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        server.calls.forward(PUBLIC, app.base)
        yield server


def sdk(fake: FakeTwilio) -> Client:
    client = Client(SID, TOKEN, http_client=_RebasedHttpClient(fake.base_url, 10))
    client.edge = client.region = None
    return client


def create(fake: FakeTwilio, **extra: Any) -> Any:
    return sdk(fake).calls.create(
        to=TO,
        from_=FROM,
        url=f"{PUBLIC}/answer?call=1",
        status_callback=f"{PUBLIC}/status?call=1",
        **extra,
    )


def test_a_call_is_created_as_twilio_answers_and_fetched_by_its_sid(fake: FakeTwilio) -> None:
    fake.calls.script(TO, "silent-twilio")
    call = create(fake)
    assert call.sid.startswith("CA") and len(call.sid) == 34
    assert (call.to, call._from, call.status, call.direction) == (
        TO,
        FROM,
        "queued",
        "outbound-api",
    )
    assert sdk(fake).calls(call.sid).fetch().sid == call.sid
    assert [c.sid for c in fake.calls.calls_to(TO)] == [call.sid]


def test_a_person_answering_hears_the_twiml_presses_the_scripted_key_and_it_ends_signed(
    fake: FakeTwilio, app: App
) -> None:
    fake.calls.script(TO, "human", digits="1")
    call = create(fake, machine_detection="DetectMessageEnd")
    [played] = fake.calls.calls
    assert played.ended.wait(10)
    assert app.paths() == ["/answer?call=1", "/key?call=1&t=x", "/status?call=1"]
    assert all(signed for _, _, signed in app.seen)  # X-Twilio-Signature over the public URL
    answer, key, status = (form for _, form, _ in app.seen)
    assert (answer["CallSid"], answer["AnsweredBy"], answer["CallStatus"]) == (
        call.sid,
        "human",
        "in-progress",
    )
    assert key["Digits"] == "1"
    assert (status["CallStatus"], status["AnsweredBy"]) == ("completed", "human")
    assert played.said == ["Press 1.", "Thanks."]
    assert sdk(fake).calls(call.sid).fetch().status == "completed"


@pytest.mark.parametrize("outcome", ["no-answer", "busy", "failed"])
def test_a_call_nobody_answers_reports_only_its_status(
    fake: FakeTwilio, app: App, outcome: str
) -> None:
    fake.calls.script(TO, outcome)
    create(fake)
    assert fake.calls.calls[0].ended.wait(10)
    assert app.paths() == ["/status?call=1"] and app.seen[0][1]["CallStatus"] == outcome


def test_a_machine_is_told_apart_only_when_detection_is_asked_for(
    fake: FakeTwilio, app: App
) -> None:
    fake.calls.script(TO, "machine", answered_by="machine_start")
    create(fake, machine_detection="Enable")
    assert fake.calls.calls[0].ended.wait(10)
    assert app.seen[0][1]["AnsweredBy"] == "machine_start"
    assert "Digits" not in app.seen[1][1]  # a machine presses nothing


def test_twilio_refusals_reach_the_sdk_with_their_codes(fake: FakeTwilio) -> None:
    fake.calls.script(TO, "refused")
    with pytest.raises(TwilioRestException) as refused:
        create(fake)
    assert (refused.value.status, refused.value.code) == (400, 13224)
    with pytest.raises(TwilioRestException) as no_url:
        sdk(fake).calls.create(to="+14025550157", from_=FROM)
    assert no_url.value.code == 21205
    assert fake.calls.calls == []


def test_our_caller_places_calls_with_detection_and_limits_and_classifies_failures(
    fake: FakeTwilio,
) -> None:
    fake.calls.script(TO, "silent-twilio")
    caller = TwilioCaller(SID, TOKEN, FROM, base_url=fake.base_url)
    sid = caller.call(TO, f"{PUBLIC}/answer", f"{PUBLIC}/status", 25, 120)
    [placed] = fake.calls.calls
    assert placed.sid == sid
    assert {k: placed.form[k] for k in ("MachineDetection", "Timeout", "TimeLimit", "Method")} == {
        "MachineDetection": "DetectMessageEnd",
        "Timeout": "25",
        "TimeLimit": "120",
        "Method": "POST",
    }
    fake.calls.script(TO, "refused")
    with pytest.raises(ChannelError) as refused:
        caller.call(TO, f"{PUBLIC}/answer", f"{PUBLIC}/status", 25, 120)
    assert refused.value.permanent and refused.value.code == "13224"
    assert TO not in str(refused.value)
    fake.fail_next(1, status=503)
    with pytest.raises(ChannelError) as down:
        caller.call(TO, f"{PUBLIC}/answer", f"{PUBLIC}/status", 25, 120)
    assert not down.value.permanent
    caller.close()
