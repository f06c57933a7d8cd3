"""The SMTP channel against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, Session
from aiosmtpd.smtp import Envelope as SMTPEnvelope

from followup.channels.base import ChannelError, Envelope
from followup.channels.smtp_email import SMTPEmailChannel, enhanced_status
from followup.core.errors import ConfigError
from followup.settings import Settings
from followup.testing.tls import openssl_available, self_signed_certificate, server_context
from followup.testing.web import free_port

SENDER = "Lakeside Ketamine Clinic <care@lakeside-clinic.example>"
PATIENT = "jordan.rivera@patients.example"


class Mailbox:
    """An aiosmtpd handler that stores what it accepts, or answers as told."""

    def __init__(self) -> None:
        self.envelopes: list[SMTPEnvelope] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None
        self.data_delay = 0.0

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: SMTPEnvelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SMTPEnvelope) -> str:
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 2.0.0 Message accepted for delivery"

    def only_message(self) -> EmailMessage:
        [envelope] = self.envelopes
        assert isinstance(envelope.content, bytes)
        stored = envelope.content.replace(b"\r\n", b"\n")  # as a mailbox file keeps it
        parsed = email.message_from_bytes(stored, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp_port(mailbox: Mailbox) -> Iterator[int]:
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def make_channel(port: int, **options: Any) -> SMTPEmailChannel:
    settings: dict[str, Any] = {"email_from": SENDER, "security": "none", "timeout": 2.0}
    settings.update(options)
    return SMTPEmailChannel("127.0.0.1", port, **settings)


def envelope(**fields: Any) -> Envelope:
    values: dict[str, Any] = {
        "message_id": 42,
        "channel": "email",
        "to": PATIENT,
        "text": "Your infusion is tomorrow at 9:00. Please arrive 15 minutes early.",
        "subject": "Your infusion tomorrow",
        "html": "<p>Your infusion is <b>tomorrow at 9:00</b>.</p>",
    }
    values.update(fields)
    return Envelope(**values)


def failure(channel: SMTPEmailChannel) -> ChannelError:
    with pytest.raises(ChannelError) as caught:
        channel.send(envelope())
    return caught.value


# -- what arrives --------------------------------------------------------------------------


def test_the_server_receives_text_and_html_alternatives_with_the_right_headers(
    mailbox: Mailbox, smtp_port: int
) -> None:
    receipt = make_channel(smtp_port).send(envelope())

    [stored] = mailbox.envelopes
    assert stored.mail_from == "care@lakeside-clinic.example"
    assert stored.rcpt_tos == [PATIENT]
    message = mailbox.only_message()
    assert message.get_content_type() == "multipart/alternative"
    assert message["From"] == SENDER and message["To"] == PATIENT
    assert message["Subject"] == "Your infusion tomorrow"
    assert message["Date"] is not None
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content().strip() == envelope().text
    assert "<b>tomorrow at 9:00</b>" in html.get_content()
    assert receipt.provider_id == message["Message-ID"].strip()  # folded: it is long


def test_the_message_id_names_the_message_and_the_sender_domain(
    mailbox: Mailbox, smtp_port: int
) -> None:
    receipt = make_channel(smtp_port).send(envelope(message_id=1234))

    assert receipt.provider_id.startswith("<") and receipt.provider_id.endswith(
        "@lakeside-clinic.example>"
    )
    assert receipt.provider_id.startswith("<followup.message.1234.")


def test_the_message_id_is_the_same_for_every_send_of_one_message(
    mailbox: Mailbox, smtp_port: int
) -> None:
    # A resend after a worker died between the server and the database is recognisable
    # as a copy (and collapsed by clients that honour Message-ID).
    channel = make_channel(smtp_port)
    first, again = channel.send(envelope(message_id=7)), channel.send(envelope(message_id=7))
    other = channel.send(envelope(message_id=8))
    page = channel.send(replace(envelope(message_id=7), stream="page"))
    assert first.provider_id == again.provider_id
    assert len({first.provider_id, other.provider_id, page.provider_id}) == 3
    arrived = [email.message_from_bytes(e.content) for e in mailbox.envelopes]  # type: ignore[arg-type]
    assert [m["Message-ID"] for m in arrived[:2]] == [first.provider_id] * 2


def test_non_ascii_text_and_subject_arrive_intact(mailbox: Mailbox, smtp_port: int) -> None:
    text = "Liebe Jördis, wie geht es Ihnen nach der Infusion? ✓\n.\nEine Zeile mit Punkt."
    make_channel(smtp_port).send(envelope(text=text, subject="Nachsorge für Sie", html=None))

    message = mailbox.only_message()
    assert message.get_content_type() == "text/plain"
    assert message["Subject"] == "Nachsorge für Sie"
    assert message.get_content().rstrip("\n") == text
    [stored] = mailbox.envelopes
    assert isinstance(stored.content, bytes) and stored.content.isascii()  # no 8BITMIME needed


def test_a_line_holding_only_a_dot_does_not_end_the_message_early(
    mailbox: Mailbox, smtp_port: int
) -> None:
    text = "Before the infusion:\n.\n..\n.and after."
    make_channel(smtp_port).send(envelope(text=text, html=None))

    assert mailbox.only_message().get_content().rstrip("\n") == text


def test_login_is_used_when_a_username_is_set(mailbox: Mailbox) -> None:
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(
        server: SMTP, session: Session, envelope: SMTPEnvelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret-pass", handled=False)

    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        channel = make_channel(controller.port, username="clinic", password="s3cret-pass")
        channel.send(envelope())
        refused = make_channel(controller.port, username="clinic", password="wrong")
        error = failure(refused)
    finally:
        controller.stop()

    assert logins[0] == (b"clinic", b"s3cret-pass")
    assert set(logins[1:]) == {(b"clinic", b"wrong")}  # smtplib tries PLAIN, then LOGIN
    assert len(mailbox.envelopes) == 1
    assert error.permanent and not error.unreachable and error.code == "535"


def test_from_settings_builds_a_working_channel(mailbox: Mailbox, smtp_port: int) -> None:
    settings = Settings(
        _env_file=None,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security="none",
        smtp_username=None,
        email_from=SENDER,
    )
    SMTPEmailChannel.from_settings(settings).send(envelope())
    assert len(mailbox.envelopes) == 1


def test_from_settings_requires_the_sender_address() -> None:
    settings = Settings(_env_file=None, smtp_host="127.0.0.1", email_from=None)
    with pytest.raises(ConfigError, match="FOLLOWUP_EMAIL_FROM"):
        SMTPEmailChannel.from_settings(settings)


def test_a_sender_without_an_address_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="FOLLOWUP_EMAIL_FROM"):
        SMTPEmailChannel("127.0.0.1", 25, email_from="Lakeside Clinic")


# -- TLS -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key), made with the openssl CLI."""
    if not openssl_available():
        pytest.skip("the openssl command is not installed")
    return self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_is_used_and_the_certificate_is_checked_against_the_host(
    mailbox: Mailbox, certificate: tuple[Path, Path], security: str
) -> None:
    tls = server_context(certificate)
    options: dict[str, Any] = (
        {"tls_context": tls, "require_starttls": True}
        if security == "starttls"
        else {"server_hostname": "127.0.0.1", "ssl_context": tls}
    )
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        trusted = ssl.create_default_context(cafile=str(certificate[0]))
        make_channel(controller.port, security=security, ssl_context=trusted).send(envelope())
        error = failure(make_channel(controller.port, security=security))  # system CAs only
    finally:
        controller.stop()

    assert len(mailbox.envelopes) == 1
    assert not error.permanent and "SSLCertVerificationError" in str(error)


# -- refusals ------------------------------------------------------------------------------


def test_an_unknown_mailbox_is_permanent_and_unreachable(mailbox: Mailbox, smtp_port: int) -> None:
    mailbox.rcpt_reply = f"550 5.1.1 <{PATIENT}>: no such user"
    error = failure(make_channel(smtp_port))

    assert error.permanent and error.unreachable and not error.maybe_sent
    assert error.code == "550"
    assert PATIENT not in str(error)


def test_a_policy_refusal_is_permanent_but_the_address_stays_usable(
    mailbox: Mailbox, smtp_port: int
) -> None:
    mailbox.rcpt_reply = "550 5.7.1 relaying denied"
    error = failure(make_channel(smtp_port))

    assert error.permanent and not error.unreachable


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_try_later_is_retryable(mailbox: Mailbox, smtp_port: int, stage: str) -> None:
    reply = "451 4.3.0 try later"
    if stage == "rcpt":
        mailbox.rcpt_reply = reply
    else:
        mailbox.data_reply = reply
    error = failure(make_channel(smtp_port))

    assert not error.permanent and not error.unreachable and not error.maybe_sent
    assert error.code == "451"
    assert mailbox.envelopes == []


def test_a_server_that_is_not_listening_is_retryable() -> None:
    error = failure(make_channel(free_port()))

    assert not error.permanent and not error.maybe_sent


def test_no_final_reply_after_data_may_have_sent(mailbox: Mailbox, smtp_port: int) -> None:
    mailbox.data_delay = 3.0
    error = failure(make_channel(smtp_port, timeout=0.3))

    assert not error.permanent and error.maybe_sent


@pytest.mark.parametrize(
    ("reply", "expected"),
    [(b"5.1.1 no such user", "5.1.1"), ("4.3.0 try later", "4.3.0"), (b"Try later", None)],
)
def test_enhanced_status_codes_are_read_from_the_reply(
    reply: bytes | str, expected: str | None
) -> None:
    assert enhanced_status(reply) == expected
