"""End to end: `followup worker` as a real process with JSON logs and its health server, sending
through the real Twilio SDK to a fake Twilio and to a real SMTP server. We read what an
operator would: every log line, /healthz, /readyz and /metrics."""

from __future__ import annotations

import email
import email.policy
import json
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families

from followup.testing.fake_twilio import FakeTwilio
from followup.testing.processes import FOLLOWUP, clean_environment
from followup.testing.web import free_port
from tests.conftest import ROOT

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "observability-token"
CLINIC = "+14025550100"
ANA, BEN = "+14025550134", "+14025550177"
ANA_EMAIL = "ana.rivera@example.org"
ROSTER = (
    "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"
    f"P1,Ana,Rivera,{ANA},{ANA_EMAIL},en,America/Chicago,yes,yes\n"
    f"P2,Ben,Okafor,{BEN},,en,America/Chicago,yes,no\n"
)
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number in any form a log might carry it; a SID's hex digits are not one.
LONG_DIGITS = re.compile(r"\+\d{7,}|(?<![0-9A-Za-z])\d{10,}(?![0-9A-Za-z])")


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read().decode()


def calendar(start: datetime) -> str:
    def fmt(value: datetime) -> str:
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    events = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{fmt(start)}\r\n"
        f"DTEND:{fmt(start + timedelta(minutes=90))}\r\nX-PATIENT-ID:{patient}\r\nEND:VEVENT\r\n"
        for uid, patient in (("a1", "P1"), ("b1", "P2"))
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\n{events}END:VCALENDAR\r\n"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.mark.slow
def test_worker_logs_json_without_phi_and_serves_health_and_metrics(
    tmp_path: Path, fake: FakeTwilio, mailbox: tuple[Mailbox, int]
) -> None:
    box, smtp_port = mailbox
    protocol = (ROOT / "config" / "protocol.toml").read_text()
    protocol = protocol.replace('start = "21:00"\nend = "08:00"', 'start = "00:00"\nend = "00:00"')
    (tmp_path / "protocol.toml").write_text(protocol)
    (tmp_path / "roster.csv").write_text(ROSTER)
    # The infusion ended minutes ago: both patients' discharge messages are due now.
    (tmp_path / "calendar.ics").write_text(calendar(datetime.now(UTC) - timedelta(minutes=95)))
    # Ben's number is refused, so the log also carries a failure and its provider error.
    fake.fail_for(BEN, status=400, code=21211)
    metrics_port = free_port()
    env = clean_environment(
        FOLLOWUP_DATABASE_URL=f"sqlite:///{tmp_path / 'e2e.db'}",
        FOLLOWUP_PROTOCOL_FILE=str(tmp_path / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
        FOLLOWUP_ROSTER_FILE=str(tmp_path / "roster.csv"),
        FOLLOWUP_CALENDAR_SOURCES=str(tmp_path / "calendar.ics"),
        FOLLOWUP_TWILIO_ACCOUNT_SID=SID,
        FOLLOWUP_TWILIO_AUTH_TOKEN=TOKEN,
        FOLLOWUP_TWILIO_FROM_NUMBER=CLINIC,
        FOLLOWUP_TWILIO_BASE_URL=fake.base_url,
        FOLLOWUP_PUBLIC_URL="https://followup.example-clinic.org",
        FOLLOWUP_SMTP_HOST="127.0.0.1",
        FOLLOWUP_SMTP_PORT=str(smtp_port),
        FOLLOWUP_SMTP_SECURITY="none",
        FOLLOWUP_EMAIL_FROM="Lakeside Infusion Clinic <care@example-clinic.org>",
        FOLLOWUP_DISPATCH_INTERVAL_SECONDS="0.5",
        FOLLOWUP_SMS_RATE_PER_SECOND="50",
        FOLLOWUP_LOG_LEVEL="DEBUG",
        FOLLOWUP_LOG_FORMAT="json",
        FOLLOWUP_METRICS_PORT=str(metrics_port),
    )
    followup = FOLLOWUP
    subprocess.run([*followup, "db", "upgrade"], env=env, cwd=tmp_path, check=True, timeout=120)
    out, err = (tmp_path / "stdout.log").open("w"), (tmp_path / "stderr.log").open("w")
    worker = subprocess.Popen([*followup, "worker"], env=env, cwd=tmp_path, stdout=out, stderr=err)
    base = f"http://127.0.0.1:{metrics_port}"
    try:
        wait_for(lambda: len(fake.messages) >= 1 and len(box.messages) >= 1, "discharge messages")

        def healthy() -> bool:
            try:
                return get(base + "/healthz")[0] == 200
            except OSError:
                return False

        wait_for(healthy, "/healthz")
        status, body = get(base + "/readyz")
        assert status == 200, body
        assert json.loads(body)["twilio"] == "ok" and json.loads(body)["smtp"] == "ok"
        status, text = get(base + "/metrics")
        assert status == 200
        names = {family.name for family in text_string_to_metric_families(text)}
        assert {"followup_send_duration_seconds", "followup_send_lateness_seconds"} <= names
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        out.close()
        err.close()
    assert worker.returncode == 0

    log = (tmp_path / "stdout.log").read_text() + (tmp_path / "stderr.log").read_text()
    entries = [json.loads(line) for line in log.splitlines()]  # every line is JSON
    assert len(entries) > 5
    for entry in entries:
        assert {"time", "level", "logger", "message"} <= set(entry), entry
        assert entry["time"].endswith("Z")
    assert any(entry["logger"].startswith("followup.") for entry in entries)

    # No phone number (the patients', the clinic's), no address, no message text.
    for number in (ANA, BEN, CLINIC):
        assert number not in log and number[2:] not in log
    assert not LONG_DIGITS.search(log), LONG_DIGITS.search(log)
    assert not EMAIL_ADDRESS.search(log), EMAIL_ADDRESS.search(log)
    bodies = [message["body"] for message in fake.messages]
    bodies += [
        part.get_content() for m in box.messages for part in m.walk() if not part.is_multipart()
    ]
    assert bodies
    # The clinic's name is configuration the log may name; anything else from a body may not.
    for body in bodies:
        assert body.strip() not in log
        for line in map(str.strip, body.splitlines()):
            if len(line) >= 20 and line != "Lakeside Infusion Clinic":
                assert line not in log, line
