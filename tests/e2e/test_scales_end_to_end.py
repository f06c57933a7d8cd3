"""The baseline rating scales through `followup run`: the worker texts item 1 the day
before the first infusion, the patient answers by SMS, the scores are stored."""

from __future__ import annotations

import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from followup.db.models import Patient
from followup.instruments.records import administrations
from followup.protocol import load_protocol
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.processes import FollowupProcess, answers, clean_environment, wait_for
from followup.testing.web import free_port
from tests.conftest import ROOT, url_of
from tests.e2e.test_replies_end_to_end import ANA, CLINIC, PUBLIC, SID, TOKEN, daytime_zone


def test_the_baseline_scales_go_the_day_before_and_are_scored_from_the_replies(
    tmp_path: Path, engine: Engine
) -> None:
    protocol = load_protocol(ROOT / "config" / "protocol.toml")
    now = datetime.now(UTC)
    zone = ZoneInfo(daytime_zone(now))
    # Tomorrow, 23 h 30 from now: the scales (24 h before) are due, the reminder is not.
    start = now + timedelta(hours=23, minutes=30)
    end = start + timedelta(minutes=90)
    (tmp_path / "roster.csv").write_text(
        "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"
        f"P1,Luis,Ortega,{ANA},,es,{zone.key},yes,no\n"
    )
    (tmp_path / "room.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nBEGIN:VEVENT\r\nUID:tomorrow\r\n"
        f"DTSTAMP:20260101T000000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\n"
        "X-PATIENT-ID:P1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    port = free_port()
    with FakeTwilio(SID, TOKEN) as fake:
        env = clean_environment(
            FOLLOWUP_DATABASE_URL=url_of(engine),
            FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
            FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
            FOLLOWUP_ROSTER_FILE=str(tmp_path / "roster.csv"),
            FOLLOWUP_CALENDAR_SOURCES=str(tmp_path / "room.ics"),
            FOLLOWUP_PUBLIC_URL=PUBLIC,
            FOLLOWUP_TWILIO_ACCOUNT_SID=SID,
            FOLLOWUP_TWILIO_AUTH_TOKEN=TOKEN,
            FOLLOWUP_TWILIO_FROM_NUMBER=CLINIC,
            FOLLOWUP_TWILIO_BASE_URL=fake.base_url,
            FOLLOWUP_DISPATCH_INTERVAL_SECONDS="0.5",
        )
        service = FollowupProcess(["run", "--port", str(port)], env, tmp_path, tmp_path / "run.log")

        def scales_open() -> bool:
            with engine.connect() as connection:
                found = connection.execute(
                    text("select survey from conversation where ended_at is null")
                ).scalar()
            return found == "phq9+gad7"

        def sms(body: str, sid: str) -> str:
            params = {"MessageSid": sid, "From": ANA, "To": CLINIC, "Body": body, "AccountSid": SID}
            signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/twilio/sms", params)
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/twilio/sms",
                data=urllib.parse.urlencode(params).encode(),
                headers={
                    "X-Twilio-Signature": signature,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            with urllib.request.urlopen(request, timeout=15) as response:
                return str(response.read().decode())

        try:
            wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), 60, "the web server")
            wait_for(
                lambda: any("1/9" in d["body"] for d in fake.deliveries_to(ANA)),
                60,
                "the baseline scales' SMS",
            )
            [scales] = [d for d in fake.deliveries_to(ANA) if "1/9" in d["body"]]
            assert "Antes de su visita" in scales["body"]
            assert "1/9: Poco interés o placer en hacer las cosas" in scales["body"]
            assert "PHQ" not in scales["body"] and "ketamin" not in scales["body"].lower()
            wait_for(scales_open, 10, "the scales' conversation")
            assert "7 preguntas más" in sms("2 2 1 3 1 2 1 0 0", "SMe1")
            assert "Gracias" in sms("casi todos los días, 2, 2, 1, 1, 0, 0", "SMe2")
        finally:
            service.stop()
    with Session(engine) as session:
        patient = session.exec(select(Patient)).one()
        scored = {
            a.instrument: (a.status, a.score.total)
            for a in administrations(session, protocol, [patient.id or 0], datetime.now(UTC))
        }
    assert scored == {"phq9": ("completed", 12), "gad7": ("completed", 9)}
