"""The calling ladder's edges: rounds and the clinic's phone, refusals, silence, Spanish,
the account's call rate across workers, and test calls from the Staff page and the CLI.

Real uvicorn, the real `twilio` SDK and the fake Twilio's Calls API, as in
test_voice_paging, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.alerts import raise_alert
from followup.channels.outbox import OutboxChannel
from followup.db.models import Alert, AlertCall, AuditEvent
from followup.dispatch.calls import build_dialer
from followup.protocol import Protocol
from followup.settings import Settings
from followup.staff import add_staff
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.processes import FOLLOWUP, wait_for
from followup.worker import alert_job
from tests.conftest import ROOT, url_of
from tests.integration.test_staff_web import PASSWORD, Browser
from tests.integration.voice_clinic import (
    ASKED,
    CLINIC,
    CRISIS,
    NURSE,
    PUBLIC,
    SID,
    TOKEN,
    Clinic,
    serve_clinic,
    voice_protocol,
)

ADMIN = "admin@example.org"


@pytest.fixture
def clinic(engine: Engine, protocol: Protocol) -> Iterator[Clinic]:
    yield from serve_clinic(engine, voice_protocol(protocol))


@pytest.fixture
def one_round(engine: Engine, protocol: Protocol) -> Iterator[Clinic]:
    """Both people take calls, once each, with no pause before the clinic's phone."""
    yield from serve_clinic(
        engine, voice_protocol(protocol, call_rounds=1, round_pause=timedelta(0))
    )


@pytest.fixture
def spanish(engine: Engine, protocol: Protocol) -> Iterator[Clinic]:
    yield from serve_clinic(engine, voice_protocol(protocol, languages=("es",)))


def outcomes(clinic: Clinic) -> list[tuple[str, str | None]]:
    return [(c.to, c.outcome) for c in clinic.attempts()]


def test_after_the_rounds_the_clinics_phone_is_called_once_then_calls_stop(
    one_round: Clinic,
) -> None:
    clinic, fallback = one_round, one_round.protocol.clinic.on_call_phone
    clinic.fake.calls.script(clinic.first, "no-answer")
    clinic.fake.calls.script(clinic.second, "busy")
    clinic.fake.calls.script(fallback, "machine")
    clinic.sms(CRISIS)
    [last] = clinic.calls_to(fallback)
    assert last.ended.wait(15)
    assert last.said == [  # the last call: nobody is called after it
        "This is Lakeside Infusion Clinic with an urgent patient alert. Please open the "
        "alerts page as soon as you hear this."
    ]
    wait_for(lambda: all(c.status == "ended" for c in clinic.attempts()), 10, "the last end")
    clinic.dialer.tick()
    assert [c.to for c in clinic.fake.calls.calls] == [clinic.first, clinic.second, fallback]
    assert outcomes(clinic) == [
        (clinic.first, "no-answer"),
        (clinic.second, "busy"),
        (fallback, "machine"),
    ]
    alert = clinic.alert()
    # Nobody took it: it stays open, and the SMS and email escalation goes on.
    assert alert.acknowledged_at is None and alert.next_escalation_at is not None
    page = clinic.alerts_page()
    assert "phone call to the clinic&#39;s on-call phone: <strong>voicemail" in page
    assert f"phone call to {clinic.second_name}: <strong>busy</strong>" in page


def test_a_call_twilio_refuses_moves_on_to_the_next_person(clinic: Clinic) -> None:
    clinic.fake.calls.script(clinic.first, "refused")
    clinic.fake.calls.script(clinic.second, "human", digits="1")
    clinic.sms(CRISIS)
    clinic.calls_to(clinic.second, seconds=10)
    wait_for(lambda: clinic.alert().acknowledged_at is not None, 20, "the keypress")
    [refused, taken] = clinic.attempts()
    assert refused.outcome == "error" and "13224" in (refused.error or "")
    assert clinic.first not in (refused.error or "")  # Twilio's message quotes no number here
    assert taken.outcome == "acknowledged"


def test_answered_with_no_key_the_question_is_asked_twice_and_the_next_person_is_called(
    clinic: Clinic,
) -> None:
    clinic.fake.calls.script(clinic.first, "human")  # picks up, presses nothing
    clinic.fake.calls.script(clinic.second, "human", digits="1")
    clinic.sms(CRISIS)
    [first] = clinic.calls_to(clinic.first, seconds=5)
    assert first.ended.wait(15)
    assert first.said == [ASKED, ASKED, "No key was pressed. We are calling the next person."]
    clinic.calls_to(clinic.second)
    wait_for(lambda: clinic.alert().acknowledged_at is not None, 20, "the keypress")
    assert outcomes(clinic) == [(clinic.first, "no-key"), (clinic.second, "acknowledged")]


def test_a_key_that_means_nothing_asks_again(clinic: Clinic) -> None:
    clinic.fake.calls.script(clinic.first, "human", digits="91")
    clinic.sms(CRISIS)
    [call] = clinic.calls_to(clinic.first, seconds=5)
    assert call.ended.wait(15) and call.keys == ["9", "1"]
    assert call.said[1] == f"That key does nothing. {ASKED}"
    wait_for(lambda: clinic.alert().acknowledged_at is not None, 10, "the keypress")
    assert clinic.alert().acknowledged_by == clinic.first_name


def test_a_person_whose_language_is_spanish_hears_the_call_in_spanish(spanish: Clinic) -> None:
    spanish.fake.calls.script(spanish.first, "human", digits="1")
    spanish.sms(CRISIS)
    [call] = spanish.calls_to(spanish.first, seconds=5)
    assert call.ended.wait(15)
    assert call.said == [
        "Alerta urgente de un paciente de Lakeside Infusion Clinic. Pulse 1 para "
        "confirmarla. Pulse 2 para pasarla a la siguiente persona.",
        "Confirmada. Abra la página de alertas para ver los detalles.",
    ]
    assert 'language="es-MX"' in call.twiml[0]
    wait_for(lambda: spanish.alert().acknowledged_via == "phone call", 10, "the keypress")


def test_calls_keep_to_one_a_second_for_the_account_across_workers(
    engine: Engine, protocol: Protocol
) -> None:
    calling = voice_protocol(protocol)
    now = datetime.now(UTC)
    with Session(engine) as session:
        for n in range(4):
            raise_alert(
                session,
                calling,
                patient=None,
                inbound_message_id=None,
                severity="emergency",
                reason=f"chest pain {n}",
                now=now,
            )
        session.commit()
    with FakeTwilio(SID, TOKEN) as fake:
        fake.calls.script(calling.on_call[0].phone or "", "silent-twilio")
        settings = Settings(
            database_url=url_of(engine),
            public_url=PUBLIC,
            twilio_account_sid=SID,
            twilio_auth_token=TOKEN,  # type: ignore[arg-type]
            twilio_from_number=CLINIC,
            twilio_base_url=fake.base_url,
        )
        workers = [build_dialer(settings, calling, engine) for _ in range(2)]
        threads = [threading.Thread(target=w.place_due) for w in workers if w is not None]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        placed = fake.calls.calls
        # Every alert's first call once, however many workers tried; none closer than
        # Twilio's 1 a second allows, give or take the fake's own request timing.
        assert len(placed) == 4 and len({c.sid for c in placed}) == 4
        assert fake.calls.most_in_any(0.8) == 1
        with Session(engine) as session:
            assert {c.status for c in session.exec(select(AlertCall)).all()} == {"calling"}


def test_a_test_call_from_the_staff_page_rings_the_person_and_records_the_keypress(
    clinic: Clinic,
) -> None:
    add_staff(clinic.engine, ADMIN, "admin", PASSWORD, datetime.now(UTC))
    clinic.fake.calls.script(clinic.second, "human", digits="1")
    admin = Browser(clinic.base)
    assert admin.sign_in(ADMIN, PASSWORD)[0] == 303
    status, _, page = admin.request("GET", "/staff/people")
    assert status == 200 and 'id="on-call"' in page
    assert f'aria-label="Test call to {clinic.second_name}"' in page
    assert "(402) 555-0157 · paged by SMS, email and phone calls · calls speak English" in page
    status, headers, _ = admin.request(
        "POST", "/staff/people/on-call/1/test-call", {"csrf_token": admin.csrf("/staff/people")}
    )
    assert status == 303 and headers["location"].endswith("/staff/people#on-call")
    [call] = clinic.calls_to(clinic.second, seconds=10)
    assert call.ended.wait(15)
    assert call.said == [
        "This is a test call from Lakeside Infusion Clinic. Press 1 to confirm that you can "
        "hear it.",
        "Test complete. Thank you. Goodbye.",
    ]
    _, _, page = admin.request("GET", "/staff/people")
    row = re.search(r'<li class="card" data-on-call="Sam Okafor, RN">.*?</li>', page, re.S)
    assert row and "confirmed (pressed 1)" in row.group(0)
    [asked] = clinic.audited("on_call.test_call_requested")
    assert asked["call"] == clinic.attempts()[0].id
    assert clinic.audited("on_call.test_call")[0]["outcome"] == "confirmed"
    with Session(clinic.engine) as session:
        assert session.exec(select(Alert)).all() == []  # a test raises and takes nothing
    nurse = Browser(clinic.base)
    assert nurse.sign_in(NURSE, PASSWORD)[0] == 303
    refused = nurse.request(
        "POST", "/staff/people/on-call/0/test-call", {"csrf_token": nurse.csrf("/staff/inbox")}
    )
    assert refused[0] == 403


def test_followup_alerts_test_call_waits_for_the_keypress_and_says_what_happened(
    clinic: Clinic, tmp_path: Path
) -> None:
    clinic.fake.calls.script(clinic.first, "human", digits="1")
    clinic.fake.calls.script(clinic.second, "machine")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=url_of(clinic.engine),
        FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
        FOLLOWUP_PUBLIC_URL=PUBLIC,
        FOLLOWUP_TWILIO_ACCOUNT_SID=SID,
        FOLLOWUP_TWILIO_AUTH_TOKEN=TOKEN,
        FOLLOWUP_TWILIO_FROM_NUMBER=CLINIC,
        FOLLOWUP_TWILIO_BASE_URL=clinic.fake.base_url,
    )

    def test_call(*args: str) -> subprocess.CompletedProcess[str]:
        command = [*FOLLOWUP, "alerts", "test-call", *args]
        result = subprocess.run(
            command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result

    taken = test_call("dr. jordan rivera", "--by", "it@example.org")
    assert taken.returncode == 0, taken.stderr
    assert "Dr. Jordan Rivera: confirmed (pressed 1)" in taken.stdout
    voicemail = test_call("Sam Okafor, RN")
    assert voicemail.returncode == 1
    assert "Sam Okafor, RN: voicemail (not acknowledged)" in voicemail.stdout
    unknown = test_call("Nobody")
    assert unknown.returncode == 2
    assert "nobody on call is named 'Nobody' (on call: 'Dr. Jordan Rivera', 'Sam" in (
        unknown.stderr
    )
    assert clinic.first not in taken.stdout + taken.stderr  # no numbers printed
    with Session(clinic.engine) as session:
        asked = session.exec(
            select(AuditEvent).where(AuditEvent.action == "on_call.test_call_requested")
        ).all()
        assert [(a.actor, a.record_id) for a in asked] == [
            ("it@example.org", "Dr. Jordan Rivera"),
            ("cli", "Sam Okafor, RN"),
        ]
        assert all(clinic.first not in (a.after or "") for a in asked)  # masked


def test_voice_without_twilio_stops_the_worker_at_start_up_naming_what_is_missing(
    engine: Engine, tmp_path: Path
) -> None:
    shipped = (ROOT / "config" / "protocol.toml").read_text()
    (tmp_path / "protocol.toml").write_text(
        shipped.replace(
            'email = "sam.okafor@example.org"\n', 'email = "sam.okafor@example.org"\nvoice = true\n'
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=url_of(engine),
        FOLLOWUP_PROTOCOL_FILE=str(tmp_path / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    result = subprocess.run(
        [*FOLLOWUP, "worker"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        "error: [[on_call]] 'Sam Okafor, RN' has voice = true, but phone calls need "
        "FOLLOWUP_TWILIO_ACCOUNT_SID, FOLLOWUP_TWILIO_AUTH_TOKEN, FOLLOWUP_TWILIO_FROM_NUMBER, "
        "FOLLOWUP_PUBLIC_URL"
    ) in result.stderr


def test_a_call_the_web_process_never_placed_is_placed_by_the_workers_alert_job(
    clinic: Clinic,
) -> None:
    # Raised, and the process that raised it died before calling: the row waits.
    clinic.fake.calls.script(clinic.first, "human", digits="1")
    with Session(clinic.engine) as session:
        raise_alert(
            session,
            clinic.protocol,
            patient=None,
            inbound_message_id=None,
            severity="critical",
            reason="crisis language",
            now=datetime.now(UTC),
        )
        session.commit()
    assert [c.status for c in clinic.attempts()] == ["pending"]
    outbox = {"sms": OutboxChannel("sms"), "email": OutboxChannel("email")}
    alert_job(clinic.engine, outbox, clinic.protocol, PUBLIC, clinic.dialer)
    [call] = clinic.calls_to(clinic.first)
    assert call.ended.wait(15) and call.keys == ["1"]
    wait_for(lambda: clinic.alert().acknowledged_via == "phone call", 10, "the keypress")
