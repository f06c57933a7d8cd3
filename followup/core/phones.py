"""Phone numbers: parse to E.164, say why one is refused, and mask for logs."""

from __future__ import annotations

import phonenumbers
from phonenumbers import CountryCodeSource, NumberParseException, ValidationResult

# Why a number cannot exist at all (phonenumbers' length and prefix rules), in our words.
_IMPOSSIBLE = {
    ValidationResult.TOO_SHORT: "too short",
    ValidationResult.TOO_LONG: "too long",
    ValidationResult.INVALID_LENGTH: "a length no number there has",
    ValidationResult.INVALID_COUNTRY_CODE: "no country has that code",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "a local number without its area code",
}
_UNPARSABLE = {
    NumberParseException.INVALID_COUNTRY_CODE: "no country has that code",
    NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    NumberParseException.TOO_SHORT_NSN: "too short",
    NumberParseException.TOO_LONG: "too long",
}


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


def to_e164(raw: str, region: str) -> str:
    """Parse `raw` (any common format; national numbers read in `region`) to E.164."""
    text = raw.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    try:
        # The raw input is kept so we can tell a number's own country code from `region`'s.
        parsed = phonenumbers.parse(text, region.upper(), keep_raw_input=True)
    except NumberParseException as exc:
        why = _UNPARSABLE.get(exc.error_type)
        raise InvalidPhone(f"{raw!r} is not a phone number" + (f": {why}" if why else "")) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(why_invalid(raw, parsed))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def why_invalid(raw: str, parsed: phonenumbers.PhoneNumber) -> str:
    """Name the region the number was read in, and whether it is impossible or unassigned."""
    # A parsed number always has a country code; the stubs allow None ("ZZ", unknown).
    region = phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    if parsed.country_code_source == CountryCodeSource.FROM_DEFAULT_COUNTRY:
        # Read in the clinic's region: a number from abroad written without its code lands here.
        region += " (the clinic's: no country code given)"
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    if reason in _IMPOSSIBLE:
        why = f"impossible, {_IMPOSSIBLE[reason]}"
    else:
        why = "unassigned (a possible length, but no numbers there start that way)"
    return f"{raw!r} is not a valid phone number for region {region}: {why}"


def mask(e164: str | None) -> str:
    """Keep only the last two digits, so a log line can tell numbers apart but not reach one."""
    if not e164:
        return "-"
    return "*" * max(len(e164) - 2, 0) + e164[-2:]
