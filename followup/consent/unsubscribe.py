"""Email's one-click unsubscribe (RFC 8058): a signed address per patient.

The address carries the patient's id signed with the service's key (FOLLOWUP_SECRET_KEY,
the same in every process), so the web process that receives the click can trust it
without a table of tokens, and nobody can unsubscribe someone else by changing a number.
Without the key or FOLLOWUP_PUBLIC_URL there is no address, and emails carry no header.
"""

from __future__ import annotations

from collections.abc import Callable

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "followup.unsubscribe.email"
PATH = "/unsubscribe/email"


def _signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def unsubscribe_token(secret: str, patient_id: int) -> str:
    """The token of a patient's unsubscribe address."""
    return str(_signer(secret).dumps(patient_id))


def read_token(secret: str, token: str) -> int | None:
    """The patient a token names, or None when it is not one of ours."""
    try:
        value = _signer(secret).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def unsubscribe_links(public_url: str | None, secret: str | None) -> Callable[[int], str] | None:
    """Patient id -> unsubscribe address, or None when the service cannot offer one."""
    if not public_url or not secret or not public_url.startswith("https://"):
        return None
    base = public_url.rstrip("/") + PATH
    return lambda patient_id: f"{base}/{unsubscribe_token(secret, patient_id)}"
