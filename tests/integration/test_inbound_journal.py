"""Replies that come while the database cannot take them: answered, journaled, paged, and
stored and processed once it returns, exactly as if it had never been away.

"Away" is real: the inbox's engine points at a PostgreSQL port nobody listens on. The
process holding the journal then "dies" (its journal is closed, left on disk), and an
inbox on the real database adopts it, as the next web process would.
"""

from __future__ import annotations

import asyncio
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from followup.channels.base import Channel
from followup.channels.registry import build_channels
from followup.core.spool import database_identity
from followup.db.engine import make_engine
from followup.db.models import AlertNotification, InboundMessage, ReplyMessage
from followup.messages.render import Renderer
from followup.protocol import Protocol
from followup.replies.alarms import alarm_fallback
from followup.replies.handle import store
from followup.replies.inbox import Inbox
from followup.replies.journal import InboundJournal
from followup.replies.outcome import Handled, Inbound
from followup.replies.replay import SWEEP_AFTER, Replayer, sweep_received
from followup.settings import Settings
from followup.testing.fake_twilio import FakeTwilio
from followup.testing.processes import wait_for
from followup.testing.web import free_port, serving
from followup.web.app import create_app
from tests.conftest import ROOT
from tests.integration.test_inbound_batches import (
    CARA,
    CLINIC,
    SCRIPT,
    STRANGER,
    clinic,
    one_at_a_time,
    outcome,
)

SID = "AC" + "0a1b2c3d" * 4
TOKEN = "journal-tests-auth-token"
ON_CALL_SMS = "+14025550142"  # the shipped protocol's first on-call person


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


def channels_for(fake: FakeTwilio) -> dict[str, Channel]:
    """SMS through FakeTwilio; email to the outbox (no SMTP server is set)."""
    settings = Settings(
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=CLINIC,
        twilio_base_url=fake.base_url,
    )  # type: ignore[call-arg]
    return build_channels(settings)


def inbox_on(
    engine: Engine, protocol: Protocol, journal: InboundJournal, channels: dict[str, Channel]
) -> Inbox:
    return Inbox(engine, protocol, Renderer(ROOT / "templates"), 1, journal, channels)


def webhooks(inbox: Inbox, *messages: Inbound) -> list[Handled | BaseException]:
    """The messages' webhooks one after another, in an event loop of their own, as uvicorn's."""

    async def in_turn() -> list[Handled | BaseException]:
        answers: list[Handled | BaseException] = []
        for message in messages:
            try:
                answers.append(await inbox.handle(message))
            except Exception as exc:
                answers.append(exc)
        return answers

    with ThreadPoolExecutor(1) as loop_thread:
        return loop_thread.submit(asyncio.run, in_turn()).result()


def unreachable() -> Engine:
    """A database at a port nobody listens on: every connection is refused at once."""
    return make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone")


def test_replies_while_the_database_is_away_are_answered_and_later_processed_as_if_it_never_was(
    engine: Engine, protocol: Protocol, tmp_path: Path, fake: FakeTwilio
) -> None:
    now = datetime.now(UTC)
    clinic(engine, protocol, tmp_path / "clinic", now)
    spool = tmp_path / "spool"
    identity = database_identity(str(engine.url))
    channels = channels_for(fake)

    journal = InboundJournal(spool, identity)
    away = inbox_on(unreachable(), protocol, journal, channels)
    answers = webhooks(away, *SCRIPT)

    # Every webhook answered (a 200), none from the database: the crisis gets the crisis
    # line, HELP and STOP their usual answers, the rest nothing for now.
    assert all(isinstance(a, Handled) for a in answers), answers
    by_sid = {m.sid: a for m, a in zip(SCRIPT, answers, strict=True)}
    assert by_sid["SMb04"].reply == alarm_fallback(protocol)  # type: ignore[union-attr]
    assert "(402) 555-0100" in (by_sid["SMb10"].reply or "")  # type: ignore[union-attr]
    assert "STOP" not in (by_sid["SMb07"].reply or "x")  # type: ignore[union-attr]
    assert by_sid["SMb07"].reply  # type: ignore[union-attr]
    assert by_sid["SMb01"].reply is None  # type: ignore[union-attr]
    # On-call paged once about the crisis, by SMS, with the number and not the words.
    wait_for(lambda: len(fake.deliveries_to(ON_CALL_SMS)) == 1, 10, "the page")
    [page] = fake.deliveries_to(ON_CALL_SMS)
    assert "CRITICAL" in page["body"] and "(402) 555-0136" in page["body"]
    assert "morir" not in page["body"]
    with Session(engine) as session:
        assert session.exec(select(InboundMessage)).all() == []  # nothing reached it

    journal.close()  # the process dies; its journal stays on disk
    assert list(spool.glob("inbound-*.sqlite"))

    back = inbox_on(engine, protocol, InboundJournal(spool, identity), channels)
    replayed = Replayer(back).run_once()

    assert replayed == len({m.sid for m in SCRIPT})
    reference = one_at_a_time(protocol, tmp_path, now)
    after = outcome(engine)
    assert after.messages == reference.messages  # stored once each, in arrival order
    assert after.reports == reference.reports
    assert after.alerts == reference.alerts
    assert after.opted_out == reference.opted_out == ["Ben"]
    assert after.confirmations == reference.confirmations
    with Session(engine) as session:
        notes = session.exec(select(AlertNotification)).all()
        replies = session.exec(select(ReplyMessage)).all()
    # The crisis alert records the page sent without the database; its email goes now.
    assert {(n.channel, n.status) for n in notes} == {("sms", "sent"), ("email", "sent")}
    assert len(fake.deliveries_to(ON_CALL_SMS)) == 1  # never paged twice
    # Answers chosen late are kept for staff, not texted to the patient after the fact.
    assert replies and {r.status for r in replies} == {"not_sent"}
    assert back.journal is not None and back.journal.waiting() == []
    assert not list(spool.glob("inbound-*.sqlite"))[1:]  # the dead one's file is gone


def test_a_retried_crisis_while_the_database_is_away_pages_once(
    engine: Engine, protocol: Protocol, tmp_path: Path, fake: FakeTwilio
) -> None:
    journal = InboundJournal(tmp_path / "spool", database_identity(str(engine.url)))
    away = inbox_on(unreachable(), protocol, journal, channels_for(fake))
    crisis = Inbound("SMr1", CARA, CLINIC, "I am going to end my life tonight")

    first, retry = webhooks(away, crisis, crisis)

    assert isinstance(first, Handled) and isinstance(retry, Handled)
    assert first.reply == retry.reply == alarm_fallback(protocol)
    wait_for(lambda: len(fake.deliveries_to(ON_CALL_SMS)) >= 1, 10, "the page")
    time.sleep(1.0)  # time enough for a second page, were there one
    assert len(fake.deliveries_to(ON_CALL_SMS)) == 1
    [kept] = journal.waiting()
    assert kept.sid == "SMr1" and kept.paged == ("sms", "email")


def test_without_a_journal_an_ordinary_reply_fails_so_twilio_tries_the_fallback_url(
    engine: Engine, protocol: Protocol, tmp_path: Path, fake: FakeTwilio
) -> None:
    renderer = Renderer(ROOT / "templates")
    away = Inbox(unreachable(), protocol, renderer, 1)
    ordinary, crisis = webhooks(
        away,
        Inbound("SMn1", STRANGER, CLINIC, "running late"),
        Inbound("SMn2", STRANGER, CLINIC, "I want to kill myself"),
    )
    assert isinstance(ordinary, Exception)  # a 500
    assert isinstance(crisis, Handled) and crisis.reply == alarm_fallback(protocol)


def test_the_sweeper_finishes_messages_stored_but_never_processed(
    engine: Engine, protocol: Protocol, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    clinic(engine, protocol, tmp_path / "clinic", now)
    old = Inbound("SMs1", CARA, CLINIC, "quiero morir", received_at=now - 2 * SWEEP_AFTER)
    fresh = Inbound("SMs2", CARA, CLINIC, "HELP")
    store(engine, [old, fresh], now)  # the web process died before processing either

    swept = sweep_received(engine, protocol, Renderer(ROOT / "templates"), now)

    assert swept == 1
    with Session(engine) as session:
        kinds = {m.provider_sid: m.kind for m in session.exec(select(InboundMessage))}
    assert kinds == {"SMs1": "crisis", "SMs2": "received"}  # the fresh one is its webhook's
    assert outcome(engine).alerts[0][0] == "critical"
    # Once processed, never again.
    assert sweep_received(engine, protocol, Renderer(ROOT / "templates"), now) == 0
    later = now + 2 * SWEEP_AFTER
    assert sweep_received(engine, protocol, Renderer(ROOT / "templates"), later) == 1
    assert len(outcome(engine).alerts) == 1


def test_through_the_web_app_an_outage_costs_one_log_line_per_webhook_and_no_traceback(
    protocol: Protocol, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    public = "https://followup.example-clinic.org"
    settings = Settings(
        database_url=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone",
        public_url=public,
        twilio_auth_token=TOKEN,
        templates_dir=ROOT / "templates",
        spool_dir=tmp_path / "spool",
    )  # type: ignore[call-arg]
    engine = make_engine(settings.database_url)

    def post(path: str, params: dict[str, str]) -> tuple[int, str]:
        signature = RequestValidator(TOKEN).compute_signature(public + path, params)
        request = urllib.request.Request(
            base + path,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            with exc:
                return exc.code, exc.read().decode()

    with caplog.at_level(logging.INFO), serving(create_app(settings, engine, protocol)) as base:
        sms = {"MessageSid": "SMw1", "From": CARA, "To": CLINIC, "Body": "running late"}
        assert post("/twilio/sms", sms) == (
            200,
            '<?xml version="1.0" encoding="UTF-8"?><Response />',
        )
        report = {"MessageSid": "SMout1", "MessageStatus": "delivered"}
        assert post("/twilio/status?message=1", report)[0] == 503
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not any(r.exc_info for r in caplog.records)  # no traceback anywhere
    assert [r.getMessage().split(":")[0] for r in lines if "journal" in r.getMessage()] == [
        "1 inbound messages wait in the journal for the database"
    ]
    assert sum("delivery report was not recorded" in r.getMessage() for r in lines) == 1
    engine.dispose()


def test_a_reply_after_the_database_returns_waits_for_the_ones_sent_during_the_outage(
    engine: Engine, protocol: Protocol, tmp_path: Path, fake: FakeTwilio
) -> None:
    now = datetime.now(UTC)
    clinic(engine, protocol, tmp_path / "clinic", now)
    journal = InboundJournal(tmp_path / "spool", database_identity(str(engine.url)))
    inbox = inbox_on(unreachable(), protocol, journal, channels_for(fake))
    webhooks(inbox, Inbound("SMo1", CARA, CLINIC, "STOP"))

    inbox.engine = engine  # the database is back; no replay pass has run yet
    [answer] = webhooks(inbox, Inbound("SMo2", CARA, CLINIC, "START"))

    assert isinstance(answer, Handled) and answer.reply  # START's own answer, live
    assert outcome(engine).opted_out == []  # STOP, then START: in the order she sent them
    with Session(engine) as session:
        kinds = [m.kind for m in session.exec(select(InboundMessage).order_by(InboundMessage.id))]  # type: ignore[arg-type]
    assert kinds == ["opt_out", "opt_in"]
    assert journal.waiting() == []
