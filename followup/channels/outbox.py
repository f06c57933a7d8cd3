"""The outbox: a channel for a new installation with no provider accounts.

It accepts every message and logs one line per message (masked recipient, no body), so a
clinic can run the whole schedule before anything can reach a patient.
"""

from __future__ import annotations

import logging
from uuid import uuid4

from followup.channels.base import ChannelName, Envelope, Receipt
from followup.core.phones import mask

logger = logging.getLogger(__name__)


class OutboxChannel:
    """Accepts everything; nothing leaves the machine."""

    provider = "outbox"

    def __init__(self, name: ChannelName) -> None:
        self.name: ChannelName = name

    def send(self, envelope: Envelope) -> Receipt:
        """Log that the message would have gone out and return a made-up provider id."""
        logger.info(
            "outbox: %s message %s to %s (%d chars)",
            self.name,
            envelope.message_id,
            mask(envelope.to),
            len(envelope.text),
        )
        return Receipt(provider_id=f"outbox-{uuid4().hex[:16]}")

    def check(self, timeout: float) -> None:
        """Always ready: the outbox is this process."""

    def close(self) -> None:
        """Nothing to release; here so every channel can be closed the same way."""
