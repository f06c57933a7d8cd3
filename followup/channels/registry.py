"""Pick one provider per channel from the settings."""

from __future__ import annotations

import logging

from followup.channels.base import Channel
from followup.channels.outbox import OutboxChannel
from followup.channels.smtp_email import SMTPEmailChannel
from followup.channels.twilio_sms import TwilioSMSChannel
from followup.settings import Settings

logger = logging.getLogger(__name__)

_OUTBOX_NOTE = "messages are only logged, nothing leaves this machine"


def build_channels(settings: Settings) -> dict[str, Channel]:
    """{"sms": ..., "email": ...}: the configured providers, the outbox where none is set."""
    return {"sms": _sms_channel(settings), "email": _email_channel(settings)}


def senders(settings: Settings) -> dict[str, str]:
    """Whose rate limit each channel's messages count against, named as the provider sees it.

    `twilio:+14025550100` (or the Messaging Service SID, which Twilio sends from when both
    are set), `smtp:mail.example.org:587`, `outbox:sms`. Every worker configured alike
    names the same sender, and so shares its limit.
    """
    sms = f"twilio:{_twilio_sender(settings)}" if settings.twilio_account_sid else "outbox:sms"
    email = (
        f"smtp:{settings.smtp_host}:{settings.smtp_port}" if settings.smtp_host else "outbox:email"
    )
    return {"sms": sms, "email": email}


def _twilio_sender(settings: Settings) -> str | None:
    return settings.twilio_messaging_service_sid or settings.twilio_from_number


def _sms_channel(settings: Settings) -> Channel:
    if not settings.twilio_account_sid:
        logger.info("sms channel: outbox (FOLLOWUP_TWILIO_ACCOUNT_SID not set; %s)", _OUTBOX_NOTE)
        return OutboxChannel("sms")
    channel = TwilioSMSChannel.from_settings(settings)
    sender = _twilio_sender(settings)
    logger.info("sms channel: twilio at %s, sending as %s", settings.twilio_base_url, sender)
    return channel


def _email_channel(settings: Settings) -> Channel:
    if not settings.smtp_host:
        logger.info("email channel: outbox (FOLLOWUP_SMTP_HOST not set; %s)", _OUTBOX_NOTE)
        return OutboxChannel("email")
    channel = SMTPEmailChannel.from_settings(settings)
    logger.info(
        "email channel: smtp at %s:%s (%s), sending as %s",
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_security,
        settings.email_from,
    )
    return channel
