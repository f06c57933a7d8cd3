"""Sending after consent changes, on SQLite and PostgreSQL: SMS through the real twilio SDK
to the fake Twilio server, email to a real SMTP server (aiosmtpd) on loopback. A revoked
channel gets nothing, even when only the newest consent record says so; emails carry
RFC 8058 one-click unsubscribe, and the mail client's POST revokes email consent."""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select

from followup.consent.records import Source, record
from followup.consent.unsubscribe import unsubscribe_links
from followup.db.models import ConsentRecord, MessageStatus
from followup.dispatch.send import Dispatcher
from followup.settings import Settings
from followup.testing.web import serving
from followup.web.app import create_app
from tests.conftest import ROOT
from tests.integration import test_dispatch, test_smtp_channel
from tests.integration.test_dispatch import DISCHARGE_DUE, PREPARATION_DUE, RETRY, World
from tests.integration.test_smtp_channel import Mailbox, make_channel

# The fixtures, shared: one patient with one infusion planned; a real SMTP server.
world = test_dispatch.world
mailbox, smtp_port = test_smtp_channel.mailbox, test_smtp_channel.smtp_port

SECRET = "consent-sends-secret-0123456789abcdef"
PUBLIC = "https://followup.example-clinic.org"


@pytest.fixture
def dispatcher(world: World, smtp_port: int) -> Iterator[Dispatcher]:
    yield Dispatcher(
        engine=world.engine,
        protocol=world.protocol,
        renderer=world.renderer,
        channels={"sms": world.sms, "email": make_channel(smtp_port)},
        retry=RETRY,
        owner="worker-1",
        now=world.clock,
        unsubscribe=unsubscribe_links(PUBLIC, SECRET),
    )


def dispatch(world: World, dispatcher: Dispatcher) -> dict[int, str]:
    return {i: dispatcher.process(i) for i in world.claim(dispatcher.owner)}


def ana_id(world: World) -> int:
    return world.patient().id or 0


def test_an_email_carries_one_click_unsubscribe_and_the_post_revokes_email_consent(
    world: World, dispatcher: Dispatcher, mailbox: Mailbox
) -> None:
    world.clock.at = PREPARATION_DUE
    dispatch(world, dispatcher)
    message = mailbox.only_message()
    header = str(message["List-Unsubscribe"])
    assert header.startswith(f"<{PUBLIC}/unsubscribe/email/") and header.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header[1:-1]

    settings = Settings(
        database_url=str(world.engine.url), public_url=PUBLIC, secret_key=SECRET,
        templates_dir=ROOT / "templates",
    )  # type: ignore[arg-type]  # fmt: skip
    with serving(create_app(settings, world.engine, world.protocol)) as base:
        local = base + urllib.parse.urlsplit(url).path
        # What a mail client sends (RFC 8058 §3.2): no cookie, no CSRF token.
        request = urllib.request.Request(
            local, data=b"List-Unsubscribe=One-Click", method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200 and "no more emails" in response.read().decode()
        # A second click (clients retry) records nothing more.
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        # Someone else's number in the path is refused: the token is signed.
        forged = local.rsplit("/", 1)[0] + "/" + "x" * 20
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(forged, data=b"", method="POST"))
        assert refused.value.code == 404
        refused.value.close()
    with Session(world.engine) as session:
        emails = session.exec(
            select(ConsentRecord).where(ConsentRecord.channel == "email").order_by(ConsentRecord.id)  # type: ignore[arg-type]
        ).all()
    assert [(r.given, r.source) for r in emails] == [(True, "roster"), (False, "email_unsubscribe")]
    assert world.patient().email_consent is False

    # The discharge email is not sent; its SMS still is.
    world.clock.at = DISCHARGE_DUE
    dispatch(world, dispatcher)
    assert len(mailbox.envelopes) == 1
    discharge_sms = world.row("discharge", "sms")
    assert discharge_sms.status == MessageStatus.SENT
    assert world.row("discharge", "email").status == MessageStatus.SKIPPED


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_send_is_refused_when_the_newest_record_revokes_its_channel(
    world: World, dispatcher: Dispatcher, mailbox: Mailbox, channel: str
) -> None:
    # Written past the one writer, as a record alone: the patient's copy still says yes,
    # so only reading the newest record can stop the send.
    with Session(world.engine) as session:
        session.execute(
            insert(ConsentRecord).values(
                patient_id=ana_id(world), channel=channel, given=False, source="staff",
                detail="test: the record alone", at=PREPARATION_DUE - timedelta(hours=1),
            )
        )  # fmt: skip
        session.commit()
    assert getattr(world.patient(), f"{channel}_consent") is True
    world.clock.at = PREPARATION_DUE
    dispatch(world, dispatcher)
    row = world.row("preparation", channel)
    assert row.status == MessageStatus.SKIPPED
    assert row.status_reason == f"no {'SMS' if channel == 'sms' else 'email'} consent"
    other = world.row("preparation", "email" if channel == "sms" else "sms")
    assert other.status == MessageStatus.SENT
    sent_sms = world.fake.deliveries_to("+14025550134")
    assert (len(sent_sms), len(mailbox.envelopes)) == ((0, 1) if channel == "sms" else (1, 0))


def test_a_revocation_while_a_batch_is_in_hand_gives_the_message_back(
    world: World, dispatcher: Dispatcher
) -> None:
    world.clock.at = PREPARATION_DUE
    ids = world.claim(dispatcher.owner)
    prepared = dispatcher.prepare(ids)
    assert {r.channel for r in prepared.ready} == {"sms", "email"}
    with Session(world.engine) as session:
        record(session, [ana_id(world)], ("email",), given=False, source=Source.STAFF,
               at=PREPARATION_DUE, detail="nurse@example.org: on the phone")  # fmt: skip
        session.commit()
    stopped = dispatcher.renew([r.id for r in prepared.ready])
    assert stopped == {r.id for r in prepared.ready if r.channel == "email"}
