"""The Channel protocol every provider implements, and the one error type they raise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol, runtime_checkable

ChannelName = Literal["sms", "email"]


@dataclass(frozen=True, slots=True)
class Envelope:
    """A fully rendered message, ready to leave. Never logged: it carries the body."""

    # The row it comes from, of the kind `stream` names: providers key status callbacks
    # (only a scheduled message's) and email Message-IDs on it.
    message_id: int
    channel: ChannelName
    to: str  # E.164 for SMS, an address for email
    text: str  # the SMS body, or the email's plain-text part
    subject: str | None = None
    html: str | None = None
    valid_for: timedelta | None = None  # how long the provider may still deliver it
    # "message": a ScheduledMessage; "page": an AlertNotification; "direct": no row (a
    # staff reply, or on-call paged while the database is down).
    stream: Literal["message", "page", "direct"] = "message"
    # An email's one-click unsubscribe address (RFC 8058); None: no such header.
    unsubscribe_url: str | None = None
    # Another sender than the channel's own (a location's number or Messaging Service).
    sender: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """The provider accepted the message."""

    provider_id: str
    status: str = "sent"


class ChannelError(Exception):
    """The provider did not take the message.

    permanent: retrying cannot help (invalid number, unsubscribed, SMTP 5xx).
    unreachable: the destination itself is unusable; stop using it for this patient.
    maybe_sent: the request may have reached the provider (a timeout after sending);
        do not resend blindly, look the message up first.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        code: str | None = None,
        unreachable: bool = False,
        maybe_sent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.unreachable = unreachable
        self.maybe_sent = maybe_sent
        self.retry_after = retry_after


@runtime_checkable
class Channel(Protocol):
    """Sends one rendered message, or raises ChannelError."""

    name: ChannelName
    provider: str

    def send(self, envelope: Envelope) -> Receipt:
        """Hand the message to the provider; return its id."""
        ...


def sender_of(channel: Channel) -> str:
    """Who the provider sees sending: the Twilio number or Messaging Service, else the
    provider's name (the outbox)."""
    return str(getattr(channel, "sender", None) or channel.provider)


@runtime_checkable
class LookupChannel(Channel, Protocol):
    """A channel that can tell whether a message went out after an uncertain send."""

    def find_sent(self, envelope: Envelope, since: datetime) -> Receipt | None:
        """The provider's record of this message sent since `since`, if there is one."""
        ...


@runtime_checkable
class CheckableChannel(Channel, Protocol):
    """A channel that can tell whether its provider answers, for readiness probes."""

    def check(self, timeout: float) -> None:
        """Return when the provider answers and takes our credentials; else ChannelError."""
        ...
