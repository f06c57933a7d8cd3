"""End to end: a calendar due now, the worker as a real process, the real Twilio SDK against
a fake Twilio server on 127.0.0.1, and a real SMTP server. We assert what patients receive."""

from __future__ import annotations

import email
import email.policy
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, text

from followup.testing.fake_twilio import FakeTwilio
from followup.testing.processes import FOLLOWUP, FollowupProcess, clean_environment, wait_for
from followup.testing.web import free_port
from tests.conftest import ROOT, url_of

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "e2e-auth-token"
CLINIC_NUMBER = "+14025550100"
ROSTER_HEADER = (
    "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"
)


@dataclass
class Mailbox:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def ics_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def infusion(uid: str, patient: str, start: datetime, minutes: int = 90) -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{ics_time(start)}\r\n"
        f"DTEND:{ics_time(start + timedelta(minutes=minutes))}\r\nX-PATIENT-ID:{patient}\r\nEND:VEVENT\r\n"
    )


@dataclass
class Clinic:
    """A clinic folder: protocol without quiet hours (the unit tests own those), roster, calendar."""

    root: Path
    env: dict[str, str]
    engine: Engine
    workers: int = 0

    def write(self, roster_rows: list[str], events: list[str]) -> None:
        (self.root / "roster.csv").write_text(ROSTER_HEADER + "".join(roster_rows))
        body = "".join(events)
        (self.root / "calendar.ics").write_text(
            f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\n{body}END:VCALENDAR\r\n"
        )

    def followup(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*FOLLOWUP, *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )

    def start_worker(self) -> FollowupProcess:
        self.workers += 1
        return FollowupProcess(
            ["worker"], self.env, self.root, self.root / f"worker-{self.workers}.log"
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]


@pytest.fixture
def clinic(tmp_path: Path, engine: Engine, fake: FakeTwilio, mailbox: Mailbox) -> Clinic:
    """A clinic on each database: the same worker processes against SQLite and PostgreSQL."""
    protocol = (ROOT / "config" / "protocol.toml").read_text()
    protocol = protocol.replace('start = "21:00"\nend = "08:00"', 'start = "00:00"\nend = "00:00"')
    (tmp_path / "protocol.toml").write_text(protocol)
    env = clean_environment(
        FOLLOWUP_DATABASE_URL=url_of(engine),
        FOLLOWUP_PROTOCOL_FILE=str(tmp_path / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
        FOLLOWUP_ROSTER_FILE=str(tmp_path / "roster.csv"),
        FOLLOWUP_CALENDAR_SOURCES=str(tmp_path / "calendar.ics"),
        FOLLOWUP_TWILIO_ACCOUNT_SID=SID,
        FOLLOWUP_TWILIO_AUTH_TOKEN=TOKEN,
        FOLLOWUP_TWILIO_FROM_NUMBER=CLINIC_NUMBER,
        FOLLOWUP_TWILIO_BASE_URL=fake.base_url,
        FOLLOWUP_PUBLIC_URL="https://followup.example-clinic.org",
        FOLLOWUP_SMTP_HOST="127.0.0.1",
        FOLLOWUP_SMTP_PORT=str(mailbox.port),
        FOLLOWUP_SMTP_SECURITY="none",
        FOLLOWUP_EMAIL_FROM="Lakeside Infusion Clinic <care@example-clinic.org>",
        FOLLOWUP_DISPATCH_INTERVAL_SECONDS="0.5",
        FOLLOWUP_DISPATCH_RETRY_BASE_SECONDS="0.3",
        FOLLOWUP_DISPATCH_RETRY_MAX_SECONDS="2",
        FOLLOWUP_DISPATCH_LEASE_SECONDS="5",
        FOLLOWUP_SMS_RATE_PER_SECOND="50",
        FOLLOWUP_LOG_LEVEL="DEBUG",
    )
    return Clinic(tmp_path, env, engine)


def stop(worker: FollowupProcess) -> str:
    stderr = worker.stop()
    assert worker.returncode == 0, stderr
    assert "Traceback" not in stderr, stderr
    return stderr


def test_patients_receive_their_messages_by_sms_and_email(
    clinic: Clinic, fake: FakeTwilio, mailbox: Mailbox
) -> None:
    now = datetime.now(UTC)
    clinic.write(
        [
            "P1,Ana,Rivera,(402) 555-0134,ana@example.org,en,America/Chicago,yes,yes\n",
            "P2,Luis,Garcia,402 555 0147,,es,America/Chicago,yes,no\n",
        ],
        [
            infusion(
                "done-now", "P1", now - timedelta(minutes=100)
            ),  # ended 10 min ago: discharge due
            infusion("in-30h", "P2", now + timedelta(hours=30)),  # its 48 h preparation is due
        ],
    )
    clinic.followup("db", "upgrade")
    worker = clinic.start_worker()
    try:
        wait_for(
            lambda: len(fake.messages) >= 2 and len(mailbox.messages) >= 1,
            what="two SMS and one email",
        )
        time.sleep(1.5)  # anything more would be a duplicate
    finally:
        stderr = stop(worker)
    by_to = {m["to"]: m for m in fake.messages}
    assert sorted(by_to) == ["+14025550134", "+14025550147"] and len(fake.messages) == 2
    discharge, preparation = by_to["+14025550134"], by_to["+14025550147"]
    assert discharge["from"] == CLINIC_NUMBER and preparation["from"] == CLINIC_NUMBER
    assert "Lakeside Infusion Clinic" in discharge["body"] and "988" in discharge["body"]
    assert "ketamin" not in (discharge["body"] + preparation["body"]).lower()
    assert "STOP" in preparation["body"] and "infusi" in preparation["body"].lower()
    [mail] = mailbox.messages
    assert mail["To"] == "ana@example.org" and "care@example-clinic.org" in mail["From"]
    assert mail["Subject"] and mail["Message-ID"]
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "988" in text.get_content() and "988" in html.get_content()
    rows = dict(
        clinic.query(
            "select step || ':' || channel, status from scheduled_message where status = 'sent'"
        )
    )
    assert rows == {"discharge:sms": "sent", "discharge:email": "sent", "preparation:sms": "sent"}
    for phi in ("+14025550134", "+14025550147", "ana@example.org"):
        assert phi not in stderr  # logs mask patients and never carry bodies


def test_provider_faults_are_retried_and_each_message_goes_once(
    clinic: Clinic, fake: FakeTwilio
) -> None:
    now = datetime.now(UTC)
    rows = [f"P{i},Pat,{i},+1402555{i:04d},,en,America/Chicago,yes,no\n" for i in range(1, 7)]
    clinic.write(
        rows, [infusion(f"a{i}", f"P{i}", now - timedelta(minutes=95)) for i in range(1, 7)]
    )
    fake.fail_next(2, status=429, retry_after=1)
    fake.fail_next(2, status=500)
    clinic.followup("db", "upgrade")
    worker = clinic.start_worker()
    try:
        wait_for(lambda: len(fake.messages) >= 6, what="six discharge SMS")
        time.sleep(1.5)
    finally:
        stop(worker)
    assert sorted(m["to"] for m in fake.messages) == sorted(f"+1402555{i:04d}" for i in range(1, 7))
    assert fake.requests >= 10  # four refusals were retried
    assert (
        clinic.query("select count(*), sum(attempts) from scheduled_message where status = 'sent'")[
            0
        ][0]
        == 6
    )


def test_unsubscribed_number_is_not_retried_and_the_patient_is_opted_out(
    clinic: Clinic, fake: FakeTwilio
) -> None:
    now = datetime.now(UTC)
    clinic.write(
        ["P1,Ana,Rivera,+14025550134,,en,America/Chicago,yes,no\n"],
        [
            infusion("done", "P1", now - timedelta(minutes=95)),
            infusion("soon", "P1", now + timedelta(hours=1)),
        ],
    )
    fake.fail_for("+14025550134", status=400, code=21610)
    clinic.followup("db", "upgrade")
    worker = clinic.start_worker()
    try:
        wait_for(
            lambda: bool(
                clinic.query("select opted_out_at from patient where opted_out_at is not null")
            ),
            what="opt-out",
        )
        time.sleep(2)
    finally:
        stop(worker)
    assert fake.messages == []
    assert fake.requests == 1  # one attempt, never retried, and nothing else tried after it
    failed = clinic.query("select step, error_code from scheduled_message where status = 'failed'")
    assert len(failed) == 1 and failed[0][1] == "21610"
    skipped = clinic.query(
        "select m.step, m.status_reason from scheduled_message m join appointment a on a.id = m.appointment_id"
        " where a.source_uid = 'soon' and m.channel = 'sms' and m.status = 'skipped'"
    )
    assert ("reminder", "opted out of SMS") in skipped


def test_killed_worker_mid_batch_loses_nothing_and_sends_nothing_twice(
    clinic: Clinic, fake: FakeTwilio
) -> None:
    now = datetime.now(UTC)
    count = 16
    rows = [f"P{i},Pat,{i},+1402555{i:04d},,en,America/Chicago,yes,no\n" for i in range(count)]
    clinic.write(
        rows, [infusion(f"a{i}", f"P{i}", now - timedelta(minutes=95)) for i in range(count)]
    )
    clinic.env["FOLLOWUP_SMS_CONCURRENCY"] = "2"
    # Twilio stores each message, then takes 0.4 s to answer: a kill lands between the two.
    fake.accept_then_hang(count, seconds=0.4)
    clinic.followup("db", "upgrade")
    first = clinic.start_worker()
    wait_for(lambda: len(fake.messages) >= 5, what="a few messages out")
    first.kill()
    killed_at = len(fake.messages)
    recorded = clinic.query("select count(*) from scheduled_message where status = 'sent'")[0][0]
    # The kill landed while Twilio held a message the worker had not yet recorded.
    assert recorded < killed_at < count
    second = clinic.start_worker()
    try:
        wait_for(
            lambda: (
                clinic.query(
                    "select count(*) from scheduled_message where channel = 'sms' and step = 'discharge' and status = 'sent'"
                )[0][0]
                == count
            ),
            seconds=90,
            what="every discharge recorded as sent",
        )
    finally:
        stderr = stop(second)
    deliveries = [m["to"] for m in fake.messages]
    assert sorted(deliveries) == sorted(
        f"+1402555{i:04d}" for i in range(count)
    )  # each exactly once
    if recorded < killed_at:
        assert "found at the provider after an unanswered attempt" in stderr


def test_sigterm_mid_batch_gives_unsent_claims_back_at_once(
    clinic: Clinic, fake: FakeTwilio
) -> None:
    now = datetime.now(UTC)
    count = 8
    rows = [f"P{i},Pat,{i},+1402555{i:04d},,en,America/Chicago,yes,no\n" for i in range(count)]
    clinic.write(
        rows, [infusion(f"a{i}", f"P{i}", now - timedelta(minutes=95)) for i in range(count)]
    )
    clinic.env.update(
        FOLLOWUP_SMS_RATE_PER_SECOND="0.5",
        FOLLOWUP_SMS_CONCURRENCY="1",
        FOLLOWUP_DISPATCH_LEASE_SECONDS="600",
    )
    clinic.followup("db", "upgrade")
    worker = clinic.start_worker()
    try:
        wait_for(lambda: len(fake.messages) >= 2, what="two messages out")
    finally:
        started = time.monotonic()
        stop(worker)
    assert time.monotonic() - started < 10  # it did not wait for the whole batch
    states = clinic.query(
        "select status, lease_owner from scheduled_message where step = 'discharge' and channel = 'sms'"
    )
    sent = [s for s, _ in states if s == "sent"]
    assert len(sent) == len(fake.messages) < count
    assert {(s, owner) for s, owner in states if s != "sent"} == {
        ("pending", None)
    }  # given back, not held
    second = clinic.start_worker()
    try:
        wait_for(
            lambda: len(fake.messages) == count,
            seconds=60,
            what="the rest, sent by the next worker",
        )
        time.sleep(1)
    finally:
        stop(second)
    assert sorted(m["to"] for m in fake.messages) == sorted(
        f"+1402555{i:04d}" for i in range(count)
    )
