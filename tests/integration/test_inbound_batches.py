"""Inbound SMS stored and processed several at a time, as the web hands them over under load.

A batch must come out exactly as the same messages handled one at a time would: the same
kinds, answers, symptom reports, alerts and opt-outs, also when one patient sends several
messages in the same batch. One message failing must not cost the others their answers.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from followup.calendar.importing import ImportWindow, import_files
from followup.db.engine import make_engine
from followup.db.migrate import upgrade
from followup.db.models import (
    Alert,
    Appointment,
    InboundMessage,
    Patient,
    ReplyMessage,
    ScheduledMessage,
    SymptomReport,
)
from followup.messages.render import Renderer
from followup.protocol import Protocol
from followup.replies import answers
from followup.replies import inbox as inbox_module
from followup.replies.alarms import alarm_fallback
from followup.replies.conversations import SurveyStart, start_conversations
from followup.replies.handle import Inbound, handle, process, store
from followup.replies.inbox import Inbox
from followup.replies.outcome import Handled
from tests.conftest import ROOT

CLINIC = "+14025550100"
ANA, BEN, CARA = "+14025550134", "+14025550135", "+14025550136"
STRANGER = "+12125550177"
ROSTER = (
    "patient_id,first_name,last_name,phone,email,language,timezone,sms_consent,email_consent\n"
    f"P1,Ana,Rivera,{ANA},,en,America/Chicago,yes,no\n"
    f"P2,Ben,Okafor,{BEN},,en,America/Chicago,yes,no\n"
    f"P3,Cara,Lind,{CARA},,es,America/Chicago,yes,no\n"
)
# In arrival order. Ana answers her whole survey in one batch; Ben confirms, opts out and
# writes again; Cara is in crisis, then asks for a call; one copy of Ben's YES is a retry.
SCRIPT = [
    Inbound("SMb01", ANA, CLINIC, "about a 6"),
    Inbound("SMb02", BEN, CLINIC, "YES"),
    Inbound("SMb03", ANA, CLINIC, "nausea, headache"),
    Inbound("SMb04", CARA, CLINIC, "quiero morir"),
    Inbound("SMb02", BEN, CLINIC, "YES"),
    Inbound("SMb05", STRANGER, CLINIC, "Hi, who is this?"),
    Inbound("SMb06", ANA, CLINIC, "slept a lot"),
    Inbound("SMb07", BEN, CLINIC, "Stop. Thank you"),
    Inbound("SMb08", BEN, CLINIC, "one more thing"),
    Inbound("SMb09", CARA, CLINIC, "please call me"),
    Inbound("SMb10", ANA, CLINIC, "HELP"),
    Inbound("SMb11", ANA, CLINIC, "a 7 today"),  # her survey is over: for the care team
]


@dataclass(frozen=True)
class Outcome:
    """What staff and patients see of a run, without ids and instants."""

    messages: list[tuple[str, str, str, bool, str | None]]
    replies: list[tuple[str, str]]
    reports: list[tuple[str, str, float | None, str | None]]
    alerts: list[tuple[str, str]]
    opted_out: list[str]
    confirmations: list[tuple[str, str | None]]


def clinic(engine: Engine, protocol: Protocol, directory: Path, now: datetime) -> None:
    """Three patients with an infusion tomorrow; Ana's day-1 check-in survey is open."""
    directory.mkdir(exist_ok=True)
    (directory / "roster.csv").write_text(ROSTER)
    events = "".join(
        "BEGIN:VEVENT\r\n"
        f"UID:b{n}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{(now + timedelta(hours=30 + n)):%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{(now + timedelta(hours=31 + n)):%Y%m%dT%H%M%SZ}\r\n"
        f"X-PATIENT-ID:P{n}\r\nEND:VEVENT\r\n"
        for n in (1, 2, 3)
    )
    (directory / "room.ics").write_text(
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{events}END:VCALENDAR\r\n"
    )
    window = ImportWindow(now, timedelta(days=8), timedelta(days=60))
    import_files(engine, protocol, window, directory / "roster.csv", [directory / "room.ics"])
    with Session(engine) as session:
        ana = session.exec(select(Patient).where(Patient.phone == ANA)).one()
        appointment = session.exec(
            select(Appointment).where(Appointment.patient_id == ana.id)
        ).one()
        checkin = session.exec(
            select(ScheduledMessage).where(
                ScheduledMessage.patient_id == ana.id, ScheduledMessage.step == "checkin_day1"
            )
        ).first()
        assert checkin is not None
        start = SurveyStart(ana.id or 0, appointment.id or 0, checkin.id or 0, "post_infusion")
        start_conversations(session, [start], now, timedelta(hours=24))
        session.commit()


def outcome(engine: Engine) -> Outcome:
    with Session(engine) as session:
        names = {p.id: p.first_name for p in session.exec(select(Patient))}
        inbound = session.exec(select(InboundMessage).order_by(InboundMessage.id)).all()  # type: ignore[arg-type]
        sids = {m.id: m.provider_sid for m in inbound}
        replies = session.exec(select(ReplyMessage).order_by(ReplyMessage.id)).all()  # type: ignore[arg-type]
        reports = session.exec(select(SymptomReport).order_by(SymptomReport.id)).all()  # type: ignore[arg-type]
        alerts = session.exec(select(Alert).order_by(Alert.id)).all()  # type: ignore[arg-type]
        appointments = session.exec(select(Appointment).order_by(Appointment.start_at)).all()  # type: ignore[arg-type]
        return Outcome(
            messages=[
                (m.provider_sid, m.body, m.kind, m.needs_attention, names.get(m.patient_id))
                for m in inbound
            ],
            replies=[(sids[r.inbound_message_id or 0], r.body) for r in replies],
            reports=[(names[r.patient_id], r.question, r.value, r.text) for r in reports],
            alerts=[(a.severity, a.reason) for a in alerts],
            opted_out=sorted(p.first_name for p in session.exec(select(Patient)) if p.opted_out_at),
            confirmations=[(names[a.patient_id], a.confirmation) for a in appointments],
        )


def one_at_a_time(protocol: Protocol, directory: Path, now: datetime) -> Outcome:
    """The script handled message by message, on a database of its own."""
    engine = make_engine(f"sqlite:///{directory / 'reference.db'}")
    upgrade(engine)
    clinic(engine, protocol, directory / "reference", now)
    renderer = Renderer(ROOT / "templates")
    for inbound in SCRIPT:
        handle(engine, protocol, renderer, inbound, now)
    try:
        return outcome(engine)
    finally:
        engine.dispose()


def test_a_batch_comes_out_exactly_as_the_same_messages_one_at_a_time(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    clinic(engine, protocol, tmp_path / "batch", now)
    stored = store(engine, SCRIPT, now)
    assert [new for _, new in stored] == [True] * 4 + [False] + [True] * 7
    assert stored[4][0] == stored[1][0]  # the retry is the first copy's row
    fresh = [
        (message_id, inbound)
        for (message_id, new), inbound in zip(stored, SCRIPT, strict=True)
        if new
    ]

    handled = process(engine, protocol, Renderer(ROOT / "templates"), fresh, now)

    batch = outcome(engine)
    assert batch == one_at_a_time(protocol, tmp_path, now)
    # And what that is: each of Ana's answers moved her survey on, Ben's opt-out held.
    assert [(name, question) for name, question, _, _ in batch.reports] == [
        ("Ana", "mood"),
        ("Ana", "side_effects"),
        ("Ana", "anything_else"),
    ]
    kinds = {sid: kind for sid, _, kind, _, _ in batch.messages}
    assert kinds["SMb08"] == "free_text" and batch.opted_out == ["Ben"]
    assert kinds["SMb04"] == "crisis" and kinds["SMb09"] == "call_request"
    assert ("Ben", "confirmed") in batch.confirmations
    assert [h.reply for h in handled if h.reply] == [body for _, body in batch.replies]
    assert len(handled[3].alert_ids) == 1  # Cara's crisis: staff are paged for it


def test_one_message_failing_in_a_batch_costs_the_others_nothing(
    engine: Engine, protocol: Protocol, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    clinic(engine, protocol, tmp_path / "batch", now)

    def broken_survey(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("survey code bug")

    monkeypatch.setattr(answers, "answer", broken_survey)
    script = [
        Inbound("SMf1", BEN, CLINIC, "HELP"),
        Inbound("SMf2", ANA, CLINIC, "about a 6"),  # the survey code fails on this one
        Inbound("SMf3", CARA, CLINIC, "I want to end my life"),
    ]
    stored = store(engine, script, now)

    handled = process(
        engine,
        protocol,
        Renderer(ROOT / "templates"),
        [(message_id, inbound) for (message_id, _), inbound in zip(stored, script, strict=True)],
        now,
    )

    help_, failed, crisis = handled
    assert help_.reply is not None and "(402) 555-0100" in help_.reply
    assert failed.reply is None
    assert crisis.reply is not None and "988" in crisis.reply
    assert crisis.reply != alarm_fallback(protocol)  # its own template, not the fallback
    after = outcome(engine)
    assert [(sid, kind, flagged) for sid, _, kind, flagged, _ in after.messages] == [
        ("SMf1", "help", False),
        ("SMf2", "error", True),
        ("SMf3", "crisis", True),
    ]
    assert [severity for severity, _ in after.alerts] == ["critical"]


def test_the_inbox_survives_a_database_failure_and_a_crisis_still_gets_the_crisis_line(
    engine: Engine, protocol: Protocol, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinic(engine, protocol, tmp_path / "batch", datetime.now(UTC))
    inbox = Inbox(engine, protocol, Renderer(ROOT / "templates"), threads=1)
    real_store = inbox_module.store
    failures = [OperationalError("INSERT", {}, Exception("database is locked"))] * 2

    def store_failing_twice(*args: Any, **kwargs: Any) -> list[tuple[int, bool]]:
        if failures:
            raise failures.pop()
        return real_store(*args, **kwargs)

    monkeypatch.setattr(inbox_module, "store", store_failing_twice)

    def webhooks(*messages: Inbound) -> list[Handled | BaseException]:
        """The messages' webhooks at once, in an event loop of their own, as uvicorn's."""

        async def at_once() -> list[Handled | BaseException]:
            handling = (inbox.handle(message) for message in messages)
            return await asyncio.gather(*handling, return_exceptions=True)

        # A thread of its own: the browser tests' Playwright keeps a loop in this one.
        with ThreadPoolExecutor(1) as loop_thread:
            return loop_thread.submit(asyncio.run, at_once()).result()

    [help_] = webhooks(Inbound("SMi0", BEN, CLINIC, "HELP"))
    assert isinstance(help_, OperationalError)  # a 500: Twilio may retry it
    [crisis] = webhooks(Inbound("SMi1", CARA, CLINIC, "I want to end my life"))
    assert isinstance(crisis, Handled) and crisis.reply == alarm_fallback(protocol)
    answers = webhooks(
        *(Inbound(f"SMi{n}", (ANA, BEN, CARA)[n % 3], CLINIC, "HELP") for n in range(2, 42))
    )
    assert all(isinstance(a, Handled) and a.reply and "(402) 555-0100" in a.reply for a in answers)
    assert len(outcome(engine).messages) == 40
