"""`[consent]`: what the opt-in page and the carrier registration kit link to.

The texts themselves are templates (`templates/<lang>/optin_disclosure/`, `reply_start`,
`reply_help`, `reply_stop`); these are the clinic's own pages they name. Carriers reject
an opt-in without a privacy policy link (Twilio 30513/30841), so the start-up check and
`followup compliance check` report one missing.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from followup.protocol.fields import Strict


def _https(value: str | None) -> str | None:
    if value is not None and not value.startswith("https://"):
        raise ValueError(f"{value!r} must be an https:// address that anyone can open")
    return value


HttpsUrl = Annotated[str, Field(max_length=300), AfterValidator(_https)]


class Consent(Strict):
    """The clinic's public pages about its text messages."""

    # The privacy policy, which must say that numbers are not shared for marketing.
    privacy_url: HttpsUrl | None = None
    # Terms of the text program (optional; some reviews ask for it).
    terms_url: HttpsUrl | None = None
    # The clinic's website, for the registration's brand; its privacy page will do.
    website: HttpsUrl | None = None
