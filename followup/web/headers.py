"""Security headers on every answer the web process gives: one ASGI middleware, outermost.

Scripts come only from /static (no inline script, so an injected `<script>` does not
run); no page may be framed; nothing with patient data is kept by a browser or a proxy
(`no-store` on everything but /static); HSTS when the public address is https.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Inline styles stay allowed: the template editor's email preview shows the email's own
# HTML, whose styles are inline as every email's are; a style cannot run code.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
COMMON = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(path: str, https: bool) -> dict[str, str]:
    """The headers an answer for `path` carries; also for answers given outside this
    middleware (the 500 page, which Starlette's outermost error middleware sends)."""
    headers = dict(COMMON)
    if not path.startswith("/static/"):
        headers["cache-control"] = "no-store"
    if https:
        headers["strict-transport-security"] = HSTS
    return headers


class SecurityHeaders:
    """Adds the headers above to every HTTP answer the wrapped app gives."""

    def __init__(self, app: ASGIApp, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wanted = security_headers(scope["path"], self.https)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    if name == "cache-control":
                        headers[name] = value  # patient data is never kept, whatever a page says
                    else:
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)
