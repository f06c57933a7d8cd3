"""One contract for every real channel: outbox, Twilio (real SDK, FakeTwilio), SMTP (aiosmtpd)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SMTPEnvelope

from followup.channels.base import Channel, Envelope
from followup.channels.outbox import OutboxChannel
from followup.channels.registry import build_channels
from followup.channels.smtp_email import SMTPEmailChannel
from followup.channels.twilio_sms import TwilioSMSChannel
from followup.settings import Settings
from followup.testing import FakeTwilio
from followup.testing.web import free_port

ACCOUNT_SID = "AC" + "ab" * 16
AUTH_TOKEN = "contract-token-51d0"
PHONE = "+15551230099"
ADDRESS = "sam.okafor@patients.example"
TEXT = "How are you feeling today? Reply 1 (great) to 5 (very low)."


@dataclass
class Subject:
    channel: Channel
    envelope: Envelope


class Accepting:
    """An aiosmtpd handler that takes every message."""

    def __init__(self) -> None:
        self.messages: list[SMTPEnvelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SMTPEnvelope) -> str:
        self.messages.append(envelope)
        return "250 OK"


def sms(message_id: int = 1) -> Envelope:
    return Envelope(message_id=message_id, channel="sms", to=PHONE, text=TEXT)


def mail(message_id: int = 1) -> Envelope:
    return Envelope(
        message_id=message_id,
        channel="email",
        to=ADDRESS,
        text=TEXT,
        subject="Checking in",
        html=f"<p>{TEXT}</p>",
    )


def outbox(stack: ExitStack) -> Subject:
    return Subject(OutboxChannel("sms"), sms())


def twilio(stack: ExitStack) -> Subject:
    fake = stack.enter_context(FakeTwilio(ACCOUNT_SID, AUTH_TOKEN))
    channel = TwilioSMSChannel(
        ACCOUNT_SID, AUTH_TOKEN, from_number="+15005550006", base_url=fake.base_url, timeout=2.0
    )
    stack.callback(channel.close)
    return Subject(channel, sms())


def smtp(stack: ExitStack) -> Subject:
    controller = Controller(Accepting(), hostname="127.0.0.1", port=free_port())
    controller.start()
    stack.callback(controller.stop)
    channel = SMTPEmailChannel(
        "127.0.0.1", controller.port, email_from="care@clinic.example", security="none"
    )
    return Subject(channel, mail())


@pytest.fixture(params=[outbox, twilio, smtp], ids=["outbox", "twilio", "smtp"])
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    with ExitStack() as stack:
        yield request.param(stack)


def test_every_channel_is_a_channel(subject: Subject) -> None:
    assert isinstance(subject.channel, Channel)
    assert subject.channel.provider


def test_a_channel_sends_the_kind_of_message_it_is_named_for(subject: Subject) -> None:
    assert subject.channel.name == subject.envelope.channel


def test_a_valid_envelope_is_accepted_with_a_provider_id(subject: Subject) -> None:
    receipt = subject.channel.send(subject.envelope)
    assert isinstance(receipt.provider_id, str) and receipt.provider_id.strip()
    assert receipt.status == "sent"


def test_two_messages_get_two_provider_ids(subject: Subject) -> None:
    first = subject.channel.send(subject.envelope)
    second = subject.channel.send(replace(subject.envelope, message_id=first_id_plus_one(subject)))
    assert first.provider_id != second.provider_id


def first_id_plus_one(subject: Subject) -> int:
    return subject.envelope.message_id + 1


# -- the outbox and the registry -----------------------------------------------------------


def test_the_outbox_logs_one_masked_line_and_never_the_body(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="followup.channels.outbox")
    receipt = OutboxChannel("sms").send(sms(message_id=42))

    [line] = caplog.messages
    assert line == f"outbox: sms message 42 to {'*' * 10}99 ({len(TEXT)} chars)"
    assert receipt.provider_id.startswith("outbox-") and len(receipt.provider_id) == 23


def settings(**values: Any) -> Settings:
    fields: dict[str, Any] = {
        "public_url": None,
        "twilio_account_sid": None,
        "twilio_auth_token": None,
        "twilio_from_number": None,
        "twilio_messaging_service_sid": None,
        "smtp_host": None,
        "smtp_username": None,
        "smtp_password": None,
        "email_from": None,
    }
    fields.update(values)
    return Settings(_env_file=None, **fields)


def test_without_accounts_both_channels_are_the_outbox(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="followup.channels.registry")
    channels = build_channels(settings())

    assert isinstance(channels["sms"], OutboxChannel) and channels["sms"].name == "sms"
    assert isinstance(channels["email"], OutboxChannel) and channels["email"].name == "email"
    assert len(caplog.messages) == 2
    assert all("nothing leaves this machine" in line for line in caplog.messages)


def test_with_accounts_the_real_providers_are_used(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="followup.channels.registry")
    channels = build_channels(
        settings(
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from_number="+15005550006",
            smtp_host="smtp.clinic.example",
            email_from="care@clinic.example",
        )
    )
    sms_channel, email_channel = channels["sms"], channels["email"]
    try:
        assert isinstance(sms_channel, TwilioSMSChannel)
        assert isinstance(email_channel, SMTPEmailChannel)
        assert [line.split(":")[0] for line in caplog.messages] == [
            "sms channel",
            "email channel",
        ]
    finally:
        if isinstance(sms_channel, TwilioSMSChannel):
            sms_channel.close()
