"""Form bodies, read the one way both Twilio and staff pages send them."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request


class FormTooLarge(Exception):
    """The body is longer than the caller accepts; the rest of it was not read."""


async def form_fields(request: Request, max_bytes: int | None = None) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as a dict (the last value of a repeated key).

    With `max_bytes`, a longer body raises FormTooLarge before it is all in memory.
    """
    if max_bytes is None:
        raw = await request.body()
    else:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FormTooLarge
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise FormTooLarge
            chunks.append(chunk)
        raw = b"".join(chunks)
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
