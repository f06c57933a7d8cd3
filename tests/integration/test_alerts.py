"""Alerts: on-call staff hear at once, the next person hears if nobody answers, and
acknowledging stops the paging and lifts a crisis pause."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from followup.alerts import (
    AlertNotFound,
    acknowledge,
    deliver_pending,
    escalate_due,
    list_alerts,
    raise_alert,
)
from followup.channels.outbox import OutboxChannel
from followup.channels.twilio_sms import TwilioSMSChannel
from followup.db.models import AlertNotification, Patient, SymptomReport
from followup.protocol import Protocol
from followup.testing.fake_twilio import FakeTwilio
from tests.conftest import ROOT

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "alerts-test-token"
T0 = datetime(2026, 4, 15, 18, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


@pytest.fixture
def channels(fake: FakeTwilio) -> Iterator[dict[str, object]]:
    sms = TwilioSMSChannel(
        account_sid=SID, auth_token=TOKEN, from_number="+14025550100", base_url=fake.base_url
    )
    yield {"sms": sms, "email": OutboxChannel("email")}
    sms.close()


@pytest.fixture
def patient_id(engine: Engine) -> int:
    with Session(engine) as session:
        patient = Patient(
            external_id="P1",
            first_name="Ana",
            last_name="Rivera",
            phone="+14025550134",
            created_at=T0,
            updated_at=T0,
        )
        session.add(patient)
        session.commit()
        return patient.id or 0


def raise_crisis(engine: Engine, protocol: Protocol, patient_id: int) -> int:
    with Session(engine) as session:
        patient = session.get(Patient, patient_id)
        alert = raise_alert(
            session,
            protocol,
            patient=patient,
            inbound_message_id=None,
            severity="critical",
            reason="crisis language (suicide)",
            now=T0,
        )
        session.commit()
        return alert.id or 0


def test_first_on_call_person_is_paged_by_sms_and_email(
    engine: Engine, protocol: Protocol, patient_id: int, fake: FakeTwilio, channels: dict
) -> None:  # type: ignore[type-arg]
    alert_id = raise_crisis(engine, protocol, patient_id)
    assert deliver_pending(engine, channels, protocol, T0) == sum(
        1 for v in (protocol.on_call[0].phone, protocol.on_call[0].email) if v
    )
    [page] = fake.deliveries_to(protocol.on_call[0].phone or "")
    assert (
        f"alert #{alert_id}" in page["body"]
        and "P1" in page["body"]
        and "+14025550134" in page["body"]
    )
    assert deliver_pending(engine, channels, protocol, T0) == 0  # nothing is sent twice


def test_unacknowledged_alert_escalates_to_the_next_on_call_person(
    engine: Engine, protocol: Protocol, patient_id: int, fake: FakeTwilio, channels: dict
) -> None:  # type: ignore[type-arg]
    assert len(protocol.on_call) >= 2
    raise_crisis(engine, protocol, patient_id)
    deliver_pending(engine, channels, protocol, T0)
    assert (
        escalate_due(
            engine, protocol, T0 + protocol.replies.alert_escalation_after - timedelta(seconds=1)
        )
        == []
    )
    later = T0 + protocol.replies.alert_escalation_after
    assert len(escalate_due(engine, protocol, later)) == 1
    deliver_pending(engine, channels, protocol, later)
    assert fake.deliveries_to(protocol.on_call[1].phone or "") != []


def test_acknowledging_stops_escalation_and_lifts_the_crisis_pause(
    engine: Engine, protocol: Protocol, patient_id: int
) -> None:
    alert_id = raise_crisis(engine, protocol, patient_id)
    with Session(engine) as session:
        assert session.get(Patient, patient_id).paused_at is not None  # type: ignore[union-attr]
    view = acknowledge(
        engine, alert_id, "nurse@example.org", "called, safe with family", T0 + timedelta(minutes=3)
    )
    assert view.acknowledged_by == "nurse@example.org"
    assert escalate_due(engine, protocol, T0 + timedelta(hours=5)) == []
    with Session(engine) as session:
        assert session.get(Patient, patient_id).paused_at is None  # type: ignore[union-attr]
    assert list_alerts(engine) == [] and len(list_alerts(engine, include_acknowledged=True)) == 1
    with pytest.raises(AlertNotFound):
        acknowledge(engine, 999, "x", None, T0)


def test_a_failed_page_is_retried_by_the_next_run(
    engine: Engine, protocol: Protocol, patient_id: int, fake: FakeTwilio, channels: dict
) -> None:  # type: ignore[type-arg]
    raise_crisis(engine, protocol, patient_id)
    fake.fail_next(1, status=500)
    deliver_pending(engine, channels, protocol, T0)
    with Session(engine) as session:
        sms = session.exec(
            select(AlertNotification).where(AlertNotification.channel == "sms")
        ).one()
    assert sms.status == "pending" and sms.attempts == 1
    assert deliver_pending(engine, channels, protocol, T0 + timedelta(seconds=15)) == 1


def run_cli(engine: Engine, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(
        FOLLOWUP_DATABASE_URL=str(engine.url),
        FOLLOWUP_PROTOCOL_FILE=str(ROOT / "config" / "protocol.toml"),
        FOLLOWUP_TEMPLATES_DIR=str(ROOT / "templates"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "followup", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_alerts_cli_lists_as_json_and_acknowledges(
    engine: Engine, protocol: Protocol, patient_id: int, tmp_path: Path
) -> None:
    alert_id = raise_crisis(engine, protocol, patient_id)
    listed = run_cli(engine, "alerts", "list", "--format", "json")
    [alert] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (alert["id"], alert["severity"], alert["patient_id"]) == (alert_id, "critical", "P1")
    assert alert["created_at"].endswith("Z") and alert["acknowledged_at"] is None
    acked = run_cli(
        engine, "alerts", "ack", str(alert_id), "--by", "nurse@example.org", "--note", "called"
    )
    assert acked.returncode == 0 and "acknowledged by nurse@example.org" in acked.stdout
    assert run_cli(engine, "alerts", "list", "--format", "json").stdout == ""
    missing = run_cli(engine, "alerts", "ack", "999", "--by", "x")
    assert missing.returncode == 2 and "no alert has id 999" in missing.stderr


def test_reports_export_writes_csv_and_json(engine: Engine, patient_id: int) -> None:
    with Session(engine) as session:
        session.add(
            SymptomReport(
                patient_id=patient_id,
                survey="post_infusion",
                question="mood",
                value=6,
                text="about a 6",
                reported_at=T0,
            )
        )
        session.add(
            SymptomReport(
                patient_id=patient_id,
                survey="post_infusion",
                question="anything_else",
                text='slept, "a lot"',
                reported_at=T0,
            )
        )
        session.commit()
    csv_out = run_cli(engine, "reports", "export").stdout.splitlines()
    assert csv_out[0] == (
        "patient_id,appointment_start,survey,question,value,text,reported_at,location"
    )
    assert csv_out[1] == "P1,,post_infusion,mood,6.0,about a 6,2026-04-15T18:00:00Z,main"
    assert csv_out[2] == (
        'P1,,post_infusion,anything_else,,"slept, ""a lot""",2026-04-15T18:00:00Z,main'
    )
    rows = [
        json.loads(line)
        for line in run_cli(
            engine, "reports", "export", "--format", "json", "--patient", "P1"
        ).stdout.splitlines()
    ]
    assert [r["question"] for r in rows] == ["mood", "anything_else"] and rows[0]["value"] == 6.0
    assert run_cli(engine, "reports", "export", "--patient", "nobody").stdout.splitlines() == [
        csv_out[0]
    ]


def test_inbox_lists_every_reply_with_what_it_was(engine: Engine, patient_id: int) -> None:
    from followup.db.models import InboundMessage

    with Session(engine) as session:
        session.add(
            InboundMessage(
                provider_sid="SM1",
                from_number="+14025550134",
                body="about a 6",
                received_at=T0,
                patient_id=patient_id,
                kind="survey_answer",
                summary="mood: 6.0",
            )
        )
        session.add(
            InboundMessage(
                provider_sid="SM2",
                from_number="+12125550199",
                body="who is this",
                received_at=T0 + timedelta(minutes=1),
                kind="unknown_sender",
                summary="from a number not in the roster",
                needs_attention=True,
            )
        )
        session.commit()
    everything = run_cli(engine, "inbox").stdout
    assert (
        "mood: 6.0" in everything
        and "unknown sender" in everything
        and "about a 6" not in everything
    )
    attention = run_cli(engine, "inbox", "--attention", "--bodies").stdout
    assert "who is this" in attention and "mood: 6.0" not in attention
