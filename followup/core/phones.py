"""Phone numbers: parse to E.164 and mask for logs."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


def to_e164(raw: str, region: str) -> str:
    """Parse `raw` (any common format; national numbers read in `region`) to E.164."""
    text = raw.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    try:
        parsed = phonenumbers.parse(text, region.upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{raw!r} is not a phone number ({exc._msg})") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(f"{raw!r} is not a valid phone number for region {region.upper()}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(e164: str | None) -> str:
    """Keep only the last two digits, so a log line can tell numbers apart but not reach one."""
    if not e164:
        return "-"
    return "*" * max(len(e164) - 2, 0) + e164[-2:]
