"""The addresses Twilio calls back about one call, each carrying a token signed for that
call alone (its row, its alert, its attempt): a forged or reused address does nothing.

The key is derived from the Twilio auth token, which every process that places or hears
calls already holds and which also signs Twilio's requests; it needs no setting of its own.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

ANSWER_PATH = "/twilio/voice/answer"
KEY_PATH = "/twilio/voice/key"
STATUS_PATH = "/twilio/voice/status"


@dataclass(frozen=True, slots=True)
class CallUrls:
    """Where Twilio fetches what to say, posts the key pressed, and reports the end."""

    answer: str
    key: str
    status: str


def _key(secret: str) -> bytes:
    return hmac.digest(secret.encode(), b"followup voice callbacks", "sha256")


def call_token(secret: str, call_id: int, alert_id: int | None, attempt: int) -> str:
    """The token for one call: an HMAC of its row, alert and attempt."""
    message = f"{call_id}:{alert_id or 0}:{attempt}".encode()
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()[:40]


def token_matches(
    secret: str, call_id: int, alert_id: int | None, attempt: int, token: str
) -> bool:
    """Whether `token` was made for this call (in constant time)."""
    expected = call_token(secret, call_id, alert_id, attempt)
    return hmac.compare_digest(expected.encode(), token.encode("utf-8", "replace"))


def call_urls(
    public_url: str, secret: str, call_id: int, alert_id: int | None, attempt: int
) -> CallUrls:
    """The three callback addresses for one call."""
    query = urlencode({"call": call_id, "t": call_token(secret, call_id, alert_id, attempt)})
    base = public_url.rstrip("/")
    return CallUrls(
        f"{base}{ANSWER_PATH}?{query}", f"{base}{KEY_PATH}?{query}", f"{base}{STATUS_PATH}?{query}"
    )


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs and checks one deployment's call callbacks (FOLLOWUP_PUBLIC_URL, the token)."""

    public_url: str
    secret: str

    def urls(self, call_id: int, alert_id: int | None, attempt: int) -> CallUrls:
        """The callback addresses of one call."""
        return call_urls(self.public_url, self.secret, call_id, alert_id, attempt)

    def matches(self, call_id: int, alert_id: int | None, attempt: int, token: str) -> bool:
        """Whether `token` is this call's."""
        return token_matches(self.secret, call_id, alert_id, attempt, token)
