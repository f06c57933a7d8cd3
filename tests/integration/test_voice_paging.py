"""On-call reached for sure: a crisis reply phones on-call, and only a keypress acknowledges.

Everything runs for real: the web app under uvicorn on 127.0.0.1, the real `twilio` SDK
placing calls at the fake Twilio, whose Calls API plays each call as the number's script
says and calls back through the real webhooks, signed as Twilio signs, on SQLite and on
PostgreSQL. Twilio calls the public address; the fake forwards it to the server, as a
proxy in front of followup would.
"""

from __future__ import annotations

import json
import time
import urllib.error
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.alerts.calls import end_lost_calls
from followup.db.models import Alert, AlertCall, Patient
from followup.protocol import Protocol
from followup.testing.processes import wait_for
from followup.web.sections.common import ClinicClock
from tests.integration.test_staff_web import PASSWORD, Browser
from tests.integration.voice_clinic import (
    ASKED,
    CRISIS,
    NURSE,
    PUBLIC,
    SID,
    Clinic,
    serve_clinic,
    voice_protocol,
)


@pytest.fixture
def clinic(engine: Engine, protocol: Protocol) -> Iterator[Clinic]:
    yield from serve_clinic(engine, voice_protocol(protocol))


def acknowledged_by_the_second_by_phone(clinic: Clinic) -> Alert:
    wait_for(lambda: clinic.alert().acknowledged_at is not None, 20, "the keypress to land")
    alert = clinic.alert()
    assert (alert.acknowledged_by, alert.acknowledged_via) == (clinic.second_name, "phone call")
    return alert


def test_a_crisis_calls_on_call_within_5_s_a_no_answer_calls_the_next_whose_1_acknowledges(
    clinic: Clinic,
) -> None:
    clinic.fake.calls.script(clinic.first, "no-answer", ring=1.0)
    clinic.fake.calls.script(clinic.second, "human", digits="1")
    sent = time.monotonic()
    assert "988" in clinic.sms(CRISIS)
    [first] = clinic.calls_to(clinic.first, seconds=5)
    assert first.created - sent < 5.0  # the bound: called within 5 s
    assert first.form["MachineDetection"] and first.form["To"] == clinic.first
    [second] = clinic.calls_to(clinic.second)
    assert first.ended_at is not None and second.created > first.ended_at  # after the timeout
    assert first.said == []  # it rang out: nobody heard anything
    assert second.ended.wait(15) and second.keys == ["1"]
    # Asked in two one-key <Gather>s; the key in the first one answers at once.
    assert second.twiml[0].count('<Gather numDigits="1"') == 2
    assert second.said == [ASKED, "Acknowledged. Open the alerts page for details."]
    alert = acknowledged_by_the_second_by_phone(clinic)
    spoken = " ".join(first.said + second.said)
    assert "Ana" not in spoken and "Rivera" not in spoken and "pill" not in spoken
    # Acknowledging the crisis lets the patient's messages go again, as from the page.
    with Session(clinic.engine) as session:
        assert session.exec(select(Patient)).one().paused_at is None
    # Nobody else is called: not now, not by the worker's sweep later.
    clinic.dialer.tick()
    time.sleep(1.0)
    assert len(clinic.fake.calls.calls) == 2
    assert [c.outcome for c in clinic.attempts()] == ["no-answer", "acknowledged"]
    calls = clinic.audited("alert.call")
    assert [(c["to"], c["outcome"]) for c in calls] == [
        (clinic.first_name, "no-answer"),
        (clinic.second_name, "acknowledged"),
    ]
    assert all(clinic.first not in json.dumps(c) for c in calls)  # masked numbers only
    [taken] = clinic.audited("alert.acknowledged")
    assert taken["via"] == "phone call" and taken["acknowledged_by"] == clinic.second_name
    page = clinic.alerts_page()
    when = ClinicClock(clinic.protocol.clinic.tz)(alert.acknowledged_at)
    assert f"Acknowledged by {clinic.second_name} by phone call {when}" in page
    assert f"phone call to {clinic.first_name}: <strong>no answer</strong>" in page
    assert f"phone call to {clinic.second_name}: <strong>acknowledged (pressed 1)</strong>" in page


def test_a_voicemail_gets_the_call_back_message_and_acknowledges_nothing(clinic: Clinic) -> None:
    clinic.fake.calls.script(clinic.first, "machine", answered_by="machine_start")
    clinic.fake.calls.script(clinic.second, "human", digits="1")
    clinic.sms(CRISIS)
    [first] = clinic.calls_to(clinic.first, seconds=5)
    assert first.ended.wait(15)
    assert first.said == [
        "This is Lakeside Infusion Clinic with an urgent patient alert. Please open the "
        "alerts page as soon as you hear this. We are calling the next person on call."
    ]
    assert first.keys == [] and "<Gather" not in first.twiml[0]
    [second] = clinic.calls_to(clinic.second)
    assert second.created > first.created
    acknowledged_by_the_second_by_phone(clinic)
    assert [c.outcome for c in clinic.attempts()] == ["machine", "acknowledged"]
    assert "voicemail (not acknowledged)" in clinic.alerts_page()


def test_pressing_2_passes_the_alert_to_the_next_person_at_once(clinic: Clinic) -> None:
    clinic.fake.calls.script(clinic.first, "human", digits="2")
    clinic.fake.calls.script(clinic.second, "human", digits="1")
    clinic.sms(CRISIS)
    [first] = clinic.calls_to(clinic.first, seconds=5)
    [second] = clinic.calls_to(clinic.second)  # no worker runs here: the web process calls
    assert first.keys == ["2"] and "Passed to the next person. Goodbye." in first.said
    assert second.created > first.created
    acknowledged_by_the_second_by_phone(clinic)
    assert [c.outcome for c in clinic.attempts()] == ["passed", "acknowledged"]
    assert len(clinic.fake.calls.calls) == 2


def test_an_alert_taken_on_the_alerts_page_is_not_taken_again_by_the_call_ringing(
    clinic: Clinic,
) -> None:
    clinic.fake.calls.script(clinic.first, "human", digits="1", ring=3.0)
    clinic.sms(CRISIS)
    [call] = clinic.calls_to(clinic.first, seconds=5)
    browser = Browser(clinic.base)
    assert browser.sign_in(NURSE, PASSWORD)[0] == 303
    alert_id = clinic.alert().id
    csrf = browser.csrf("/staff/alerts")
    status, _, _ = browser.request(
        "POST", f"/staff/alerts/{alert_id}/acknowledge", {"csrf_token": csrf, "note": "on it"}
    )
    assert status == 303
    assert call.ended.wait(15)
    assert call.said == [
        f"This alert was already acknowledged by {NURSE}. Nothing more to do. Goodbye."
    ]
    assert call.keys == []
    alert = clinic.alert()
    assert (alert.acknowledged_by, alert.acknowledged_via) == (NURSE, "alerts page")
    assert [c.outcome for c in clinic.attempts()] == ["too-late"]
    assert f"Acknowledged by {NURSE} on the alerts page" in clinic.alerts_page()
    time.sleep(1.0)
    assert clinic.fake.calls.calls_to(clinic.second) == []


def test_a_forged_or_replayed_keypress_does_nothing(clinic: Clinic) -> None:
    # The first phone rings and Twilio never reports: the keypresses below are not Twilio's.
    clinic.fake.calls.script(clinic.first, "silent-twilio")
    clinic.fake.calls.script(clinic.second, "human", digits="1")
    clinic.sms(CRISIS)
    [ringing] = clinic.calls_to(clinic.first, seconds=5)
    wait_for(lambda: clinic.attempts()[0].call_sid is not None, 10, "the call's SID")
    attempt = clinic.attempts()[0]
    key_url = clinic.dialer.signer.urls(attempt.id or 0, attempt.alert_id, 0).key
    path = key_url.removeprefix(PUBLIC)
    press = {"CallSid": ringing.sid, "Digits": "1", "AccountSid": SID, "CallStatus": "in-progress"}
    with pytest.raises(urllib.error.HTTPError) as unsigned:  # not signed with the auth token
        clinic.post(path, press, signature="bm90IFR3aWxpbw==")
    assert unsigned.value.code == 403
    unsigned.value.close()
    other_token = path.replace("t=", "t=0")[: len(path)]
    assert "<Hangup/>" in clinic.post(other_token, press)  # signed, but not this call's token
    other_call = {**press, "CallSid": "CA" + "f" * 32}
    assert "<Hangup/>" in clinic.post(path, other_call)  # this call's token, another call
    assert clinic.alert().acknowledged_at is None
    assert clinic.attempts()[0].status == "calling"
    # Twilio never said how the first call ended: after its deadline the worker moves on.
    assert end_lost_calls(clinic.engine, clinic.protocol, datetime.now(UTC)) == []
    with Session(clinic.engine) as session:
        row = session.get(AlertCall, attempt.id)
        assert row is not None and row.deadline_at is not None
        assert row.deadline_at > datetime.now(UTC) + timedelta(minutes=3)  # ring + limit + grace
        row.deadline_at = datetime.now(UTC) - timedelta(seconds=1)
        session.add(row)
        session.commit()
    clinic.dialer.tick()
    [second] = clinic.calls_to(clinic.second)
    alert = acknowledged_by_the_second_by_phone(clinic)
    # Twilio's own keypress, replayed byte for byte, changes nothing.
    url, params, status = next(c for c in second.callbacks if "Digits" in c[1])
    assert status == 200
    replayed = clinic.post(url.removeprefix(PUBLIC), params)
    assert "Acknowledged" in replayed
    assert clinic.alert().acknowledged_at == alert.acknowledged_at
    assert len(clinic.audited("alert.acknowledged")) == 1
    assert [c.outcome for c in clinic.attempts()] == ["lost", "acknowledged"]


def test_urgent_alerts_never_call(clinic: Clinic) -> None:
    answer = clinic.sms("i can't pee and there is blood in my urine", "SMurgent")
    assert "nurse" in answer.lower()
    wait_for(lambda: clinic.fake.deliveries_to(clinic.first) != [], 10, "the SMS page")
    assert clinic.alert().severity == "urgent"
    clinic.dialer.tick()
    assert clinic.attempts() == [] and clinic.fake.calls.calls == []
