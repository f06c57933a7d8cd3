"""One-line notices that survive the redirect after a form post, in the session.

Outside `sections` so that any page (the patient page too) can show them without
importing the sections package.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

_FLASH = "flash"


@dataclass(frozen=True, slots=True)
class Notice:
    """A one-line message shown once on the next page."""

    text: str
    kind: str  # ok | error


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """Keep a notice for the next page.

    The session cookie is signed, not encrypted: notices name record numbers, never a
    patient, a phone number or what anyone wrote.
    """
    request.session[_FLASH] = {"text": text, "kind": kind}


def take_flash(request: Request) -> Notice | None:
    """The waiting notice, if any, removed so a reload does not show it again."""
    raw = request.session.pop(_FLASH, None)
    if not isinstance(raw, dict):
        return None
    return Notice(str(raw.get("text", "")), "error" if raw.get("kind") == "error" else "ok")
