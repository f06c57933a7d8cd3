"""A patient's whole exchange through `followup run`: check-in out, answers in, a crisis paged."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from twilio.request_validator import RequestValidator

from followup.protocol import load_protocol
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.processes import (
    FOLLOWUP,
    FollowupProcess,
    answers,
    clean_environment,
    wait_for,
)
from followup.testing.web import free_port
from tests.conftest import ROOT, url_of

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "e2e-replies-token"
PUBLIC = "https://followup.example-clinic.org"
CLINIC = "+14025550100"
ANA = "+14025550134"


def daytime_zone(now: datetime) -> str:
    """A fixed zone where it is early afternoon now, so no quiet hours get in the way."""
    offset = (13 - now.hour + 12) % 24 - 12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def test_checkin_survey_and_crisis_through_the_running_service(
    tmp_path: Path, engine: Engine
) -> None:
    from zoneinfo import ZoneInfo

    now = datetime.now(UTC)
    zone = ZoneInfo(daytime_zone(now))
    yesterday = (now.astimezone(zone) - timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    start, end = yesterday.astimezone(UTC), (yesterday + timedelta(minutes=90)).astimezone(UTC)
    (tmp_path / "roster.csv").write_text(
        "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"
        f"P1,Ana,Rivera,{ANA},,en,{zone.key},yes,no\n"
    )
    (tmp_path / "room.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nBEGIN:VEVENT\r\nUID:yesterday\r\n"
        f"DTSTAMP:20260101T000000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{end:%Y%m%dT%H%M%SZ}\r\n"
        "X-PATIENT-ID:P1\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    port = free_port()
    on_call = load_protocol(ROOT / "config" / "protocol.toml").on_call[0].phone or ""
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

        def open_conversation() -> bool:
            with engine.connect() as connection:
                count = connection.execute(
                    text("select count(*) from conversation where ended_at is null")
                ).scalar_one()
            return bool(count)

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
                assert response.status == 200
                return str(response.read().decode())

        try:
            wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz"), 60, "the web server")
            wait_for(lambda: len(fake.deliveries_to(ANA)) >= 1, 60, "the day-1 check-in SMS")
            [checkin] = fake.deliveries_to(ANA)
            assert (
                "how is your mood today" in checkin["body"]
                and "Lakeside Infusion Clinic" in checkin["body"]
            )
            wait_for(
                open_conversation, 10, "the survey conversation"
            )  # opened as the SMS is recorded
            assert "1 nausea" in sms("about a 6", "SMa1")
            assert "anything else" in sms("1 and 3", "SMa2").lower()
            assert "Thank you" in sms("NO", "SMa3")
            crisis = sms("honestly i cant go on, i want to end it all", "SMa4")
            assert "988" in crisis
            wait_for(lambda: len(fake.deliveries_to(on_call)) >= 1, 10, "the on-call page")
            [page] = fake.deliveries_to(on_call)
            assert "CRITICAL" in page["body"] and "P1" in page["body"]
        finally:
            stderr = service.stop()
        assert service.returncode == 0, stderr
        assert ANA not in stderr and "end it all" not in stderr  # no numbers, no bodies in logs

    def cli(*args: str) -> str:
        result = subprocess.run(
            [*FOLLOWUP, *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout

    reports = [
        json.loads(line) for line in cli("reports", "export", "--format", "json").splitlines()
    ]
    assert [(r["question"], r["value"]) for r in reports][:2] == [
        ("mood", 6.0),
        ("side_effects", None),
    ]
    assert "nausea" in reports[1]["text"] and "headache" in reports[1]["text"]
    alerts = [json.loads(line) for line in cli("alerts", "list", "--format", "json").splitlines()]
    assert [a["severity"] for a in alerts] == ["critical"]
