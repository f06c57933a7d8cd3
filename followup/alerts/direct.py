"""Page on-call without the database: for a crisis or an emergency it cannot record.

The page says what the alerts page would (the severity, why, the number to call back),
never the patient's words, and that the alert is not on the alerts page yet. It goes to
the first person on call, by every channel they have; the alert raised once the
database returns records those channels as already paged (`raise_alert(paged=...)`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from followup.alerts.raising import on_call_at
from followup.channels.base import Channel, ChannelError, ChannelName, Envelope
from followup.core.phones import mask
from followup.messages.context import display_phone
from followup.protocol import Protocol

log = logging.getLogger(__name__)


def direct_page_text(protocol: Protocol, severity: str, reason: str, sender: str) -> str:
    """What on-call reads: who to call and why; no name, no words of the patient's."""
    clinic = protocol.clinic
    return (
        f"[{clinic.name}] {severity.upper()} alert: a text from "
        f"{display_phone(sender, clinic.country)} - {reason}. Call them now. "
        "The database is unreachable: this alert reaches the alerts page once it is back."
    )


def page_directly(
    protocol: Protocol,
    channels: Mapping[str, Channel],
    *,
    severity: str,
    reason: str,
    sender: str,
    location: str | None = None,
) -> tuple[ChannelName, ...]:
    """Page the location's (else the network's) first on-call person by SMS and email;
    the channels that took the page."""
    contact = on_call_at(protocol, 0, location)
    text = direct_page_text(protocol, severity, reason, sender)
    subject = f"[{protocol.clinic.name}] {severity.upper()} alert (database unreachable)"
    took: list[ChannelName] = []
    targets: tuple[tuple[ChannelName, str | None], ...] = (
        ("sms", contact.phone),
        ("email", contact.email),
    )
    for name, to in targets:
        channel = channels.get(name)
        if not to or channel is None:
            continue
        envelope = Envelope(0, name, to, text, subject=subject, stream="direct")
        try:
            channel.send(envelope)
        except ChannelError as exc:
            log.error("paging %s by %s without the database failed: %s", contact.name, name, exc)
            continue
        took.append(name)
    if took:
        log.warning(
            "%s alert about %s paged to %s by %s without the database",
            severity,
            mask(sender),
            contact.name,
            " and ".join(took),
        )
    return tuple(took)
