"""/metrics over real HTTP after real traffic: sends through the worker's dispatcher to a fake
Twilio and a real SMTP server, and signed inbound webhooks. Parsed with Prometheus' parser."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine
from sqlmodel import Session
from twilio.request_validator import RequestValidator

from followup.calendar.importing import ImportWindow, import_files
from followup.db.models import ScheduledMessage, SyncRun
from followup.ops.metrics import observe_lateness, observe_send, source_label
from followup.protocol import Protocol
from followup.settings import Settings
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.web import free_port, serving
from followup.web.app import create_app
from followup.worker import build_runner
from tests.conftest import ROOT

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "metrics-test-token"
PUBLIC = "https://followup.example-clinic.org"
CLINIC = "+14025550100"
ANA = "+14025550134"
BEN = "+14025550177"
ROSTER = (
    "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"
    f"P1,Ana,Rivera,{ANA},ana@example.org,en,America/Chicago,yes,yes\n"
    f"P2,Ben,Okafor,{BEN},,en,America/Chicago,yes,no\n"
)
CRISIS = "I want to kill myself tonight"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base: str, token: str | None = None) -> Samples:
    """Every sample /metrics exposes, keyed by (name, labels)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(base + "/metrics", headers=headers)
    with urllib.request.urlopen(request, timeout=15) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def by_label(samples: Samples, name: str, label: str) -> dict[str, float]:
    """{label value: sample value} for one metric with one label."""
    return {
        dict(labels)[label]: value for (found, labels), value in samples.items() if found == name
    }


def by_labels(samples: Samples, name: str, *labels: str) -> dict[tuple[str, ...], float]:
    """{(label values...): sample value} for one metric."""
    return {
        tuple(dict(found_labels)[label] for label in labels): value
        for (found, found_labels), value in samples.items()
        if found == name
    }


class Mailbox:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        return "250 OK"


def ics(start: datetime, minutes: int = 90) -> str:
    def fmt(value: datetime) -> str:
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    events = "".join(
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{fmt(start)}\r\n"
        f"DTEND:{fmt(start + timedelta(minutes=minutes))}\r\nX-PATIENT-ID:{patient}\r\nEND:VEVENT\r\n"
        for uid, patient in (("a1", "P1"), ("b1", "P2"))
    )
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{events}END:VCALENDAR\r\n"


@dataclass
class Clinic:
    base: str
    engine: Engine
    fake: FakeTwilio
    mailbox: Mailbox
    settings: Settings
    protocol: Protocol

    def sms(self, body: str, sid: str, sender: str) -> int:
        params = {"MessageSid": sid, "From": sender, "To": CLINIC, "Body": body, "AccountSid": SID}
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/twilio/sms", params)
        request = urllib.request.Request(
            self.base + "/twilio/sms",
            data=urllib.parse.urlencode(params).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=15) as response:
            return int(response.status)

    def dispatch(self) -> None:
        runner = build_runner(self.engine, self.settings, self.protocol)
        try:
            runner.run_until_idle()
        finally:
            runner.close()

    def messages_in_db(self) -> Counter[tuple[str, str]]:
        table = ScheduledMessage.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as connection:
            rows = connection.execute(sa.select(table.c.status, table.c.channel)).all()
        return Counter((str(status), str(channel)) for status, channel in rows)


@pytest.fixture
def clinic(engine: Engine, protocol: Protocol, tmp_path: Path) -> Iterator[Clinic]:
    (tmp_path / "roster.csv").write_text(ROSTER)
    now = datetime.now(UTC)
    # The infusion ended a few minutes ago: discharge messages are due now, preparation
    # messages are past, check-ins are days ahead.
    (tmp_path / "room.ics").write_text(ics(now - timedelta(minutes=95)))
    window = ImportWindow(now, timedelta(days=8), timedelta(days=60))
    import_files(engine, protocol, window, tmp_path / "roster.csv", [tmp_path / "room.ics"])
    mailbox = Mailbox()
    port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        with FakeTwilio(SID, TOKEN) as fake:
            settings = Settings(
                database_url=str(engine.url),
                public_url=PUBLIC,
                twilio_account_sid=SID,
                twilio_auth_token=TOKEN,  # type: ignore[arg-type]
                twilio_from_number=CLINIC,
                twilio_base_url=fake.base_url,
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_security="none",
                email_from="Lakeside Infusion Clinic <care@example-clinic.org>",
                templates_dir=ROOT / "templates",
                sms_rate_per_second=100,
                email_rate_per_second=100,
            )
            with serving(create_app(settings, engine, protocol)) as base:
                yield Clinic(base, engine, fake, mailbox, settings, protocol)
    finally:
        smtp.stop()


def test_metrics_count_messages_by_status_and_channel_after_real_sends(clinic: Clinic) -> None:
    before = scrape(clinic.base)
    assert before[("followup_database_up", frozenset())] == 1
    due = by_label(before, "followup_queue_depth", "channel")
    assert due.get("sms", 0) >= 2, "both patients' discharge SMS are due"

    clinic.dispatch()

    after = scrape(clinic.base)
    messages = by_labels(after, "followup_messages", "status", "channel")
    assert messages == dict(clinic.messages_in_db())
    assert messages[("sent", "sms")] == len(clinic.fake.messages) >= 2
    assert messages[("sent", "email")] == clinic.mailbox.count >= 1
    assert messages[("pending", "sms")] >= 2, "check-ins days ahead are still pending"
    # Sent is sent: nothing is left due or held by a claim.
    assert sum(by_label(after, "followup_queue_depth", "channel").values()) == 0


def test_metrics_count_inbound_replies_by_kind_and_open_alerts(clinic: Clinic) -> None:
    assert clinic.sms("HELP", "SMhelp", ANA) == 200
    assert clinic.sms("Is this the clinic?", "SMwho", "+12125550199") == 200
    assert clinic.sms("Who is this", "SMwho2", "+12125550198") == 200
    assert clinic.sms(CRISIS, "SMcrisis", BEN) == 200
    # Twilio retrying a webhook is stored once, and counted once.
    assert clinic.sms("HELP", "SMhelp", ANA) == 200

    samples = scrape(clinic.base)
    inbound = by_label(samples, "followup_inbound_messages_total", "kind")
    assert inbound["help"] == 1
    assert inbound["unknown_sender"] == 2
    assert sum(inbound.values()) == 4
    assert by_label(samples, "followup_alerts_open", "severity") == {"critical": 1}


def test_metrics_carry_no_phone_number_email_or_body(clinic: Clinic) -> None:
    clinic.sms(CRISIS, "SMcrisis", BEN)
    clinic.dispatch()
    with urllib.request.urlopen(clinic.base + "/metrics", timeout=15) as response:
        text = response.read().decode()
    for secret in (ANA, BEN, ANA[2:], "ana@example.org", "kill myself", TOKEN):
        assert secret not in text
    assert "followup_messages{" in text


def test_process_histograms_show_what_the_dispatcher_observed(clinic: Clinic) -> None:
    before = scrape(clinic.base)
    key = (
        "followup_send_duration_seconds_count",
        frozenset({("channel", "sms"), ("outcome", "retry")}),
    )
    observe_send("sms", "retry", 0.2)
    observe_send("sms", "retry", 40.0)
    observe_lateness("sms", 3.0)
    after = scrape(clinic.base)
    assert after[key] - before.get(key, 0) == 2
    le_30 = (
        "followup_send_duration_seconds_bucket",
        frozenset({("channel", "sms"), ("outcome", "retry"), ("le", "30.0")}),
    )
    assert after[le_30] - before.get(le_30, 0) == 1, "40 s is past the last bucket"
    assert after[("followup_send_lateness_seconds_count", frozenset({("channel", "sms")}))] >= 1


def test_metrics_token_is_required_when_configured(engine: Engine, protocol: Protocol) -> None:
    settings = Settings(
        database_url=str(engine.url),
        templates_dir=ROOT / "templates",
        metrics_token="scrape-me-please",  # type: ignore[arg-type]
    )
    with serving(create_app(settings, engine, protocol)) as base:
        for header in (None, "Bearer wrong", "scrape-me-please"):
            request = urllib.request.Request(
                base + "/metrics", headers={"Authorization": header} if header else {}
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=15)
            refused.value.close()
            assert refused.value.code == 401
        samples = scrape(base, token="scrape-me-please")
        assert samples[("followup_database_up", frozenset())] == 1


def test_metrics_count_calendar_syncs_by_source_and_result(
    engine: Engine, protocol: Protocol
) -> None:
    now = datetime.now(UTC)
    feed = "feed:calendar.example-clinic.org/5ec2e7a1b2c3"
    with Session(engine) as session:
        for source, status in [(feed, "ok"), (feed, "ok"), (feed, "failed"), ("room.ics", "ok")]:
            session.add(SyncRun(source=source, started_at=now, finished_at=now, status=status))
        session.commit()
    settings = Settings(database_url=str(engine.url), templates_dir=ROOT / "templates")
    with serving(create_app(settings, engine, protocol)) as base:
        samples = scrape(base)
    assert by_labels(samples, "followup_sync_runs_total", "source", "status") == {
        (feed, "ok"): 2,
        (feed, "failed"): 1,
        ("room.ics", "ok"): 1,
    }


def test_metrics_answer_on_a_schema_without_the_sync_table(
    engine: Engine, protocol: Protocol
) -> None:
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS sync_run"))
    settings = Settings(database_url=str(engine.url), templates_dir=ROOT / "templates")
    with serving(create_app(settings, engine, protocol)) as base:
        samples = scrape(base)
    assert samples[("followup_database_up", frozenset())] == 1
    assert not by_labels(samples, "followup_sync_runs_total", "source", "status")
    assert ("followup_messages", frozenset({("status", "pending"), ("channel", "sms")})) not in (
        samples
    )


def test_a_private_feed_address_becomes_host_and_file_name() -> None:
    secret = (
        "https://calendar.google.com/calendar/ical/ana%40example.org/private-5ec2e7/basic.ics?x=1"
    )
    assert source_label(secret) == "calendar.google.com/basic.ics"
    assert source_label("infusions.ics") == "infusions.ics"
