"""Form bodies, read the one way both Twilio and staff pages send them."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request


async def form_fields(request: Request) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as a dict (the last value of a repeated key)."""
    raw = (await request.body()).decode("utf-8", errors="replace")
    return dict(parse_qsl(raw, keep_blank_values=True))
