"""Email over SMTP with the standard library's smtplib.

The SMTP dialogue is driven step by step (MAIL, RCPT, DATA) rather than with sendmail(),
so a failure can be placed: only a failure after the whole message went out, while waiting
for the server's final reply, leaves the message maybe delivered.
"""

from __future__ import annotations

import email.policy
import hashlib
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Literal

from followup.channels.base import ChannelError, ChannelName, Envelope, Receipt
from followup.core import clock
from followup.core.errors import ConfigError
from followup.core.phones import mask
from followup.settings import Settings

logger = logging.getLogger(__name__)

Security = Literal["none", "starttls", "ssl"]
Stage = Literal["connect", "mail", "rcpt", "data", "final"]

DEFAULT_TIMEOUT = 30.0
# cte_type 7bit makes set_content() pick quoted-printable or base64 for non-ASCII text,
# so no server needs 8BITMIME.
POLICY = email.policy.SMTP.clone(cte_type="7bit")
_ENHANCED_STATUS = re.compile(r"^\s*([245]\.\d{1,3}\.\d{1,3})\b")
# Without an enhanced status code, these RCPT replies mean the mailbox does not exist:
# 550 mailbox unavailable, 551 user not local, 553 mailbox name not allowed.
_NO_MAILBOX_REPLIES = frozenset({550, 551, 553})


@dataclass(slots=True)
class _Progress:
    stage: Stage = "connect"


class SMTPEmailChannel:
    """Sends email through one SMTP server (relay or submission port)."""

    name: ChannelName = "email"
    provider = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        email_from: str,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        sender = parseaddr(email_from)[1]
        if "@" not in sender:
            raise ConfigError(f"FOLLOWUP_EMAIL_FROM must be an email address (got {email_from!r})")
        self._host = host
        self._port = port
        self._email_from = email_from
        self._sender = sender
        self._domain = sender.rpartition("@")[2]
        self._security = security
        self._credentials = (username, password or "") if username else None
        self._timeout = timeout
        self._ssl_context = ssl_context or ssl.create_default_context()

    @classmethod
    def from_settings(
        cls, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT
    ) -> SMTPEmailChannel:
        """Build the channel from FOLLOWUP_SMTP_* settings; ConfigError when incomplete."""
        if not settings.smtp_host:
            raise ConfigError("FOLLOWUP_SMTP_HOST is not set")
        if not settings.email_from:
            raise ConfigError("FOLLOWUP_EMAIL_FROM is required to send email over SMTP")
        if settings.smtp_username and settings.smtp_password is None:
            raise ConfigError("FOLLOWUP_SMTP_PASSWORD is required with FOLLOWUP_SMTP_USERNAME")
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            email_from=settings.email_from,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=password,
            timeout=timeout,
        )

    def send(self, envelope: Envelope) -> Receipt:
        """Deliver the message to the SMTP server; return its Message-ID."""
        try:
            message = self.build_message(envelope)
        except ValueError:
            # e.g. a line break in the address: nothing a retry could fix.
            raise ChannelError("smtp: the message could not be built", permanent=True) from None
        progress = _Progress()
        try:
            self._transmit(message, envelope.to, progress)
        except (smtplib.SMTPException, OSError) as exc:
            raise smtp_error(exc, progress.stage) from None
        logger.debug("smtp accepted email message %s to %s", envelope.message_id, mask(envelope.to))
        return Receipt(provider_id=str(message["Message-ID"]))

    def build_message(self, envelope: Envelope) -> EmailMessage:
        """The MIME message: plain text, plus an HTML alternative when there is one."""
        message = EmailMessage(policy=POLICY)
        message["From"] = self._email_from
        message["To"] = envelope.to
        if envelope.subject is not None:
            message["Subject"] = envelope.subject
        message["Date"] = format_datetime(clock.now())
        message["Message-ID"] = message_id_of(envelope, self._domain)
        if envelope.unsubscribe_url is not None:
            # RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" to the
            # https address, and the patient stops getting email without another step.
            # Gmail and Yahoo ask it of bulk senders; the relay must DKIM-sign both headers.
            message["List-Unsubscribe"] = f"<{envelope.unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(envelope.text)
        if envelope.html is not None:
            message.add_alternative(envelope.html, subtype="html")
        return message

    def check(self, timeout: float) -> None:
        """Connect, EHLO, STARTTLS and log in as configured, NOOP, QUIT; else ChannelError."""
        try:
            smtp = self._connect(timeout)
            try:
                code, _reply = smtp.noop()
            finally:
                _quit(smtp)
        except smtplib.SMTPAuthenticationError as exc:
            raise ChannelError(f"smtp: login refused ({exc.smtp_code})", permanent=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(
                f"smtp: unreachable ({type(exc).__name__})", permanent=False
            ) from None
        if code != 250:
            raise ChannelError(f"smtp: NOOP answered {code}", permanent=False)

    def close(self) -> None:
        """Nothing to release: each send opens and closes its own connection."""

    def _transmit(self, message: EmailMessage, recipient: str, progress: _Progress) -> None:
        smtp = self._connect()
        try:
            progress.stage = "mail"
            code, reply = smtp.mail(self._sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, self._sender)
            progress.stage = "rcpt"
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
            progress.stage = "data"
            _send_data(smtp, message.as_bytes(policy=POLICY), progress)
        finally:
            _quit(smtp)

    def _connect(self, timeout: float | None = None) -> smtplib.SMTP:
        # The host goes to the constructor, not to connect(): only the constructor records
        # it as the name TLS checks the server's certificate against.
        timeout = self._timeout if timeout is None else timeout
        if self._security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self._host, self._port, timeout=timeout, context=self._ssl_context
            )
        else:
            smtp = smtplib.SMTP(self._host, self._port, timeout=timeout)
        try:
            smtp.ehlo_or_helo_if_needed()
            if self._security == "starttls":
                smtp.starttls(context=self._ssl_context)
                smtp.ehlo_or_helo_if_needed()  # STARTTLS forgets the first EHLO
            if self._credentials is not None:
                smtp.login(*self._credentials)
        except BaseException:
            smtp.close()
            raise
        return smtp


def _send_data(smtp: smtplib.SMTP, payload: bytes, progress: _Progress) -> None:
    """DATA, the dot-stuffed message, and the final reply (what smtplib.data() does)."""
    code, reply = smtp.docmd("DATA")
    if code != 354:
        raise smtplib.SMTPDataError(code, reply)
    stuffed = re.sub(rb"(?m)^\.", b"..", payload)
    if not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    smtp.send(stuffed + b".\r\n")
    # From here on the server holds the whole message: silence may mean it was delivered.
    progress.stage = "final"
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def _quit(smtp: smtplib.SMTP) -> None:
    """Say QUIT and close; a failure here cannot undo a delivery, so it is ignored."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()


def smtp_error(exc: OSError, stage: Stage) -> ChannelError:
    """Classify an smtplib or socket failure raised at `stage` of the dialogue."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()))
        return refusal(code, reply, stage)
    if isinstance(exc, smtplib.SMTPResponseException):
        return refusal(exc.smtp_code, exc.smtp_error, stage)
    if isinstance(exc, smtplib.SMTPException) and not isinstance(
        exc, smtplib.SMTPServerDisconnected
    ):
        # No STARTTLS, no usable AUTH mechanism: the server and our settings disagree.
        return ChannelError(f"smtp: {type(exc).__name__} at {stage}", permanent=True)
    if stage == "final":
        return ChannelError(
            "smtp: no reply after the message was sent; it may have been delivered",
            permanent=False,
            maybe_sent=True,
        )
    return ChannelError(
        f"smtp: connection failed at {stage} ({type(exc).__name__})", permanent=False
    )


def refusal(code: int, reply: bytes | str, stage: Stage) -> ChannelError:
    """Classify an SMTP reply: 5xx permanent (a missing mailbox also unreachable), else retry."""
    status = enhanced_status(reply)
    shown = f"{code} {status}" if status else str(code)
    if not 500 <= code < 600:
        return ChannelError(
            f"smtp: temporarily refused at {stage} ({shown})", permanent=False, code=str(code)
        )
    unreachable = _mailbox_unusable(code, status, stage)
    what = "recipient refused" if unreachable else f"refused at {stage}"
    return ChannelError(
        f"smtp: {what} ({shown})", permanent=True, unreachable=unreachable, code=str(code)
    )


def enhanced_status(reply: bytes | str) -> str | None:
    """The RFC 3463 status ("5.1.1") at the start of a reply, if the server sent one."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    found = _ENHANCED_STATUS.match(text)
    return found.group(1) if found else None


def _mailbox_unusable(code: int, status: str | None, stage: Stage) -> bool:
    # 5.1.x is a bad address and 5.2.1 a disabled mailbox; 5.7.x (policy, relaying) is ours.
    if status is not None:
        return stage in ("rcpt", "final") and (status.startswith("5.1.") or status == "5.2.1")
    return stage == "rcpt" and code in _NO_MAILBOX_REPLIES


def message_id_of(envelope: Envelope, domain: str) -> str:
    """The email's Message-ID: the same for every send of one row, so that a rare resend
    (a worker killed between the SMTP server and the database) is recognisable as a copy
    and collapsed by mail clients that honour it. The recipient is in the digest, so two
    installations that count rows alike do not collide."""
    if envelope.stream == "direct":
        return make_msgid(idstring="followup-direct", domain=domain)
    digest = hashlib.sha256(f"{envelope.stream}:{envelope.message_id}:{envelope.to}".encode())
    return f"<followup.{envelope.stream}.{envelope.message_id}.{digest.hexdigest()[:12]}@{domain}>"
