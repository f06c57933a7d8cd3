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


def _sms_channel(settings: Settings) -> Channel:
    if not settings.twilio_account_sid:
        logger.info("sms channel: outbox (FOLLOWUP_TWILIO_ACCOUNT_SID not set; %s)", _OUTBOX_NOTE)
        return OutboxChannel("sms")
    channel = TwilioSMSChannel.from_settings(settings)
    sender = settings.twilio_messaging_service_sid or settings.twilio_from_number
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
